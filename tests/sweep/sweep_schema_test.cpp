// The sweep-file keys are documented in README.md, `initcheck report --help` (tests/cli) and
// docs/sweep.schema.json (issue #16). These tests ask the sweep reader itself which keys it
// accepts (from its "unknown key" message) and hold the documents to exactly those keys, so
// neither side can drift; the schema's defaults must be the ones the reader applies.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/claim_id.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/sweep/sweep_spec.hpp"

namespace initcheck::sweep {
namespace {

using Keys = std::set<std::string>;

std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(INITCHECK_SOURCE_DIR) + "/" + relative);
  EXPECT_TRUE(in) << relative;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

SweepSpec parse(const std::string& yaml) {
  std::istringstream in(yaml);
  return parse_sweep(in, "schema.yaml");
}

/// The keys the reader lists after "expected one of: " when it refuses an unknown key.
Keys accepted_keys(const std::string& yaml) {
  std::string message;
  try {
    (void)parse(yaml);
  } catch (const InputError& e) {
    message = e.what();
  }
  const std::string marker = "expected one of: ";
  const std::size_t at = message.find(marker);
  EXPECT_NE(at, std::string::npos) << message;
  Keys keys;
  std::istringstream list(message.substr(at + marker.size()));
  for (std::string key; std::getline(list, key, ',');) {
    keys.insert(key.substr(key.find_first_not_of(' ')));
  }
  return keys;
}

Keys block_keys() {
  return accepted_keys("blocks:\n  - {not_a_key: 1}\n");
}
Keys top_level_keys() {
  return accepted_keys("not_a_key: 1\n");
}

nlohmann::json schema() {
  return nlohmann::json::parse(read_source_file("docs/sweep.schema.json"));
}

Keys property_names(const nlohmann::json& object) {
  Keys names;
  for (const auto& [name, value] : object.at("properties").items()) names.insert(name);
  return names;
}

TEST(SweepSchema, ReaderListsItsKeys) {
  EXPECT_EQ(top_level_keys(), (Keys{"seed", "defaults", "blocks"}));
  const Keys keys = block_keys();
  EXPECT_EQ(keys.size(), 26U);
  for (const char* key : {"init", "activation", "widths", "claims", "name"}) {
    EXPECT_TRUE(keys.contains(key)) << key;
  }
}

TEST(SweepSchema, SchemaHoldsExactlyTheReadersKeys) {
  const nlohmann::json doc = schema();
  EXPECT_EQ(property_names(doc), top_level_keys());
  EXPECT_EQ(property_names(doc.at("$defs").at("block")), block_keys());
  EXPECT_FALSE(doc.at("additionalProperties").get<bool>());
  EXPECT_FALSE(doc.at("$defs").at("block").at("additionalProperties").get<bool>());
}

TEST(SweepSchema, ReadmeTablesEveryKey) {
  const std::string readme = read_source_file("README.md");
  for (const std::string& key : block_keys()) {
    EXPECT_NE(readme.find("| `" + key + "` |"), std::string::npos) << key;
  }
  for (const std::string& key : top_level_keys()) {
    EXPECT_NE(readme.find("`" + key + "`"), std::string::npos) << key;
  }
}

// A key set to the schema's default must give the cell a key left out gives it.
TEST(SweepSchema, SchemaDefaultsAreTheReadersDefaults) {
  const std::string block = "blocks:\n  - {init: kaiming_normal, activation: relu";
  const std::string plain = claims::reproduce_command(parse(block + "}\n").cells.at(0).request);
  const nlohmann::json doc = schema();
  int checked = 0;
  for (const auto& [key, property] : doc.at("$defs").at("block").at("properties").items()) {
    if (!property.contains("default")) continue;
    const std::string value = property.at("default").dump();  // JSON is YAML
    const SweepSpec spec = parse(block + ", " + key + ": " + value + "}\n");
    EXPECT_EQ(claims::reproduce_command(spec.cells.at(0).request), plain) << key << ": " << value;
    ++checked;
  }
  EXPECT_EQ(checked, 21);  // every grid key but init, activation (required) and widths (unset)
  const std::string seeded = "seed: " + doc.at("properties").at("seed").at("default").dump();
  EXPECT_EQ(parse(seeded + "\n" + block + "}\n").cells.at(0).request.seed,
            parse(block + "}\n").cells.at(0).request.seed);
}

TEST(SweepSchema, SchemaListsEveryClaim) {
  const nlohmann::json doc = schema();
  Keys claims_in_schema;
  for (const auto& name : doc.at("$defs").at("claim").at("enum")) {
    claims_in_schema.insert(name.get<std::string>());
  }
  Keys claims;
  for (const claims::ClaimId id : claims::kAllClaims) claims.emplace(claims::claim_name(id));
  EXPECT_EQ(claims_in_schema, claims);
}

}  // namespace
}  // namespace initcheck::sweep
