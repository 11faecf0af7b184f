// Pair runs (TraceOptions::pair_cosines): the pair input and the per-depth pair cosines.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "initcheck/claims/check_request.hpp"
#include "initcheck/engine/network.hpp"
#include "initcheck/engine/replicates.hpp"
#include "test_support.hpp"

namespace initcheck::engine {
namespace {

TraceOptions pair_options() {
  TraceOptions o;
  o.backward = false;
  o.pair_cosines = true;
  return o;
}

/// Mean over pairs (2i, 2i+1) of the cosine of their `hw` columns each, in double.
double mean_pair_cosine(const Eigen::MatrixXf& t, Eigen::Index samples, Eigen::Index hw) {
  double sum = 0.0;
  for (Eigen::Index i = 0; i + 1 < samples; i += 2) {
    const Eigen::MatrixXd u = t.middleCols(i * hw, hw).cast<double>();
    const Eigen::MatrixXd v = t.middleCols((i + 1) * hw, hw).cast<double>();
    sum += (u.array() * v.array()).sum() / (u.norm() * v.norm());
  }
  return sum / static_cast<double>(samples / 2);
}

TEST(MixInputPairs, MixesEveryOddSampleWithItsPartner) {
  Eigen::MatrixXf x = Eigen::MatrixXf::Random(3, 10);  // 5 samples of 2 pixels
  const Eigen::MatrixXf raw = x;
  mix_input_pairs(x, 2, 0.6);
  EXPECT_TRUE(x.middleCols(0, 2) == raw.middleCols(0, 2));
  EXPECT_TRUE(x.middleCols(4, 2) == raw.middleCols(4, 2));
  EXPECT_TRUE(x.middleCols(8, 2) == raw.middleCols(8, 2));  // the unpaired last sample
  // Float arithmetic: 0.6·a + 0.8·b is exact to a few ulps of |a| + |b| ≤ 2.
  EXPECT_TRUE(x.middleCols(2, 2).isApprox(0.6f * raw.middleCols(0, 2) + 0.8f * raw.middleCols(2, 2),
                                          1e-6f));
  EXPECT_THROW(mix_input_pairs(x, 2, 1.5), std::invalid_argument);
  EXPECT_THROW(mix_input_pairs(x, 2, std::nan("")), std::invalid_argument);
}

// The recorded cosines are those of the tensors themselves: the input's and the output's,
// computed here directly (double sums of the same floats: equal to ~1e-12).
TEST(PairCosine, InputAndOutputMatchDirectComputation) {
  const auto scheme = std::make_shared<testing::GaussianScheme>(2.0);
  model::NetworkConfig mlp = testing::mlp_config(16, 3, 7, scheme, "tanh");  // odd batch
  model::NetworkConfig conv = testing::mlp_config(8, 2, 6, scheme, "relu");  // 3 pairs: uneven
  conv.arch = model::Architecture::conv;
  conv.widths = {3, 8, 8};
  conv.spatial = 5;
  model::NetworkConfig resnet = testing::mlp_config(12, 3, 10, scheme, "relu");
  resnet.arch = model::Architecture::resnet;
  resnet.branch_scale = 0.5;
  for (const model::NetworkConfig& c : {mlp, conv, resnet}) {
    for (int threads : {1, 2}) {
      TraceOptions o = pair_options();
      o.threads = threads;
      Network net(c, o, rng::Engine(8));
      rng::Engine draw(9);
      Eigen::MatrixXf x = make_input(c, draw);
      const Eigen::Index hw = x.cols() / c.batch;
      mix_input_pairs(x, hw, 0.5);
      Trace trace;
      net.forward(x, trace);
      const auto depth = static_cast<std::size_t>(c.depth());
      ASSERT_EQ(trace.pair_cosine.size(), depth + 1);
      EXPECT_NEAR(trace.pair_cosine[0], mean_pair_cosine(x, c.batch, hw), 1e-12);
      const Eigen::MatrixXf out = net.output();
      EXPECT_NEAR(trace.pair_cosine[depth], mean_pair_cosine(out, c.batch, out.cols() / c.batch),
                  1e-12)
          << "arch " << static_cast<int>(c.arch) << ", threads " << threads;
    }
  }
}

// An orthogonal linear network preserves inner products, so every depth keeps the input's pair
// cosine (to float rounding: ~1e-6 relative per layer, 4 layers).
TEST(PairCosine, OrthogonalLinearNetworkPreservesCosines) {
  claims::CheckRequest request;
  request.init = "orthogonal";
  request.activation = "linear";
  request.width = 32;
  request.depth = 4;
  request.batch = 8;
  const model::NetworkConfig c = claims::make_network_config(request);
  const std::vector<Trace> traces = run_replicates(c, pair_options(), 3, 2, 1);
  for (const Trace& t : traces) {
    ASSERT_EQ(t.pair_cosine.size(), 5U);
    EXPECT_GT(t.pair_cosine[0], 0.2);  // 0.5 ± a few 1/√32: a real pair, not independent inputs
    for (double cosine : t.pair_cosine) EXPECT_NEAR(cosine, t.pair_cosine[0], 1e-5);
  }
}

// Every weight 0: every representation is the zero vector, so every pair is identical (cosine 1).
TEST(PairCosine, ZeroRepresentationsCountAsIdentical) {
  claims::CheckRequest request;
  request.init = "zeros";
  request.width = 8;
  request.depth = 2;
  request.batch = 4;
  const Trace t = run_replicates(claims::make_network_config(request), pair_options(), 1, 1, 1)[0];
  ASSERT_EQ(t.pair_cosine.size(), 3U);
  EXPECT_LT(t.pair_cosine[0], 1.0);
  EXPECT_EQ(t.pair_cosine[1], 1.0);
  EXPECT_EQ(t.pair_cosine[2], 1.0);
}

// run_replicates_with_pairs: the main traces are run_replicates' exactly; each pair run is the
// pair network on the replicate's own weights (a network drawn from the same replicate engine has
// them) with its input from split(kPairInputStream); the same on one thread and on two.
TEST(PairCosine, PairRunsShareTheReplicatesWeights) {
  model::NetworkConfig c =
      testing::mlp_config(16, 3, 12, std::make_shared<testing::TorchUniformScheme>(true), "tanh");
  model::NetworkConfig pairs = c;
  pairs.batch = 6;
  const TraceOptions main;
  const ReplicatesWithPairs one =
      run_replicates_with_pairs(c, main, pairs, pair_options(), 5, 1, 3, 1);
  const ReplicatesWithPairs two =
      run_replicates_with_pairs(c, main, pairs, pair_options(), 5, 1, 3, 2);
  const std::vector<Trace> alone = run_replicates(c, main, 5, 1, 3, 1);
  ASSERT_EQ(one.pairs.size(), 3U);
  for (std::size_t r = 0; r < 3; ++r) {
    EXPECT_EQ(one.traces[r].output.second_moment, alone[r].output.second_moment);
    EXPECT_EQ(one.pairs[r].pair_cosine, two.pairs[r].pair_cosine);
    EXPECT_EQ(one.pairs[r].replicate, static_cast<int>(r) + 1);
    const rng::Engine replicate = rng::Engine(5).split(r + 1);
    Network net(pairs, pair_options(), replicate);
    rng::Engine draw = replicate.split(kPairInputStream);
    Eigen::MatrixXf x = make_input(pairs, draw);
    mix_input_pairs(x, 1, 0.5);
    Trace expected;
    net.forward(x, expected);
    EXPECT_EQ(one.pairs[r].pair_cosine, expected.pair_cosine) << r;
  }
  model::NetworkConfig other = pairs;
  other.widths[1] = 8;
  EXPECT_THROW((void)run_replicates_with_pairs(c, main, other, pair_options(), 5, 0, 1, 1),
               std::invalid_argument);
}

// Without the option nothing is recorded and the input is make_input's.
TEST(PairCosine, OffByDefault) {
  const model::NetworkConfig c =
      testing::mlp_config(8, 2, 4, std::make_shared<testing::GaussianScheme>(2.0));
  TraceOptions o;
  o.backward = false;
  EXPECT_TRUE(run_replicates(c, o, 1, 1, 1)[0].pair_cosine.empty());
}

}  // namespace
}  // namespace initcheck::engine
