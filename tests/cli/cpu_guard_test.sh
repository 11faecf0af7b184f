#!/usr/bin/env bash
# The start-up CPU check (src/cli/cpu_guard.cpp): on an emulated CPU without AVX (QEMU's Nehalem
# model) the built binary must stop with exit 2 and one line naming the missing extensions and the
# fix, where it used to die with SIGILL; on the emulated CPU that has what the build needs it runs.
# Usage: cpu_guard_test.sh QEMU_X86_64 INITCHECK_BINARY SUPPORTED_QEMU_CPU
set -u
qemu=${1:?usage: $0 QEMU INITCHECK SUPPORTED_CPU}
binary=${2:?}
supported=${3:?}
err=$(mktemp)
trap 'rm -f "$err"' EXIT

"$qemu" -cpu Nehalem "$binary" --version >/dev/null 2>"$err"
code=$?
message=$(grep -v '^qemu' "$err")
if [[ $code -ne 2 ]]; then
  echo "FAIL: exit $code on a CPU without AVX (expected 2); stderr: $message"
  exit 1
fi
if [[ $(printf '%s\n' "$message" | wc -l) -ne 1 || $message != *"this CPU lacks"*avx2* ||
      $message != *"-DINITCHECK_MARCH=x86-64-v2"* ]]; then
  echo "FAIL: expected one line naming avx2 and the rebuild flag, got: $message"
  exit 1
fi
if ! out=$("$qemu" -cpu "$supported" "$binary" --version 2>/dev/null); then
  echo "FAIL: the binary refused the emulated $supported CPU"
  exit 1
fi
[[ $out == initcheck* ]] || { echo "FAIL: --version printed '$out' on $supported"; exit 1; }
echo "ok: Nehalem refused with: $message"
