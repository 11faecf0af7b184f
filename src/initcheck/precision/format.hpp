#pragma once
/// Storage formats for activations (and optionally weights).

#include <string_view>

namespace initcheck::precision {

/// IEEE binary32, bfloat16 (8-bit exp, 7-bit mantissa), IEEE binary16 (5-bit exp, 10-bit mant).
enum class Format { fp32, bf16, fp16 };

/// Parses `fp32`, `bf16` or `fp16`; throws InputError otherwise.
Format parse_format(std::string_view text);
/// `fp32`, `bf16` or `fp16`.
std::string_view format_name(Format format);

/// Magnitudes that characterize a format (all exactly representable as float).
struct FormatLimits {
  float max = 0;         ///< largest finite value (fp16 65504, bf16 3.3895314e38)
  float min_normal = 0;  ///< smallest positive normal (fp16 2⁻¹⁴, bf16/fp32 2⁻¹²⁶)
  float min_subnormal = 0;  ///< smallest positive subnormal (fp16 2⁻²⁴, bf16 2⁻¹³³, fp32 2⁻¹⁴⁹)
  float epsilon = 0;  ///< distance from 1 to the next value (fp16 2⁻¹⁰, bf16 2⁻⁷, fp32 2⁻²³)
};

/// The limits of `format`.
FormatLimits format_limits(Format format);

}  // namespace initcheck::precision
