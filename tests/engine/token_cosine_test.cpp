// The token cosine of transformer streams (Trace::pair_cosine for --arch transformer):
// sum_token_cosines against the pairwise definition, its edge cases, and the engine's record.
#include "initcheck/engine/detail/token_cosine.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "initcheck/engine/network.hpp"
#include "initcheck/engine/replicates.hpp"
#include "test_support.hpp"

namespace initcheck::engine {
namespace {

/// Mean over sequences of the mean over token pairs i < j of cos(x_i, x_j), pair by pair.
double direct_token_cosine(const Eigen::MatrixXf& x, Eigen::Index tokens) {
  const Eigen::MatrixXd xd = x.cast<double>();
  const Eigen::Index sequences = x.cols() / tokens;
  double total = 0.0;
  for (Eigen::Index s = 0; s < sequences; ++s) {
    double sum = 0.0;
    for (Eigen::Index i = 0; i < tokens; ++i) {
      for (Eigen::Index j = i + 1; j < tokens; ++j) {
        const auto u = xd.col(s * tokens + i);
        const auto v = xd.col(s * tokens + j);
        sum += u.dot(v) / (u.norm() * v.norm());
      }
    }
    total += sum / static_cast<double>(tokens * (tokens - 1) / 2);
  }
  return total / static_cast<double>(sequences);
}

double mean_token_cosine(const Eigen::MatrixXf& x, Eigen::Index tokens) {
  Eigen::VectorXd scratch(x.rows());
  return detail::sum_token_cosines(x, tokens, scratch) / static_cast<double>(x.cols() / tokens);
}

// ‖Σu‖² − T equals the pairwise sum (both in double from the same floats: ~1e-15 apart; 1e-12
// leaves room for the cancellation of T ≈ 7 against ‖Σu‖²).
TEST(TokenCosine, MatchesThePairwiseDefinition) {
  Eigen::MatrixXf x = Eigen::MatrixXf::Random(5, 21);  // 3 sequences of 7 tokens
  x.col(4) = x.col(2) * 3.0F;                          // one identical direction
  x.col(9) = -x.col(10);                               // one opposite pair
  EXPECT_NEAR(mean_token_cosine(x, 7), direct_token_cosine(x, 7), 1e-12);
}

TEST(TokenCosine, CollapsedTokensGiveOneAndOrthogonalTokensZero) {
  const Eigen::VectorXf direction = Eigen::VectorXf::Random(4);
  Eigen::MatrixXf same(4, 8);
  for (Eigen::Index c = 0; c < 8; ++c) same.col(c) = direction * static_cast<float>(c + 1);
  EXPECT_NEAR(mean_token_cosine(same, 4), 1.0, 1e-12);
  const Eigen::MatrixXf identity = Eigen::MatrixXf::Identity(4, 4);  // one sequence
  EXPECT_NEAR(mean_token_cosine(identity, 4), 0.0, 1e-12);
}

// Zero tokens: two zeros are identical (1), a zero and a non-zero token unrelated (0); a NaN
// entry makes the result NaN rather than a number.
TEST(TokenCosine, ZeroAndNonFiniteTokens) {
  Eigen::MatrixXf x = Eigen::MatrixXf::Zero(3, 3);
  x(0, 2) = 1.0F;  // pairs: (0,1) both zero → 1, (0,2), (1,2) → 0
  EXPECT_NEAR(mean_token_cosine(x, 3), 1.0 / 3.0, 1e-12);
  x(1, 1) = std::nanf("");
  EXPECT_TRUE(std::isnan(mean_token_cosine(x, 3)));
  EXPECT_EQ(mean_token_cosine(Eigen::MatrixXf::Ones(2, 2), 1), 0.0);  // no pairs
}

// The engine records the input's and every block output's token cosine of the batch it runs,
// the same on one thread and two (B = 5 sequences: uneven slices), pre- and post-norm.
TEST(TokenCosine, TransformerTraceRecordsInputAndBlockOutputs) {
  for (const bool post : {false, true}) {
    const model::NetworkConfig c = testing::transformer_config(
        16, 3, 5, 6, std::make_shared<testing::TorchUniformScheme>(false), post);
    for (int threads : {1, 2}) {
      TraceOptions o;
      o.backward = false;
      o.pair_cosines = true;
      o.threads = threads;
      Network net(c, o, rng::Engine(4));
      rng::Engine draw(5);
      const Eigen::MatrixXf x = make_input(c, draw);
      Trace trace;
      net.forward(x, trace);
      ASSERT_EQ(trace.pair_cosine.size(), 4U);
      EXPECT_NEAR(trace.pair_cosine[0], direct_token_cosine(x, 6), 1e-12);
      EXPECT_NEAR(trace.pair_cosine[3], direct_token_cosine(net.output(), 6), 1e-12)
          << "post " << post << ", threads " << threads;
    }
  }
}

// run_replicates feeds transformers their ordinary input with pair_cosines on (no pair mixing):
// the other statistics are those of a run without the option.
TEST(TokenCosine, TransformerReplicatesKeepTheirInput) {
  const model::NetworkConfig c = testing::transformer_config(
      16, 2, 4, 5, std::make_shared<testing::TorchUniformScheme>(false));
  TraceOptions plain;
  plain.backward = false;
  TraceOptions with = plain;
  with.pair_cosines = true;
  const Trace a = run_replicates(c, plain, 3, 0, 1, 1)[0];
  const Trace b = run_replicates(c, with, 3, 0, 1, 1)[0];
  EXPECT_TRUE(a.pair_cosine.empty());
  ASSERT_EQ(b.pair_cosine.size(), 3U);
  EXPECT_EQ(a.input.second_moment, b.input.second_moment);
  EXPECT_EQ(a.output.second_moment, b.output.second_moment);
}

}  // namespace
}  // namespace initcheck::engine
