#pragma once
/// Test hook: run the span kernel compiled for a specific instruction set.

#include <span>

#include "initcheck/precision/format.hpp"
#include "initcheck/precision/precision_events.hpp"

namespace initcheck::precision::detail {

/// Span kernels (all but `generic` only on x86-64 GCC/Clang). generic (the build's -march: SSE2
/// by default of the compiler, AVX2 in initcheck's x86-64-v3 default), avx2 and avx512 are the same
/// integer code compiled for each ISA (target attributes); avx512_f16c rounds fp16 with the F16C
/// conversion instructions instead (bf16/fp32 as avx512). Run time picks the last available.
enum class KernelIsa { generic, avx2, avx512, avx512_f16c };

/// True if `isa` was compiled in and the running CPU supports it.
bool kernel_isa_available(KernelIsa isa);

/// True if the running CPU has F16C (CPUID leaf 1, ECX bit 29); false off x86-64.
bool cpu_has_f16c();

/// round_to_format(format, data) using the kernel built for `isa` (must be available).
PrecisionEvents round_to_format_with(KernelIsa isa, Format format, std::span<float> data);

}  // namespace initcheck::precision::detail
