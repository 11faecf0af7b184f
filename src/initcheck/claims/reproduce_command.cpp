#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/request_fields.hpp"

namespace initcheck::claims {
namespace {

/// Quotes `value` for a POSIX shell when it contains anything but safe characters: in single
/// quotes, or, when it holds control characters (a newline in an init spec), as
/// "$(printf '%b' '…')" with those characters as octal escapes, so the command stays one line
/// that any POSIX shell (dash too, which lacks $'…') turns back into the same bytes (except
/// trailing newlines, which command substitution drops: insignificant in an init spec).
std::string shell_quote(const std::string& value) {
  const bool safe = !value.empty() && value.find_first_not_of(
                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789_.,=/+-:") == std::string::npos;
  if (safe) return value;
  const auto is_control = [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f;
  };
  const bool control = std::any_of(value.begin(), value.end(), is_control);
  std::string out = control ? "\"$(printf '%b' '" : "'";
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else if (control && c == '\\') {
      out += "\\\\";
    } else if (is_control(c)) {
      std::array<char, 8> octal{};
      std::snprintf(octal.data(), octal.size(), "\\0%03o", static_cast<unsigned>(c) & 0xffU);
      out += octal.data();
    } else {
      out += c;
    }
  }
  return out + (control ? "')\"" : "'");
}

}  // namespace

std::string reproduce_command(const CheckRequest& r) {
  std::string cmd = "initcheck check";
  for (const RequestField& field : kRequestFields) {
    if (!field_applies(field, r)) continue;
    // depth and width are shown with their defaults: the shape is always explicit.
    const bool shown =
        field.required || field.applies == Applies::without_widths || !field_is_default(field, r);
    if (!shown) continue;
    // Appended piecewise: GCC 12 reports a false -Wrestrict for `" " + std::string(…)` here.
    cmd.append(" ").append(field.flag).append(" ").append(shell_quote(field_text(field, r)));
  }
  return cmd;
}

}  // namespace initcheck::claims
