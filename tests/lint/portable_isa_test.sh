#!/usr/bin/env bash
# The portable-ISA lint must catch AVX-512 code: one loop compiled for x86-64-v3 passes, the
# same loop compiled for AVX-512 is named, and an AVX-512 function with the name of an
# allowed kernel passes (the allowlist matches objdump's demangled names).
# Usage: portable_isa_test.sh CXX_COMPILER
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
lint="$repo/scripts/check_portable_isa.sh"
cxx=${1:?usage: $0 CXX_COMPILER}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/loop.cpp" <<'CPP'
void scale(float* x, int n) {
  for (int i = 0; i < n; ++i) x[i] *= 3.0f;
}
namespace initcheck::nn::detail {
namespace {
[[gnu::target("avx512f")]] [[gnu::noinline]] void tile(float* x, int n) {
  for (int i = 0; i < n; ++i) x[i] *= 5.0f;
}
}  // namespace
void call_tile(float* x, int n) { tile(x, n); }
}  // namespace initcheck::nn::detail
CPP
flags=(-O3 -mprefer-vector-width=512 -c)
"$cxx" "${flags[@]}" -march=x86-64-v3 "$work/loop.cpp" -o "$work/v3.o" || exit 1
"$cxx" "${flags[@]}" -march=x86-64-v4 "$work/loop.cpp" -o "$work/v4.o" || exit 1
bash "$lint" "$work/v3.o" || { echo "FAIL: the lint flagged x86-64-v3 code or the allowed kernel"; exit 1; }
if out=$(bash "$lint" "$work/v4.o" 2>&1); then
  echo "FAIL: the lint passed a loop compiled for x86-64-v4"
  exit 1
fi
grep -q "<scale(float\*, int)>" <<< "$out" || { echo "FAIL: expected scale() in: $out"; exit 1; }
echo "portable ISA lint: passes x86-64-v3 code and the allowed kernel, catches AVX-512 code"
