#pragma once
/// Reading and writing safetensors files (https://github.com/huggingface/safetensors): an 8-byte
/// little-endian header length N, an N-byte JSON header mapping tensor names to
/// {dtype, shape, data_offsets}, then the data buffer. Values are converted to float.

#include <cstdint>
#include <string>
#include <vector>

namespace initcheck::io {

/// One tensor: its name, row-major shape and values (converted to float from F32, F16, BF16 or
/// F64).
struct Tensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> values;
};

/// Largest file read_safetensors accepts (16 GiB) and largest header (100 MB, the format's own
/// limit): a corrupted length never makes it allocate more.
inline constexpr std::uint64_t kMaxSafetensorsBytes = 16ULL << 30U;
inline constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

/// The tensors of `path`, sorted by name. Validates everything before reading any value: the
/// header length against the file size, the header's JSON (an object of tensors, plus an
/// optional `__metadata__` object), each dtype, shape (non-negative, no overflow) and
/// data_offsets (inside the data buffer, matching the shape's byte size, no two tensors
/// overlapping). Throws InputError "PATH: problem" on any violation or read error.
std::vector<Tensor> read_safetensors(const std::string& path);

/// Writes `tensors` as F32 to `path` (replacing it), data in the given order without gaps.
/// Throws InputError "PATH: problem" when the file cannot be written or a tensor's value count
/// does not match its shape.
void write_safetensors(const std::string& path, const std::vector<Tensor>& tensors);

}  // namespace initcheck::io
