#pragma once
/// A short content hash for detecting edits and mixed files (not a cryptographic signature).

#include <charconv>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

namespace initcheck {

/// FNV-1a (64 bit) of `text` as 16 lowercase hex digits.
inline std::string content_hash(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char digits[16];
  const auto printed = std::to_chars(std::begin(digits), std::end(digits), h, 16);
  std::string hex(static_cast<std::size_t>(std::end(digits) - printed.ptr), '0');
  hex.append(std::begin(digits), printed.ptr);
  return hex;
}

}  // namespace initcheck
