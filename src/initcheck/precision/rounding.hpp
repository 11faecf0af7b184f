#pragma once
/// Rounding float data to a storage format (fp32 / bf16 / fp16) with event counters.
///
/// Semantics (bit-exact IEEE 754 conversion float → format → float): round to nearest, ties to
/// even; subnormals of the format are kept (no flush-to-zero); values that round beyond the
/// format's max become ±inf (fp16: |x| ≥ 65520); ±0 and ±inf are kept; NaN stays NaN (quieted,
/// payload truncated to the format's mantissa, as the hardware conversions do). The result is
/// stored as float but is exactly a value of the format. fp32 leaves values untouched and only
/// counts. The implementation is pure integer bit manipulation (plus exact power-of-two
/// scalings), independent of the FPU rounding mode and of FTZ/DAZ.

#include <Eigen/Core>
#include <span>

#include "initcheck/precision/format.hpp"
#include "initcheck/precision/precision_events.hpp"

namespace initcheck::precision {

/// `x` rounded to `format` (identity for fp32).
float round_to_format(Format format, float x);

/// Rounds `data` in place and returns the event counts. Does not allocate; vectorized, kernel
/// chosen once at run time on x86-64 (AVX-512 + F16C for fp16, else AVX-512 / AVX2 / SSE2 integer
/// code; all bit-identical). Thread-safe for disjoint spans.
PrecisionEvents round_to_format(Format format, std::span<float> data);

/// Rounds a (possibly strided) matrix in place, column by column; same semantics as the span form.
PrecisionEvents round_to_format(Format format, Eigen::Ref<Eigen::MatrixXf> data);

}  // namespace initcheck::precision
