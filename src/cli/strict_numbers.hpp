#pragma once
/// Strict reading of numeric flags. CLI11 alone reads "-1" into an unsigned option as 2⁶⁴−1,
/// clamps an over-long integer to 2⁶³−1 (or 2⁶⁴−1), reads "010" as octal and "" as 0.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace initcheck::cli {

/// Adds to every integer and floating-point option of `app` and its subcommands a validator
/// that rejects, with a message naming the value: an empty value; an integer that is not plain
/// decimal digits (a leading '-' only for signed options); one that does not fit in 64 bits
/// ("is out of range"); a number strtod does not read completely.
void make_numbers_strict(CLI::App& app);

/// The one-line message for CLI11's ConversionError ("Could not convert: --depth = 3000000000")
/// of a value that passed the checks above, so it is an integer too large for its option's
/// (32-bit) type: "--depth: 3000000000 is out of range". nullopt for any other message.
std::optional<std::string> out_of_range_message(const std::string& conversion_error);

}  // namespace initcheck::cli
