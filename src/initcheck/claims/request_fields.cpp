#include "initcheck/claims/request_fields.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <stdexcept>
#include <type_traits>

#include "initcheck/claims/claim_id.hpp"
#include "initcheck/core/error.hpp"

namespace initcheck::claims {
namespace {

/// Converts to anything: `T{AnyValue{}, ...}` is well-formed up to T's number of fields.
struct AnyValue {
  template <typename T>
  operator T() const;  // NOLINT(google-explicit-constructor): only used unevaluated
};

/// The number of fields of the aggregate T (the longest brace list that initializes it).
template <typename T, typename... Values>
constexpr std::size_t aggregate_field_count() {
  if constexpr (requires { T{Values{}..., AnyValue{}}; }) {
    return aggregate_field_count<T, Values..., AnyValue>();
  } else {
    return sizeof...(Values);
  }
}

static_assert(std::is_aggregate_v<CheckRequest>);
static_assert(aggregate_field_count<CheckRequest>() == kRequestFields.size(),
              "every CheckRequest field needs its row in kRequestFields (request_fields.hpp)");

/// Shortest text that reads back as exactly `x` (1e-09, 2.5, 0.001).
std::string format_double(double x) {
  std::array<char, 32> buf{};
  const std::to_chars_result r = std::to_chars(buf.data(), buf.data() + buf.size(), x);
  return {buf.data(), r.ptr};
}

std::string join(const std::vector<std::int64_t>& values) {
  std::string out;
  for (std::int64_t v : values) {
    if (!out.empty()) out += ',';
    out += std::to_string(v);  // appended, not `"," + …`: GCC 12 warns (-Wrestrict) on that
  }
  return out;
}

std::string join(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) {
    if (!out.empty()) out += ',';
    out += v;
  }
  return out;
}

std::vector<std::int64_t> parse_integers(std::string_view flag, const std::string& text) {
  std::vector<std::int64_t> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    std::int64_t v = 0;
    const std::from_chars_result r = std::from_chars(item.data(), item.data() + item.size(), v);
    if (r.ec == std::errc::result_out_of_range) {
      throw InputError(std::string(flag) + ": " + item + " is out of range");
    }
    if (item.empty() || r.ec != std::errc{} || r.ptr != item.data() + item.size()) {
      throw InputError(std::string(flag) + ": '" + item +
                       "' is not an integer (expected n0,n1,...,nL)");
    }
    out.push_back(v);
    start = comma + 1;
  }
  return out;
}

}  // namespace

const RequestField* find_request_field(std::string_view key) {
  for (const RequestField& field : kRequestFields) {
    if (field.key == key) return &field;
  }
  return nullptr;
}

std::string_view applies_arch(Applies applies) {
  switch (applies) {
    case Applies::conv: return "conv";
    case Applies::residual: return "resnet or transformer";
    case Applies::transformer: return "transformer";
    case Applies::always:
    case Applies::without_widths: break;
  }
  return "";
}

bool field_applies(const RequestField& field, const CheckRequest& request) {
  if (field.set_by_weights && !request.weights.empty()) return false;
  switch (field.applies) {
    case Applies::always: return true;
    case Applies::without_widths: return request.widths.empty();
    case Applies::conv: return request.arch == "conv";
    case Applies::residual: return request.arch == "resnet" || request.arch == "transformer";
    case Applies::transformer: return request.arch == "transformer";
  }
  return true;
}

bool field_is_default(const RequestField& field, const CheckRequest& request) {
  static const CheckRequest defaults;
  return std::visit([&](auto member) { return request.*member == defaults.*member; }, field.member);
}

std::string field_text(const RequestField& field, const CheckRequest& request) {
  return std::visit(
      [&](auto member) -> std::string {
        const auto& value = request.*member;
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return value;
        } else if constexpr (std::is_same_v<T, double>) {
          return format_double(value);
        } else if constexpr (std::is_integral_v<T>) {
          return std::to_string(value);
        } else {
          return join(value);
        }
      },
      field.member);
}

void set_list_field_text(const RequestField& field, CheckRequest& request,
                         const std::string& text) {
  std::visit(
      [&](auto member) {
        auto& value = request.*member;
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          value = parse_integers(field.flag, text);
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          value.clear();
          for (ClaimId id : parse_claim_list(text)) value.emplace_back(claim_name(id));
        } else {
          throw std::logic_error("set_list_field_text: " + std::string(field.key) +
                                 " is not a list");
        }
      },
      field.member);
}

}  // namespace initcheck::claims
