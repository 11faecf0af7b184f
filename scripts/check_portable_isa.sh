#!/usr/bin/env bash
# Portable builds (INITCHECK_MARCH=x86-64-v3 and below): no AVX-512 code outside the kernels
# compiled for it by target attribute and chosen at run time (nn/detail/gemm_avx512.cpp,
# precision/rounding.cpp, engine/detail/stats_pass.cpp). Disassembles the given binaries /
# archives (objdump) and prints every other function using AVX-512: a zmm, mask (k0–k7) or
# xmm/ymm16–31 register, an embedded broadcast ({1toN}) or an EVEX-only mnemonic of the kinds
# GCC emits for vector code. Exits 1 if there is any. Usage: scripts/check_portable_isa.sh FILE...
set -euo pipefail
(($# > 0)) || { echo "usage: $0 FILE..." >&2; exit 2; }
objdump=${OBJDUMP:-objdump}
allowed='initcheck::nn::detail::\(anonymous namespace\)::(pack_a|pack_b|tile|column_groups)\(|initcheck::precision::\(anonymous namespace\)::kernel_(avx512|f16c)\(|initcheck::engine::detail::\(anonymous namespace\)::stats_pass_avx512\('
avx512='%zmm|%k[0-7]\b|%[xy]mm(1[6-9]|2[0-9]|3[01])\b|\{1to[0-9]+\}|\bv(pternlog|permt2|permi2|pro[lr]|rndscale|scalef|getexp|getmant|fixupimm|blendm|pblendm|p?compress|p?expand|pmovm2|pmov(s|us)?(db|dw|qb|qd|qw|wb)\b|cvt[a-z0-9]*2u)'
# Each instruction line prefixed with its function, then the functions with AVX-512 lines.
found=$("$objdump" -d --no-show-raw-insn -C "$@" |
  awk '/^[0-9a-f]+ <.*>:$/ { fn = $0; next } { print fn "\t" $0 }' |
  grep -E $'\t.*('"$avx512"')' | cut -f1 | sort -u | grep -vE "$allowed" || true)
if [[ -n $found ]]; then
  echo "AVX-512 code outside the run-time dispatched kernels:" >&2
  echo "$found" >&2
  exit 1
fi
echo "portable ISA: no AVX-512 code outside the dispatched kernels in $*"
