#include "initcheck/io/safetensors.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <system_error>

#include "initcheck/core/error.hpp"

namespace initcheck::io {
namespace {

using nlohmann::json;

/// Where one tensor's bytes are, as the header states them (validated).
struct Entry {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;  ///< byte offsets into the data buffer
  std::uint64_t end = 0;
};

/// Bytes per value of the dtypes read_safetensors converts; 0 for any other dtype.
std::uint64_t dtype_size(const std::string& dtype) {
  if (dtype == "F32") return 4;
  if (dtype == "F16" || dtype == "BF16") return 2;
  if (dtype == "F64") return 8;
  return 0;
}

/// The little-endian unsigned integer of `bytes` bytes at p.
std::uint64_t load_le(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8U) | static_cast<unsigned char>(p[i]);
  return v;
}

/// IEEE binary16 → float (subnormals, infinities and NaN included).
float half_to_float(std::uint32_t h) {
  const std::uint32_t sign = (h & 0x8000U) << 16U;
  const std::uint32_t exponent = (h >> 10U) & 0x1FU;
  std::uint32_t mantissa = h & 0x3FFU;
  if (exponent == 0) {  // zero or subnormal: mantissa · 2⁻²⁴
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign != 0 ? -magnitude : magnitude;
  }
  const std::uint32_t bits = exponent == 0x1FU
                                 ? sign | 0x7F800000U | (mantissa << 13U)
                                 : sign | ((exponent + 112U) << 23U) | (mantissa << 13U);
  return std::bit_cast<float>(bits);
}

float to_float(const char* p, const std::string& dtype) {
  if (dtype == "F32") return std::bit_cast<float>(static_cast<std::uint32_t>(load_le(p, 4)));
  if (dtype == "F64") return static_cast<float>(std::bit_cast<double>(load_le(p, 8)));
  if (dtype == "BF16") {
    return std::bit_cast<float>(static_cast<std::uint32_t>(load_le(p, 2) << 16U));
  }
  return half_to_float(static_cast<std::uint32_t>(load_le(p, 2)));
}

/// Parses and validates one header entry; `data_bytes` is the data buffer's size.
Entry parse_entry(const std::string& path, const std::string& name, const json& value,
                  std::uint64_t data_bytes) {
  const std::string where = path + ": tensor '" + name + "'";
  if (!value.is_object()) throw InputError(where + " is not a JSON object in the header");
  const auto dtype = value.find("dtype");
  const auto shape = value.find("shape");
  const auto offsets = value.find("data_offsets");
  if (dtype == value.end() || !dtype->is_string()) {
    throw InputError(where + " has no string 'dtype'");
  }
  Entry e{name, dtype->get<std::string>(), {}, 0, 0};
  const std::uint64_t size = dtype_size(e.dtype);
  if (size == 0) {
    throw InputError(where + " has dtype '" + e.dtype +
                     "'; only F32, F16, BF16 and F64 are supported");
  }
  if (shape == value.end() || !shape->is_array()) {
    throw InputError(where + " has no 'shape' array");
  }
  std::uint64_t count = 1;
  for (const json& dim : *shape) {
    if (!dim.is_number_unsigned()) {
      throw InputError(where + " has a shape entry that is not a non-negative integer");
    }
    const auto d = dim.get<std::uint64_t>();
    if (d > kMaxSafetensorsBytes || (d != 0 && count > kMaxSafetensorsBytes / d)) {
      throw InputError(where + " has a shape too large to read (more than 16 GiB)");
    }
    count *= d;
    e.shape.push_back(static_cast<std::int64_t>(d));
  }
  if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
    throw InputError(where + " has no 'data_offsets' [begin, end] of non-negative integers");
  }
  e.begin = (*offsets)[0].get<std::uint64_t>();
  e.end = (*offsets)[1].get<std::uint64_t>();
  if (e.begin > e.end || e.end > data_bytes) {
    throw InputError(where + " has data_offsets [" + std::to_string(e.begin) + ", " +
                     std::to_string(e.end) + "] outside the data buffer of " +
                     std::to_string(data_bytes) + " bytes");
  }
  if (e.end - e.begin != count * size) {
    throw InputError(where + " has data_offsets spanning " + std::to_string(e.end - e.begin) +
                     " bytes; its shape and dtype need " + std::to_string(count * size));
  }
  return e;
}

std::string system_reason() {
  return std::error_code(errno, std::generic_category()).message();
}

}  // namespace

std::vector<Tensor> read_safetensors(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw InputError(path + ": not a readable regular file" +
                     (ec ? " (" + ec.message() + ")" : ""));
  }
  const std::uint64_t file_bytes = std::filesystem::file_size(path, ec);
  if (ec) throw InputError(path + ": cannot read its size (" + ec.message() + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open (" + system_reason() + ")");
  if (file_bytes < 8) {
    throw InputError(path + ": truncated (" + std::to_string(file_bytes) +
                     " bytes; a safetensors file starts with an 8-byte header length)");
  }
  if (file_bytes > kMaxSafetensorsBytes) {
    throw InputError(path + ": larger than 16 GiB (" + std::to_string(file_bytes) + " bytes)");
  }
  std::array<char, 8> length_bytes{};
  in.read(length_bytes.data(), 8);
  const std::uint64_t header_bytes = load_le(length_bytes.data(), 8);
  if (header_bytes == 0 || header_bytes > kMaxSafetensorsHeaderBytes ||
      header_bytes > file_bytes - 8) {
    throw InputError(path + ": header length " + std::to_string(header_bytes) +
                     " is not in [1, min(100000000, " + std::to_string(file_bytes - 8) +
                     ")] (truncated or not a safetensors file)");
  }
  std::string header(header_bytes, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_bytes));
  if (!in) throw InputError(path + ": cannot read the header (" + system_reason() + ")");
  const json parsed = json::parse(header, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    throw InputError(path + ": the header is not a JSON object (not a safetensors file?)");
  }
  const std::uint64_t data_bytes = file_bytes - 8 - header_bytes;
  std::vector<Entry> entries;
  for (const auto& [name, value] : parsed.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) throw InputError(path + ": '__metadata__' is not a JSON object");
      continue;
    }
    entries.push_back(parse_entry(path, name, value, data_bytes));
  }
  std::vector<const Entry*> by_offset;
  for (const Entry& e : entries) {
    if (e.end > e.begin) by_offset.push_back(&e);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < by_offset[i - 1]->end) {
      throw InputError(path + ": tensors '" + by_offset[i - 1]->name + "' and '" +
                       by_offset[i]->name + "' overlap in the data buffer");
    }
  }

  std::vector<Tensor> tensors;
  std::vector<char> bytes;
  for (const Entry& e : entries) {  // json objects iterate in key order: sorted by name
    const std::uint64_t size = dtype_size(e.dtype);
    bytes.resize(e.end - e.begin);
    in.seekg(static_cast<std::streamoff>(8 + header_bytes + e.begin));
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!in) {
      throw InputError(path + ": cannot read tensor '" + e.name + "' (" + system_reason() + ")");
    }
    Tensor& t = tensors.emplace_back(Tensor{e.name, e.shape, {}});
    t.values.resize(bytes.size() / size);
    for (std::size_t i = 0; i < t.values.size(); ++i) {
      t.values[i] = to_float(bytes.data() + i * size, e.dtype);
    }
  }
  return tensors;
}

void write_safetensors(const std::string& path, const std::vector<Tensor>& tensors) {
  json header = json::object();
  std::uint64_t offset = 0;
  for (const Tensor& t : tensors) {
    std::uint64_t count = 1;
    for (std::int64_t d : t.shape) {
      count *= static_cast<std::uint64_t>(std::max<std::int64_t>(d, 0));
    }
    if (count != t.values.size()) {
      throw InputError(path + ": tensor '" + t.name + "' has " + std::to_string(t.values.size()) +
                       " values for a shape of " + std::to_string(count));
    }
    header[t.name] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + 4 * count}}};
    offset += 4 * count;
  }
  std::string text = header.dump();
  text.resize((text.size() + 7) / 8 * 8, ' ');  // pad to 8 bytes, as the reference writer does
  std::string out;
  for (int i = 0; i < 8; ++i) out += static_cast<char>((text.size() >> (8U * i)) & 0xFFU);
  out += text;
  for (const Tensor& t : tensors) {
    for (float v : t.values) {
      const auto bits = std::bit_cast<std::uint32_t>(v);
      for (int i = 0; i < 4; ++i) out += static_cast<char>((bits >> (8U * i)) & 0xFFU);
    }
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(out.data(), static_cast<std::streamsize>(out.size()));
  file.close();
  if (!file) throw InputError(path + ": cannot write (" + system_reason() + ")");
}

}  // namespace initcheck::io
