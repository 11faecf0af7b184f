#include "initcheck/sweep/sweep_spec.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "initcheck/claims/check_request.hpp"
#include "initcheck/core/error.hpp"

namespace initcheck::sweep {
namespace {

SweepSpec parse(const std::string& text) {
  std::istringstream in(text);
  return parse_sweep(in, "test.yaml");
}

std::string error_of(const std::string& text) {
  try {
    (void)parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

constexpr const char* kGrid = R"yaml(seed: 7
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
)yaml";

TEST(SweepSpec, ExpandsCartesianProductsInFileOrder) {
  const SweepSpec spec = parse(kGrid);
  EXPECT_EQ(spec.seed, 7U);
  ASSERT_EQ(spec.cells.size(), 8U + 2U);
  EXPECT_EQ(spec.cells[0].block, "mlps");
  EXPECT_EQ(spec.cells[0].request.init, "kaiming_normal");
  EXPECT_EQ(spec.cells[0].request.activation, "relu");
  EXPECT_EQ(spec.cells[0].request.depth, 3);
  EXPECT_EQ(spec.cells[1].request.depth, 5);  // the last key varies fastest
  EXPECT_EQ(spec.cells[2].request.activation, "tanh");
  EXPECT_EQ(spec.cells[4].request.init, "xavier_normal");
  EXPECT_EQ(spec.cells[0].request.batch, 64);  // from defaults
  EXPECT_EQ(spec.cells[0].request.claims, (std::vector<std::string>{"variance", "growth"}));
  EXPECT_EQ(spec.cells[8].block, "block 2");
  EXPECT_EQ(spec.cells[8].request.widths, (std::vector<std::int64_t>{8, 8, 8}));
  EXPECT_EQ(spec.cells[9].request.widths.size(), 4U);
  EXPECT_EQ(spec.cells[8].request.batch, 16);  // the block overrides defaults
}

TEST(SweepSpec, AlphaIsAGridKey) {
  const SweepSpec spec = parse(
      "defaults: {alpha: 1e-3, init: kaiming_normal, activation: relu}\nblocks:\n  - depth: 3\n"
      "  - alpha: [1e-4, 1e-5]\n");
  ASSERT_EQ(spec.cells.size(), 3U);
  EXPECT_EQ(spec.cells[0].request.alpha, 1e-3);
  EXPECT_EQ(spec.cells[1].request.alpha, 1e-4);
  EXPECT_EQ(spec.cells[2].request.alpha, 1e-5);
  EXPECT_NE(spec.cells[1].request.seed, spec.cells[2].request.seed);  // part of the cell
  EXPECT_EQ(error_of("blocks:\n  - {init: kaiming_normal, activation: relu, alpha: small}\n"),
            "test.yaml:2: key 'alpha' must be a number (got 'small')");
}

TEST(SweepSpec, CellSeedsArePureAndDistinct) {
  const SweepSpec a = parse(kGrid);
  const SweepSpec b = parse(kGrid);
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    EXPECT_EQ(a.cells[i].request.seed, b.cells[i].request.seed);
    for (std::size_t j = 0; j < i; ++j) EXPECT_NE(a.cells[i].request.seed, a.cells[j].request.seed);
  }
  // Removing the first block leaves the second block's seeds unchanged.
  const SweepSpec tail = parse(R"yaml(seed: 7
blocks:
  - init: "normal(std=0.1)"
    activation: relu
    arch: resnet
    widths: [[8, 8, 8], [8, 8, 8, 8]]
    batch: 16
)yaml");
  EXPECT_EQ(tail.cells[0].request.seed, a.cells[8].request.seed);
  // A different master seed changes every cell's seed.
  const SweepSpec other = parse(std::string(kGrid).replace(6, 1, "8"));
  EXPECT_NE(other.cells[0].request.seed, a.cells[0].request.seed);
}

TEST(SweepSpec, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(
      error_of("blocks:\n  - init: relu\n    widht: 3\n"),
      "test.yaml:3: unknown key 'widht' in block 1; expected one of: activation, alpha, arch, "
      "batch, branch_scale, budget, claims, depth, heads, init, input, kernel, mask, "
      "max_networks, mlp_ratio, name, norm, norm_placement, precision, replicates, residual, "
      "spatial, tokens, tolerance, width, widths");
  EXPECT_EQ(error_of("blocks:\n  - {init: kaiming_normal, activation: relu, depth: ten}\n"),
            "test.yaml:2: key 'depth' must be an integer (got 'ten')");
  EXPECT_EQ(error_of("blocks:\n  - {init: kaiming_normal, activation: relu, depth: []}\n"),
            "test.yaml:2: key 'depth' is an empty list: the grid would be empty");
  EXPECT_EQ(error_of("blocks: []\n"), "test.yaml:1: 'blocks' must be a non-empty list");
  EXPECT_EQ(error_of("seed: 1\n"), "test.yaml:1: missing key 'blocks'");
  EXPECT_EQ(error_of("sede: 1\nblocks: [{}]\n"),
            "test.yaml:1: unknown top-level key 'sede'; expected one of: seed, defaults, blocks");
  EXPECT_NE(error_of("blocks: [\n").find("test.yaml:"), std::string::npos);
  EXPECT_NE(error_of("blocks: [\n").find("YAML syntax error"), std::string::npos);
  EXPECT_EQ(error_of("- 1\n- 2\n"),
            "test.yaml:1: a sweep file must be a YAML map with a 'blocks' list");
}

// Issue #13 items 1 and 5: what yaml-cpp accepts silently (duplicate keys keep one value, a
// second document is ignored) or used to end in exit 4 (a non-scalar key) is bad input, named
// by file and line.
TEST(SweepSpec, RejectsDuplicateNonScalarKeysAndExtraDocuments) {
  const std::string ok = "init: kaiming_normal, activation: relu";
  EXPECT_EQ(error_of("blocks:\n  - init: kaiming_normal\n    activation: relu\n    depth: 3\n"
                     "    depth: 5\n"),
            "test.yaml:5: duplicate key 'depth' in block 1 (first on line 4)");
  EXPECT_EQ(error_of("defaults: {batch: 8, batch: 16}\nblocks:\n  - {" + ok + "}\n"),
            "test.yaml:1: duplicate key 'batch' in defaults (first on line 1)");
  EXPECT_EQ(error_of("seed: 1\nseed: 2\nblocks:\n  - {" + ok + "}\n"),
            "test.yaml:2: duplicate top-level key 'seed'");
  EXPECT_EQ(error_of("blocks:\n  - {" + ok + ", [1, 2]: 3}\n"),
            "test.yaml:2: a key must be a plain name, not a list, map or null");
  EXPECT_EQ(error_of("? [blocks]\n: 1\n"),
            "test.yaml:1: a key must be a plain name, not a list, map or null");
  EXPECT_EQ(error_of("blocks:\n  - {" + ok + "}\n---\nblocks:\n  - {" + ok + "}\n"),
            "test.yaml:4: a sweep file holds one YAML document; found a second one ('---')");
  EXPECT_NE(error_of("blocks:\n  - {" + ok + "}\n---\n").find("second one"), std::string::npos);
  EXPECT_EQ(error_of("blocks:\n  - {" + ok + ", claims: []}\n"),
            "test.yaml:2: key 'claims' is an empty list (omit it to check every applicable "
            "claim)");
  EXPECT_EQ(error_of(""), "test.yaml: a sweep file must be a YAML map with a 'blocks' list");
}

TEST(SweepSpec, WidthsExcludesWidthAndDepth) {
  EXPECT_EQ(error_of("blocks:\n  - init: kaiming_normal\n    activation: relu\n    width: 8\n"
                     "    widths: [8, 8]\n"),
            "test.yaml:2: block 1 sets both 'width' and 'widths' (widths lists n0..nL, so it "
            "sets width and depth)");
  EXPECT_NE(error_of("defaults: {depth: 3, widths: [8, 8]}\nblocks:\n  - {init: kaiming_normal, "
                     "activation: relu}\n")
                .find("test.yaml:1: defaults sets both 'depth' and 'widths'"),
            std::string::npos);
  // A block's own key overrides the other one from defaults.
  const SweepSpec spec = parse(
      "defaults: {init: kaiming_normal, activation: relu, width: 32, depth: 4}\nblocks:\n"
      "  - widths: [8, 16, 8]\n  - {}\n  - depth: 2\n");
  ASSERT_EQ(spec.cells.size(), 3U);
  EXPECT_EQ(spec.cells[0].request.widths, (std::vector<std::int64_t>{8, 16, 8}));
  EXPECT_EQ(spec.cells[0].request.width, claims::CheckRequest{}.width);
  EXPECT_EQ(spec.cells[1].request.width, 32);
  EXPECT_EQ(spec.cells[2].request.depth, 2);
  EXPECT_EQ(spec.cells[2].request.width, 32);
}

// A block's override used to be written through into the defaults' YAML node, so every later
// block saw the earlier block's value instead of the default.
TEST(SweepSpec, BlockValuesNeverLeakIntoLaterBlocks) {
  const SweepSpec spec = parse(
      "defaults: {init: kaiming_normal, activation: relu, batch: 64}\nblocks:\n"
      "  - {batch: 16, init: [xavier_normal, lecun_normal]}\n  - depth: 3\n");
  ASSERT_EQ(spec.cells.size(), 3U);
  EXPECT_EQ(spec.cells[0].request.batch, 16);
  EXPECT_EQ(spec.cells[2].request.batch, 64);
  EXPECT_EQ(spec.cells[2].request.init, "kaiming_normal");
}

TEST(SweepSpec, InitAndActivationAreRequired) {
  EXPECT_EQ(error_of("blocks:\n  - {init: kaiming_normal, activation: relu}\n  - depth: 3\n"),
            "test.yaml:3: block 2 has no 'init' (set it in the block or in defaults)");
  EXPECT_EQ(error_of("blocks:\n  - init: kaiming_normal\n"),
            "test.yaml:2: block 1 has no 'activation' (set it in the block or in defaults)");
}

TEST(SweepSpec, CellsKnowTheirLineAndValues) {
  const SweepSpec spec = parse(kGrid);
  EXPECT_EQ(spec.source, "test.yaml");
  EXPECT_EQ(spec.cells[0].line, 5);
  EXPECT_EQ(spec.cells[0].values, "init=kaiming_normal, activation=relu, depth=3");
  EXPECT_EQ(spec.cells[9].line, 11);
  EXPECT_EQ(spec.cells[9].values, "widths=[8,8,8,8]");
}

TEST(SweepSpec, UnreadableFileIsInputError) {
  EXPECT_THROW((void)load_sweep("/nonexistent/sweep.yaml"), InputError);
  EXPECT_THROW((void)load_sweep("/"), InputError);
}

}  // namespace
}  // namespace initcheck::sweep
