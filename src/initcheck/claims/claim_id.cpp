#include "initcheck/claims/claim_id.hpp"

#include <algorithm>
#include <string>

#include "initcheck/core/error.hpp"

namespace initcheck::claims {
ClaimId parse_claim(std::string_view name) {
  for (ClaimId id : kAllClaims) {
    if (claim_name(id) == name) return id;
  }
  std::string valid;
  for (ClaimId id : kAllClaims) valid += (valid.empty() ? "" : ", ") + std::string(claim_name(id));
  throw InputError("unknown claim '" + std::string(name) + "'; expected one of: " + valid);
}

std::vector<ClaimId> parse_claim_list(std::string_view csv) {
  std::vector<ClaimId> out;
  std::size_t start = 0;
  while (start <= csv.size()) {
    const std::size_t comma = std::min(csv.find(',', start), csv.size());
    std::string_view item = csv.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) throw InputError("empty claim id in list '" + std::string(csv) + "'");
    const ClaimId id = parse_claim(item);
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    start = comma + 1;
  }
  return out;
}

}  // namespace initcheck::claims
