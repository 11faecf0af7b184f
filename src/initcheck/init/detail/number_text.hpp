#pragma once
/// Shortest round-trip decimal text of a double (private to init).

#include <string>

namespace initcheck::init::detail {

/// Shortest text that parses back to exactly `value` (e.g. 0.1, 1e-05, 2).
std::string format_number(double value);

}  // namespace initcheck::init::detail
