#include <array>
#include <charconv>
#include <string>

#include "initcheck/claims/check_request.hpp"

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

std::string join(const std::vector<std::int64_t>& values) {
  std::string out;
  for (std::int64_t v : values) {
    if (!out.empty()) out += ',';
    out += std::to_string(v);  // appended, not `"," + …`: GCC 12 warns (-Wrestrict) on that
  }
  return out;
}

/// Shortest text that reads back as exactly `x` (1e-09, 2.5, 0.001).
std::string format_double(double x) {
  std::array<char, 32> buf{};
  const std::to_chars_result r = std::to_chars(buf.data(), buf.data() + buf.size(), x);
  return {buf.data(), r.ptr};
}

}  // namespace

std::string reproduce_command(const CheckRequest& r) {
  const CheckRequest defaults;
  std::string cmd = "initcheck check --init " + shell_quote(r.init) + " --activation " +
                    shell_quote(r.activation);
  auto flag = [&cmd](const char* name, const std::string& value) {
    cmd += std::string(" --") + name + " " + shell_quote(value);
  };
  if (r.arch != defaults.arch) flag("arch", r.arch);
  if (!r.widths.empty()) {
    flag("widths", join(r.widths));
  } else {
    flag("depth", std::to_string(r.depth));
    flag("width", std::to_string(r.width));
  }
  if (r.batch != defaults.batch) flag("batch", std::to_string(r.batch));
  if (r.arch == "conv") {
    if (r.kernel != defaults.kernel) flag("kernel", std::to_string(r.kernel));
    if (r.spatial != defaults.spatial) flag("spatial", std::to_string(r.spatial));
  }
  if (r.arch == "resnet" && r.branch_scale != defaults.branch_scale) {
    flag("branch-scale", r.branch_scale);
  }
  if (r.norm != defaults.norm) flag("norm", r.norm);
  if (r.precision != defaults.precision) flag("precision", r.precision);
  if (r.input != defaults.input) flag("input", r.input);
  if (r.tolerance != defaults.tolerance) flag("tolerance", format_double(r.tolerance));
  if (r.alpha != defaults.alpha) flag("alpha", format_double(r.alpha));
  if (!r.claims.empty()) {
    std::string list;
    for (const std::string& c : r.claims) list += (list.empty() ? "" : ",") + c;
    flag("claims", list);
  }
  if (r.seed != defaults.seed) flag("seed", std::to_string(r.seed));
  if (r.replicates != defaults.replicates) flag("replicates", std::to_string(r.replicates));
  if (r.max_networks != defaults.max_networks) flag("max-networks", std::to_string(r.max_networks));
  if (r.budget != defaults.budget) flag("budget", format_double(r.budget));
  return cmd;
}

}  // namespace initcheck::claims
