// Same seed → identical traces for any thread count; different replicates differ.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "initcheck/engine/network.hpp"
#include "initcheck/engine/replicates.hpp"
#include "test_support.hpp"

namespace initcheck::engine {
namespace {

void push(std::vector<double>& v, const TensorStats& t) {
  v.insert(v.end(), {t.mean, t.second_moment, t.variance, t.min, t.max, t.frac_small,
                     t.channel_sq_mean, t.channel_variance, t.max_abs_channel_mean,
                     t.min_channel_variance, t.max_channel_variance});
}

/// Every number of a trace, in a fixed order.
std::vector<double> flatten(const Trace& t) {
  std::vector<double> v;
  push(v, t.input);
  push(v, t.output);
  v.insert(v.end(), t.input_sq_norms.begin(), t.input_sq_norms.end());
  for (const LayerTrace& l : t.layers) {
    push(v, l.pre);
    push(v, l.norm);
    push(v, l.post);
    v.insert(v.end(), l.input_sq_norms.begin(), l.input_sq_norms.end());
    v.insert(v.end(), l.pre_sq_norms.begin(), l.pre_sq_norms.end());
    v.insert(v.end(), l.participation_ratio.begin(), l.participation_ratio.end());
    v.insert(v.end(), {l.grad_post_sq, l.grad_pre_sq, l.grad_weight_sq, l.grad_input_sq,
                       l.bn_max_variance_error, l.gram_trace, l.gram_frobenius_sq,
                       static_cast<double>(l.post_events.underflow())});
  }
  for (const BlockTrace& b : t.blocks) {
    push(v, b.branch_input);
    push(v, b.sum);
    push(v, b.stream);
    v.push_back(b.grad_stream_sq);
    for (const TensorStats& tensor : b.tensors) push(v, tensor);
  }
  v.insert(v.end(), t.pair_cosine.begin(), t.pair_cosine.end());
  return v;
}

model::NetworkConfig config(model::Architecture arch, model::Norm norm) {
  model::NetworkConfig c =
      testing::mlp_config(24, 3, 10, std::make_shared<testing::GaussianScheme>(2.0), "gelu");
  c.arch = arch;
  c.norm = norm;
  c.precision = precision::Format::bf16;
  if (arch == model::Architecture::conv) {
    c.widths = {3, 8, 8};
    c.spatial = 6;
    c.batch = 5;
  }
  return c;
}

class EngineDeterminism
    : public ::testing::TestWithParam<std::pair<model::Architecture, model::Norm>> {};

TEST_P(EngineDeterminism, ReplicatesIdenticalForOneAndTwoThreads) {
  const model::NetworkConfig c = config(GetParam().first, GetParam().second);
  TraceOptions o;
  o.gram = GetParam().first == model::Architecture::mlp;
  const std::vector<Trace> one = run_replicates(c, o, 42, 3, 1);
  const std::vector<Trace> two = run_replicates(c, o, 42, 3, 2);
  ASSERT_EQ(one.size(), 3U);
  for (std::size_t r = 0; r < 3; ++r) {
    EXPECT_EQ(one[r].replicate, static_cast<int>(r));
    EXPECT_EQ(flatten(one[r]), flatten(two[r])) << "replicate " << r;
  }
  // Fresh weights and inputs per replicate (continuous statistics: ties have probability 0).
  EXPECT_NE(flatten(one[0]), flatten(one[1]));
  EXPECT_NE(one[0].layers[0].pre.second_moment, one[1].layers[0].pre.second_moment);
  // run_network on replicate 1's engine reproduces replicate 1.
  const Trace single = run_network(c, o, rng::Engine(42).split(1));
  EXPECT_EQ(flatten(single), flatten(one[1]));
  // A different seed gives different traces.
  EXPECT_NE(flatten(run_replicates(c, o, 43, 1, 1)[0]), flatten(one[0]));
}

TEST_P(EngineDeterminism, IntraNetworkThreadsDoNotChangeResults) {
  const model::NetworkConfig c = config(GetParam().first, GetParam().second);
  TraceOptions o1;
  TraceOptions o2;
  o2.threads = 2;
  const Trace a = run_network(c, o1, rng::Engine(5));
  const Trace b = run_network(c, o2, rng::Engine(5));
  EXPECT_EQ(flatten(a), flatten(b));
}

// A dense shape where the one-thread path (one GEMM call for both slices) and the two-thread
// path (one call per slice) go through Eigen's full blocking (dimensions ≥ 48), with uneven
// slices (B = 77: 38 + 39 columns), rows that are not a multiple of the statistics tile, a bias,
// and fp32 storage so nothing is rounded away: results must still be bit-identical.
TEST(EngineDeterminismLarge, DenseOneThreadEqualsTwoThreads) {
  model::NetworkConfig c =
      testing::mlp_config(301, 3, 77, std::make_shared<testing::TorchUniformScheme>(true), "relu");
  c.precision = precision::Format::fp32;
  TraceOptions o1;
  o1.backward = false;
  TraceOptions o2 = o1;
  o2.threads = 2;
  const Trace a = run_network(c, o1, rng::Engine(11));
  const Trace b = run_network(c, o2, rng::Engine(11));
  EXPECT_EQ(flatten(a), flatten(b));
  EXPECT_GT(a.layers[2].pre.second_moment, 0.0);
}

// Forward-only networks share a few buffers between layers; with two threads each batch slice
// runs through the layers on its own. Layers of different sizes (uneven widths, a strided or a
// widening conv) place a slice's columns at different offsets of a shared buffer, so there the
// slices meet after each layer: every pass equals the network that keeps every tensor
// (backward on), on one thread and on two, and so does the output.
TEST(EngineDeterminismLarge, UnevenLayersInSharedBuffersMatchKeptTensors) {
  const auto scheme = std::make_shared<testing::GaussianScheme>(2.0);
  model::NetworkConfig uneven = testing::mlp_config(64, 6, 64, scheme, "tanh");
  for (std::size_t i = 1; i < uneven.widths.size(); i += 2) uneven.widths[i] = 8;
  model::NetworkConfig strided = testing::mlp_config(16, 3, 8, scheme, "tanh");
  strided.arch = model::Architecture::conv;
  strided.widths = {3, 16, 16, 16};
  strided.spatial = 16;
  strided.stride = 2;
  model::NetworkConfig widening = strided;
  widening.stride = 1;
  widening.spatial = 8;
  widening.widths = {3, 4, 16, 32};
  for (const model::NetworkConfig& c : {uneven, strided, widening}) {
    Network kept(c, TraceOptions{}, rng::Engine(3));
    TraceOptions o1;
    o1.backward = false;
    TraceOptions o2 = o1;
    o2.threads = 2;
    Network one(c, o1, rng::Engine(3));
    Network two(c, o2, rng::Engine(3));
    rng::Engine draw(4);
    const Eigen::MatrixXf x = make_input(c, draw);
    Trace reference;
    Trace trace;
    kept.forward(x, reference);
    const std::vector<double> expected = flatten(reference);
    one.forward(x, trace);
    EXPECT_EQ(flatten(trace), expected) << "arch " << static_cast<int>(c.arch);
    EXPECT_TRUE(one.output() == kept.output()) << "arch " << static_cast<int>(c.arch);
    for (int pass = 0; pass < 20; ++pass) {  // a race would show in some passes, not every one
      two.forward(x, trace);
      ASSERT_EQ(flatten(trace), expected)
          << "arch " << static_cast<int>(c.arch) << ", pass " << pass;
      ASSERT_TRUE(two.output() == kept.output()) << "arch " << static_cast<int>(c.arch);
    }
  }
}

// Pair runs cut the batch between pairs (here 3 pairs: slices of 2 and 4 samples, and an odd
// batch of 5 whose last sample is unpaired): the pair cosines, like everything else, are the
// same on one thread and on two.
TEST_P(EngineDeterminism, PairCosinesIdenticalForOneAndTwoThreads) {
  for (std::int64_t batch : {6, 5}) {
    model::NetworkConfig c = config(GetParam().first, GetParam().second);
    c.batch = batch;
    TraceOptions o;
    o.backward = false;
    o.pair_cosines = true;
    const std::vector<Trace> one = run_replicates(c, o, 42, 2, 1);
    const std::vector<Trace> two = run_replicates(c, o, 42, 2, 2);
    TraceOptions inner = o;
    inner.threads = 2;
    const Trace within = run_network(c, inner, rng::Engine(42).split(1));
    ASSERT_EQ(one[0].pair_cosine.size(), static_cast<std::size_t>(c.depth()) + 1);
    for (std::size_t r = 0; r < 2; ++r) EXPECT_EQ(flatten(one[r]), flatten(two[r])) << batch;
    EXPECT_EQ(flatten(within), flatten(one[1])) << batch;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Archs, EngineDeterminism,
    ::testing::Values(std::pair{model::Architecture::mlp, model::Norm::none},
                      std::pair{model::Architecture::mlp, model::Norm::batchnorm},
                      std::pair{model::Architecture::conv, model::Norm::layernorm},
                      std::pair{model::Architecture::resnet, model::Norm::none},
                      std::pair{model::Architecture::resnet, model::Norm::batchnorm}));

// Norms on the resnet stream (pre: the branch input, post: after the sum): one and two
// threads (replicates and within a network) and the forward-only network, whose stream and
// normalized tensors live in shared buffers, all give the traces of the network that keeps
// every tensor, bit for bit.
TEST(EngineDeterminismStreamNorm, ThreadsAndSharedBuffersDoNotChangeResults) {
  for (const model::NormPlacement placement :
       {model::NormPlacement::pre, model::NormPlacement::post}) {
    for (const model::Norm norm : {model::Norm::layernorm, model::Norm::rmsnorm}) {
      model::NetworkConfig c = config(model::Architecture::resnet, norm);
      c.norm_placement = placement;
      const std::string where = "placement " + std::to_string(static_cast<int>(placement)) +
                                ", norm " + std::to_string(static_cast<int>(norm));
      const std::vector<Trace> one = run_replicates(c, TraceOptions{}, 42, 2, 1);
      const std::vector<Trace> two = run_replicates(c, TraceOptions{}, 42, 2, 2);
      EXPECT_EQ(flatten(one[1]), flatten(two[1])) << where;
      TraceOptions threads;
      threads.threads = 2;
      EXPECT_EQ(flatten(run_network(c, threads, rng::Engine(5))),
                flatten(run_network(c, TraceOptions{}, rng::Engine(5))))
          << where;
      Network kept(c, TraceOptions{}, rng::Engine(3));
      TraceOptions shared;
      shared.backward = false;
      shared.threads = 2;
      Network forward_only(c, shared, rng::Engine(3));
      rng::Engine draw(4);
      const Eigen::MatrixXf x = make_input(c, draw);
      Trace reference;
      Trace trace;
      kept.forward(x, reference);
      forward_only.forward(x, trace);
      EXPECT_EQ(flatten(trace), flatten(reference)) << where;
      EXPECT_TRUE(forward_only.output() == kept.output()) << where;
      EXPECT_GT(reference.blocks.back().stream.second_moment, 0.0) << where;
    }
  }
}

// Transformer stacks: the two batch slices are fixed ranges of sequences, so one thread, two
// threads and the network that keeps every block's tensors (backward on) agree bit for bit,
// pre- and post-norm, with a causal mask and bf16 storage (B = 5 sequences: uneven slices).
TEST(EngineDeterminismTransformer, ThreadsAndKeptTensorsDoNotChangeResults) {
  for (const bool post : {false, true}) {
    model::NetworkConfig c = testing::transformer_config(
        12, 3, 5, 7, std::make_shared<testing::GaussianScheme>(1.0), post);
    c.causal = post;
    c.precision = precision::Format::bf16;
    TraceOptions kept;
    TraceOptions one;
    one.backward = false;
    TraceOptions two = one;
    two.threads = 2;
    const std::vector<Trace> reference = run_replicates(c, kept, 9, 2, 1);
    EXPECT_EQ(flatten(run_replicates(c, kept, 9, 2, 2)[1]), flatten(reference[1]));
    const Trace a = run_network(c, one, rng::Engine(9).split(1));
    const Trace b = run_network(c, two, rng::Engine(9).split(1));
    EXPECT_EQ(flatten(a), flatten(b));
    // Forward statistics equal those of the network that keeps every tensor.
    ASSERT_EQ(a.blocks.size(), 3U);
    for (std::size_t blk = 0; blk < a.blocks.size(); ++blk) {
      std::vector<double> shared;
      std::vector<double> kept_stats;
      for (const TensorStats& t : a.blocks[blk].tensors) push(shared, t);
      for (const TensorStats& t : reference[1].blocks[blk].tensors) push(kept_stats, t);
      EXPECT_EQ(shared, kept_stats) << "block " << blk;
    }
    EXPECT_NE(flatten(reference[0]), flatten(reference[1]));
  }
}

}  // namespace
}  // namespace initcheck::engine
