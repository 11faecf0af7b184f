#pragma once
/// Error types shared by every module.

#include <stdexcept>
#include <string>

namespace initcheck {

/// Bad user input (malformed spec, unknown activation, zero width, NaN, ...).
/// The CLI prints `what()` on one line and exits with code 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace initcheck
