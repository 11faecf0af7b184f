#include "strict_numbers.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace initcheck::cli {
namespace {

/// "" if `text` is a plain decimal integer fitting T, else why not.
template <typename T>
std::string integer_problem(const std::string& text) {
  if (text.empty()) return "an empty value is not an integer";
  const bool negative = text.front() == '-';
  const std::string_view digits = std::string_view(text).substr(negative ? 1 : 0);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return "'" + text + "' is not an integer";
  }
  if (negative && !std::is_signed_v<T>) return text + " is negative; expected an integer >= 0";
  T value{};
  const std::from_chars_result r = std::from_chars(text.data(), text.data() + text.size(), value);
  if (r.ec == std::errc::result_out_of_range) return text + " is out of range";
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size()) {
    return "'" + text + "' is not an integer";
  }
  return {};
}

std::string number_problem(const std::string& text) {
  if (text.empty()) return "an empty value is not a number";
  char* end = nullptr;
  (void)std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return "'" + text + "' is not a number";
  return {};
}

/// Returns `problem`; when there is none, strips leading zeros from `text` in place, as CLI11
/// would read "010" as octal 8.
std::string decimal(std::string& text, std::string problem) {
  if (!problem.empty()) return problem;
  const std::size_t sign = text.starts_with('-') ? 1 : 0;
  const std::size_t first = std::min(text.find_first_not_of('0', sign), text.size() - 1);
  text.erase(sign, first - sign);
  if (text == "-0") text = "0";
  return {};
}

}  // namespace

// Transforms run before an option's own checks (CLI11 puts them first), so those see only
// plain decimal integers.
void make_numbers_strict(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    const std::string type = opt->get_type_name();
    if (type == "INT") {
      opt->transform(CLI::Validator(
          [](std::string& s) { return decimal(s, integer_problem<std::int64_t>(s)); },
          std::string{}));
    } else if (type == "UINT") {
      opt->transform(CLI::Validator(
          [](std::string& s) { return decimal(s, integer_problem<std::uint64_t>(s)); },
          std::string{}));
    } else if (type == "FLOAT") {
      opt->transform(CLI::Validator(number_problem, std::string{}));
    }
  }
  for (CLI::App* sub : app.get_subcommands({})) make_numbers_strict(*sub);
}

std::optional<std::string> out_of_range_message(const std::string& conversion_error) {
  constexpr std::string_view kPrefix = "Could not convert: ";
  constexpr std::string_view kSeparator = " = ";
  const std::string_view text(conversion_error);
  if (!text.starts_with(kPrefix)) return std::nullopt;
  const std::size_t sep = text.find(kSeparator, kPrefix.size());
  if (sep == std::string_view::npos) return std::nullopt;
  const std::string_view name = text.substr(kPrefix.size(), sep - kPrefix.size());
  const std::string value(text.substr(sep + kSeparator.size()));
  if (!integer_problem<std::int64_t>(value).empty()) return std::nullopt;
  return std::string(name) + ": " + value + " is out of range";
}

}  // namespace initcheck::cli
