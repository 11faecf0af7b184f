#include <string>

#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/request_fields.hpp"

namespace initcheck::claims {
namespace {

/// Single-quotes `value` for a POSIX shell when it contains anything but safe characters.
std::string shell_quote(const std::string& value) {
  const bool safe = !value.empty() && value.find_first_not_of(
                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789_.,=/+-:") == std::string::npos;
  if (safe) return value;
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string reproduce_command(const CheckRequest& r) {
  std::string cmd = "initcheck check";
  for (const RequestField& field : kRequestFields) {
    if (!field_applies(field, r)) continue;
    // depth and width are shown with their defaults: the shape is always explicit.
    const bool shown =
        field.required || field.applies == Applies::without_widths || !field_is_default(field, r);
    if (shown) cmd += " " + std::string(field.flag) + " " + shell_quote(field_text(field, r));
  }
  return cmd;
}

}  // namespace initcheck::claims
