// TOML sweep files (issue #16): the same schema as YAML, read into the same tree, so a TOML
// grid expands to exactly the cells of its YAML twin; errors name FILE:LINE on one line.

#include <gtest/gtest.h>

#include <sstream>

#include "initcheck/claims/check_request.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/sweep/runner.hpp"
#include "initcheck/sweep/sweep_spec.hpp"

namespace initcheck::sweep {
namespace {

SweepSpec parse(const std::string& text, const std::string& source) {
  std::istringstream in(text);
  return parse_sweep(in, source);
}

std::string error_of(const std::string& text, const std::string& source = "grid.toml") {
  try {
    (void)parse(text, source);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

/// Everything a cell is except its line: block, varied values and the full request (seed
/// included), as the reproduce command prints it.
std::vector<std::string> cells_of(const SweepSpec& spec) {
  std::vector<std::string> out;
  for (const SweepCell& cell : spec.cells) {
    out.push_back(cell.block + " | " + cell.values + " | " +
                  claims::reproduce_command(cell.request));
  }
  return out;
}

// tests/sweep/sweep_spec_test.cpp's grid, plus a float axis.
constexpr const char* kYaml = R"yaml(seed: 7
defaults:
  batch: 64
blocks:
  - name: mlps
    init: [kaiming_normal, xavier_normal]
    activation: [relu, tanh]
    depth: [3, 5]
    width: 32
    claims: [variance, growth]
  - init: "normal(std=0.1)"
    activation: relu
    arch: resnet
    widths: [[8, 8, 8], [8, 8, 8, 8]]
    batch: 16
    tolerance: [1.5, 3]
    alpha: 1e-4
)yaml";

constexpr const char* kToml = R"toml(seed = 7

[defaults]
batch = 64

[[blocks]]
name = "mlps"
init = ["kaiming_normal", "xavier_normal"]
activation = ["relu", "tanh"]
depth = [3, 5]
width = 32
claims = ["variance", "growth"]

[[blocks]]
init = "normal(std=0.1)"
activation = "relu"
arch = "resnet"
widths = [[8, 8, 8], [8, 8, 8, 8]]
batch = 16
tolerance = [1.5, 3]  # TOML arrays may mix integers and floats
alpha = 1e-4
)toml";

TEST(TomlSweep, ExpandsToTheCellsOfItsYamlTwin) {
  const SweepSpec yaml = parse(kYaml, "grid.yaml");
  const SweepSpec toml = parse(kToml, "grid.toml");
  EXPECT_EQ(toml.seed, 7U);
  ASSERT_EQ(yaml.cells.size(), 8U + 4U);
  EXPECT_EQ(cells_of(toml), cells_of(yaml));
  // Lines are the TOML file's: each block's `[[blocks]]` header.
  EXPECT_EQ(toml.cells.front().line, 6);
  EXPECT_EQ(toml.cells.back().line, 14);
}

TEST(TomlSweep, DefaultSweepInTomlIsTheDefaultGrid) {
  const std::string root = INITCHECK_SOURCE_DIR;
  const SweepSpec yaml = load_sweep(root + "/reports/default.yaml");
  const SweepSpec toml = load_sweep(root + "/examples/sweeps/default.toml");
  EXPECT_EQ(toml.seed, yaml.seed);
  EXPECT_GT(toml.cells.size(), 50U);
  EXPECT_EQ(cells_of(toml), cells_of(yaml));
  // The same fingerprint: shards run from either file merge into one report.
  EXPECT_EQ(sweep_info(toml, "default.toml").fingerprint,
            sweep_info(yaml, "default.yaml").fingerprint);
}

TEST(TomlSweep, FormatFollowsTheExtensionElseTheContent) {
  // No extension: a table header or `key = value` first line is TOML, `key: value` is YAML.
  const std::string toml_text =
      "# a comment\n\n[[blocks]]\ninit = \"kaiming_normal\"\nactivation = \"relu\"\n";
  EXPECT_EQ(parse(toml_text, "grid").cells.size(), 1U);
  EXPECT_EQ(parse("seed = 3\n" + toml_text, "-").seed, 3U);
  EXPECT_EQ(parse("blocks:\n  - {init: \"normal(std=1)\", activation: relu}\n", "grid")
                .cells.front()
                .request.init,
            "normal(std=1)");
  // The extension wins over the content.
  EXPECT_EQ(error_of(toml_text, "grid.yaml").find("grid.yaml:"), 0U);
  EXPECT_EQ(error_of("blocks:\n  - init: x\n", "grid.toml").find("grid.toml:1: TOML syntax error"),
            0U);
}

TEST(TomlSweep, ErrorsNameFileAndLine) {
  const std::string block = "[[blocks]]\ninit = \"kaiming_normal\"\nactivation = \"relu\"\n";
  const std::pair<std::string, std::string> cases[] = {
      {"seed = 1\nseed = 2\n", "grid.toml:2: TOML syntax error: "},
      {"[[blocks]\n", "grid.toml:1: TOML syntax error: "},
      {"seed = 1\n", "grid.toml:1: missing key 'blocks'"},
      {"blocks = []\n", "grid.toml:1: 'blocks' must be a non-empty list"},
      {block + "width = 8\nbogus = 1\n", "grid.toml:5: unknown key 'bogus' in block 1"},
      {"colour = 1\n" + block, "grid.toml:1: unknown top-level key 'colour'"},
      {block + "depth = 3.0\n", "grid.toml:4: key 'depth' must be an integer (got '3.0')"},
      {block + "depth = \"ten\"\n", "grid.toml:4: key 'depth' must be an integer (got 'ten')"},
      {block + "depth = []\n", "grid.toml:4: key 'depth' is an empty list"},
      {block + "depth = {a = 1}\n", "grid.toml:4: key 'depth' must be a value or a list"},
      {block + "width = 8\nwidths = [8, 8]\n", "grid.toml:1: block 1 sets both 'width' and"},
      {"\n[[blocks]]\nactivation = \"relu\"\n", "grid.toml:2: block 1 has no 'init'"},
      {block + "seed = 1979-05-27\n", "grid.toml:4: a date or time is not a sweep value"},
      {"seed = -1\n" + block, "grid.toml:1: key 'seed' must be a non-negative integer"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string error = error_of(text);
    EXPECT_EQ(error.find(expected), 0U) << text << "\n" << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST(TomlSweep, NanAndInfinityReachTheRequest) {
  const std::string block = "[[blocks]]\ninit = \"kaiming_normal\"\nactivation = \"relu\"\n";
  const SweepSpec spec = parse(block + "tolerance = [nan, inf, -inf]\n", "grid.toml");
  ASSERT_EQ(spec.cells.size(), 3U);
  EXPECT_TRUE(std::isnan(spec.cells[0].request.tolerance));
  EXPECT_EQ(spec.cells[1].request.tolerance, std::numeric_limits<double>::infinity());
  EXPECT_EQ(spec.cells[2].request.tolerance, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(spec.cells[0].values, "tolerance=.nan");
}

}  // namespace
}  // namespace initcheck::sweep
