// Issue #15: `--arch transformer` through the binary — its flags, the one-line errors for
// configurations that mean nothing, and verdicts on small stacks. Verdicts use the default
// α = 1e-6 per configuration at the default seed 0, so each run is deterministic and a flip
// would need a 1e-6 event.

#include <gtest/gtest.h>

#include <string>

#include "cli_run.hpp"

namespace initcheck::cli::testing {
namespace {

const std::string kTransformer =
    "check --init lecun_normal --activation gelu --arch transformer --width 32 --heads 2 "
    "--tokens 8 --batch 8 --norm layernorm ";

void expect_one_line_error(const CliRun& r, const std::string& piece) {
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(piece), std::string::npos) << r.err;
}

TEST(Transformer, MeaninglessCombinationsAreBadInput) {
  const std::string base =
      "check --activation gelu --arch transformer --width 32 --batch 8 --norm layernorm "
      "--norm-placement pre ";
  expect_one_line_error(run_initcheck(base + "--init lecun_normal --heads 3"),
                        "transformer heads (3) must divide the width (32)");
  expect_one_line_error(run_initcheck(base + "--init lecun_normal --tokens 0"),
                        "--tokens must be in [1, 4096], got 0");
  expect_one_line_error(run_initcheck(base + "--init lecun_normal --mlp-ratio 0"),
                        "--mlp-ratio must be a number in (0, 64]");
  expect_one_line_error(run_initcheck(base + "--init lecun_normal --mask future"),
                        "unknown --mask 'future'; expected one of: none, causal");
  expect_one_line_error(run_initcheck(base + "--init torch_default"),
                        "transformer blocks have no biases");
  expect_one_line_error(run_initcheck(kTransformer), "--norm-placement pre or post");
  expect_one_line_error(
      run_initcheck("check --init lecun_normal --activation gelu --arch transformer "
                    "--norm rmsnorm --norm-placement pre"),
      "--arch transformer needs --norm layernorm");
  expect_one_line_error(run_initcheck("check --init kaiming_normal --activation relu --tokens 8"),
                        "--tokens applies only to --arch transformer (got --arch mlp)");
  expect_one_line_error(
      run_initcheck("check --init kaiming_normal --activation relu --arch resnet --mask causal"),
      "--mask applies only to --arch transformer (got --arch resnet)");
  expect_one_line_error(run_initcheck(base + "--init lecun_normal --residual maybe"),
                        "unknown --residual 'maybe'; expected one of: yes, no");
  expect_one_line_error(
      run_initcheck("check --init kaiming_normal --activation relu --arch resnet --residual no"),
      "--residual applies only to --arch transformer (got --arch resnet)");
}

// Post-LN renormalizes the stream after every sub-block: `variance` holds at depth 24, with a
// causal mask too; growth does not apply and says why.
TEST(Transformer, PostLnHoldsAndGrowthIsNotApplicable) {
  const CliRun r = run_initcheck(
      kTransformer + "--norm-placement post --mask causal --depth 24 --claims variance");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  const CliRun all = run_initcheck(kTransformer + "--norm-placement post --depth 4");
  EXPECT_NE(all.out.find("growth (the transformer oracle is approximate"), std::string::npos)
      << all.out;
  expect_one_line_error(
      run_initcheck(kTransformer + "--norm-placement post --depth 4 --claims growth"),
      "the transformer oracle is approximate");
}

// Pre-LN without scaling: the stream grows ≈ 1 + c·L, violated at depth 48; GPT-2 scaling of
// both branches (1/sqrt(2*depth)) holds.
TEST(Transformer, PreLnViolatedUnscaledAndHoldsWithGpt2Scaling) {
  const std::string pre = kTransformer + "--norm-placement pre --depth 48 --claims variance";
  EXPECT_EQ(run_initcheck(pre).code, 1);
  const CliRun scaled = run_initcheck(pre + " --branch-scale '1/sqrt(2*depth)'");
  EXPECT_EQ(scaled.code, 0) << scaled.out << scaled.err;
}

// Rank collapse: post-LN without residuals (--residual no) maps every token of a sequence to
// nearly the same vector within a few blocks — `correlation` violated (mean token cosine 1 to
// 3 digits at depth 6, interval [1, 1], against 1 − η = 0.99), naming the fix; with residuals
// and pre-LN the tokens stay apart (0.52, interval [0.49, 0.55]) and it holds.
TEST(Transformer, PostLnWithoutResidualCollapsesTokens) {
  const std::string stack = kTransformer + "--depth 6 --claims correlation ";
  const CliRun collapsed = run_initcheck(stack + "--norm-placement post --residual no");
  EXPECT_EQ(collapsed.code, 1) << collapsed.out << collapsed.err;
  EXPECT_NE(collapsed.out.find("rank collapse"), std::string::npos) << collapsed.out;
  EXPECT_NE(collapsed.out.find("--residual yes"), std::string::npos) << collapsed.out;
  EXPECT_NE(collapsed.out.find("no residual"), std::string::npos) << collapsed.out;
  const CliRun kept = run_initcheck(stack + "--norm-placement pre --residual yes");
  EXPECT_EQ(kept.code, 0) << kept.out << kept.err;
}

}  // namespace
}  // namespace initcheck::cli::testing
