#include "initcheck/precision/format.hpp"

#include <string>

#include "initcheck/core/error.hpp"

namespace initcheck::precision {

Format parse_format(std::string_view text) {
  if (text == "fp32") return Format::fp32;
  if (text == "bf16") return Format::bf16;
  if (text == "fp16") return Format::fp16;
  throw InputError("unknown precision '" + std::string(text) +
                   "'; expected one of: fp32, bf16, fp16");
}

std::string_view format_name(Format format) {
  switch (format) {
    case Format::fp32: return "fp32";
    case Format::bf16: return "bf16";
    case Format::fp16: return "fp16";
  }
  return "fp32";
}

FormatLimits format_limits(Format format) {
  switch (format) {
    case Format::fp32: return {0x1.fffffep127f, 0x1p-126f, 0x1p-149f, 0x1p-23f};
    case Format::bf16: return {0x1.fep127f, 0x1p-126f, 0x1p-133f, 0x1p-7f};
    case Format::fp16: return {65504.0f, 0x1p-14f, 0x1p-24f, 0x1p-10f};
  }
  return {0x1.fffffep127f, 0x1p-126f, 0x1p-149f, 0x1p-23f};
}

}  // namespace initcheck::precision
