#pragma once
/// Error messages echo user input; this keeps each one a single readable line.

#include <string>
#include <string_view>

namespace initcheck::cli {

/// `text` with control characters escaped (\n, \t, \r, other bytes < 0x20 and 0x7f as \xNN)
/// and bytes that are not valid UTF-8 as \xNN; valid UTF-8 (é, ö, →) is kept as is.
std::string one_line(std::string_view text);

}  // namespace initcheck::cli
