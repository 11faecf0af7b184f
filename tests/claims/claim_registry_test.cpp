// The claim registry (claims/claim_registry.hpp) is the one place a claim is described: every
// ClaimId has exactly one descriptor, and README's claim table repeats its id, quote and
// measure verbatim, so the docs cannot drift from the code.

#include "initcheck/claims/claim_registry.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "initcheck/core/number_format.hpp"

namespace initcheck::claims {
namespace {

TEST(ClaimRegistry, OneDescriptorPerClaimIdInKAllClaimsOrder) {
  std::set<ClaimId> seen;
  for (std::size_t i = 0; i < kAllClaims.size(); ++i) {
    // check_configuration stores results at index static_cast<size_t>(id).
    EXPECT_EQ(static_cast<std::size_t>(kAllClaims[i]), i);
    ASSERT_NE(claim_registry()[i], nullptr) << i;
    EXPECT_EQ(claim_registry()[i]->id, kAllClaims[i]) << claim_registry()[i]->name;
    EXPECT_EQ(&claim_descriptor(kAllClaims[i]), claim_registry()[i]);
    EXPECT_TRUE(seen.insert(claim_registry()[i]->id).second) << claim_registry()[i]->name;
  }
}

TEST(ClaimRegistry, NamesAreUniqueAndParseBack) {
  std::set<std::string_view> names;
  for (const ClaimDescriptor* claim : claim_registry()) {
    EXPECT_TRUE(names.insert(claim->name).second) << claim->name;
    EXPECT_EQ(parse_claim(claim->name), claim->id) << claim->name;
    EXPECT_EQ(claim_name(claim->id), claim->name);
  }
}

TEST(ClaimRegistry, EveryDescriptorIsComplete) {
  for (const ClaimDescriptor* claim : claim_registry()) {
    EXPECT_FALSE(claim->quote.empty()) << claim->name;
    EXPECT_FALSE(claim->measure.empty()) << claim->name;
    EXPECT_FALSE(claim->method.empty()) << claim->name;
    EXPECT_NE(claim->check, nullptr) << claim->name;
    // README's claim table repeats quote and measure in Markdown table cells.
    EXPECT_EQ(claim->quote.find('|'), std::string_view::npos) << claim->name;
    EXPECT_EQ(claim->measure.find('|'), std::string_view::npos) << claim->name;
    EXPECT_EQ(claim->threshold.symbol.empty(), claim->threshold.option == nullptr) << claim->name;
  }
}

TEST(ClaimRegistry, MethodTextStatesTheDefaultThreshold) {
  const CheckOptions defaults;
  EXPECT_NE(claim_method(ClaimId::drift).find("δ = " + format_number(defaults.drift_delta)),
            std::string::npos)
      << claim_method(ClaimId::drift);
  EXPECT_NE(
      claim_method(ClaimId::precision).find("ε = " + format_number(defaults.precision_epsilon)),
      std::string::npos)
      << claim_method(ClaimId::precision);
  EXPECT_EQ(claim_method(ClaimId::variance), claim_descriptor(ClaimId::variance).method);
}

std::string readme() {
  std::ifstream in(INITCHECK_README);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// README, "The claims": one row per claim, `| `id` | "quote" | measure |`, and no other row.
TEST(ClaimRegistry, ReadmeClaimTableMatchesTheRegistry) {
  const std::string text = readme();
  ASSERT_FALSE(text.empty()) << "cannot read " << INITCHECK_README;
  const std::size_t table = text.find("\n| id | source statement | what is measured |\n");
  ASSERT_NE(table, std::string::npos) << "README has no claim table";
  std::size_t rows = 0;
  std::istringstream lines(text.substr(table + 1));
  std::string line;
  std::getline(lines, line);  // header
  std::getline(lines, line);  // |---|
  while (std::getline(lines, line) && line.rfind("| `", 0) == 0) ++rows;
  EXPECT_EQ(rows, kAllClaims.size()) << "README's claim table has a row per registry claim";
  for (const ClaimDescriptor* claim : claim_registry()) {
    const std::string row = "\n| `" + std::string(claim->name) + "` | \"" +
                            std::string(claim->quote) + "\" | " + std::string(claim->measure) +
                            " |\n";
    EXPECT_NE(text.find(row), std::string::npos) << "README lacks the row" << row;
  }
}

}  // namespace
}  // namespace initcheck::claims
