// Storage-precision counters: underflow with tiny weights in fp16, overflow to inf with huge
// weights (recorded, never a crash).
#include <gtest/gtest.h>

#include <cmath>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/engine/replicates.hpp"
#include "initcheck/theory/precision_prediction.hpp"
#include "test_support.hpp"

namespace initcheck::engine {
namespace {

using testing::GaussianScheme;

// Width 64, batch 32, Var(W) = 1e-8 (std 1e-4): z₁ has std ≈ 8e-4, z₂ ≈ 1.4e-6 (fp16 subnormal
// range < 6.1e-5), z₃ ≈ 3e-9 (< 2⁻²⁵ ≈ 3e-8: flushes). Each assertion below is "some of
// ≥ 1024 values fall in a range holding most of their Gaussian mass", which fails with
// probability < 1e-100; fixed seed.
model::NetworkConfig tiny_weights(precision::Format format) {
  model::NetworkConfig c = testing::mlp_config(64, 3, 32, std::make_shared<GaussianScheme>(64e-8));
  c.precision = format;
  return c;
}

TEST(EnginePrecision, TinyWeightsUnderflowInFp16) {
  const Trace t =
      run_network(tiny_weights(precision::Format::fp16), TraceOptions{}, rng::Engine(1));
  EXPECT_GT(t.layers[1].pre_events.subnormal, 0);
  EXPECT_GT(t.layers[2].pre_events.flushed_to_zero, t.layers[2].pre_events.total / 2);
  EXPECT_EQ(t.layers[2].pre_events.total, 64 * 32);
  EXPECT_EQ(t.layers[0].pre_events.overflow, 0);
  EXPECT_FALSE(t.nonfinite);
  // The same network stored in fp32 has no underflow at all (values ≫ 1e-38).
  const Trace f =
      run_network(tiny_weights(precision::Format::fp32), TraceOptions{}, rng::Engine(1));
  for (const LayerTrace& l : f.layers) {
    EXPECT_EQ(l.pre_events.underflow() + l.post_events.underflow(), 0);
    EXPECT_EQ(l.pre_events.total, 64 * 32);
  }
  // fp16 flushes make the stored second moment of layer 3 collapse relative to fp32's.
  EXPECT_LT(t.layers[2].pre.second_moment, 0.5 * f.layers[2].pre.second_moment);
}

TEST(EnginePrecision, RoundedWeightsCounted) {
  model::NetworkConfig c = testing::mlp_config(32, 1, 4, std::make_shared<GaussianScheme>(32e-12));
  c.precision = precision::Format::fp16;
  c.round_weights = true;  // std 1e-6: all weights in fp16's subnormal range (< 6.1e-5)
  const Trace t = run_network(c, TraceOptions{}, rng::Engine(2));
  EXPECT_EQ(t.layers[0].weight_events.total, 32 * 32);
  // |w| ≤ 2⁻²⁵ (flush) has probability 0.024 per weight; subnormal otherwise.
  EXPECT_GT(t.layers[0].weight_events.subnormal, 32 * 32 / 2);
  c.round_weights = false;
  EXPECT_EQ(run_network(c, TraceOptions{}, rng::Engine(2)).layers[0].weight_events.total, 0);
}

TEST(EnginePrecision, HugeWeightsOverflowToInfWithoutCrash) {
  // std 1e3 per weight: z₁ ≈ 8e3, z₂ ≈ 4e7 > 65504 → inf in fp16, then inf − inf = NaN.
  model::NetworkConfig c = testing::mlp_config(64, 4, 16, std::make_shared<GaussianScheme>(64e6));
  c.precision = precision::Format::fp16;
  const Trace t = run_network(c, TraceOptions{}, rng::Engine(3));
  EXPECT_TRUE(t.nonfinite);
  EXPECT_GT(t.layers[1].pre_events.overflow, 0);
  EXPECT_GT(t.layers[1].pre.inf_count, 0);
  EXPECT_TRUE(std::isinf(t.layers[1].pre.max) || std::isinf(t.layers[1].pre.min));
  EXPECT_GT(t.layers[3].pre.nan_count, 0);
  EXPECT_TRUE(std::isnan(t.layers[3].pre.mean));
  EXPECT_TRUE(t.has_backward);  // backward ran through inf/NaN as well
  // fp32 storage overflows too once the product of scales exceeds 3.4e38 (5 layers of ×4e10).
  model::NetworkConfig f = testing::mlp_config(64, 5, 16, std::make_shared<GaussianScheme>(64e20));
  const Trace g = run_network(f, TraceOptions{}, rng::Engine(3));
  EXPECT_TRUE(g.nonfinite);
  EXPECT_GT(g.layers[4].pre.inf_count + g.layers[4].pre.nan_count, 0);
  EXPECT_EQ(g.layers[0].pre.inf_count, 0);
}

// The exact conditional law behind the `precision` claim: given a layer's input h, each z_ib is
// N(0, σ_w²‖h_b‖²), so the expected event count of z (and of h = relu(z): positive subnormals)
// is computable from the recorded per-sample input norms. Rows of W are iid given h, so each
// row's event fraction is an independent [0, 1] unit: the observed mean over 40·2·512 rows must
// bracket the predicted mean within the Chernoff–Hoeffding interval at level 1 − 1e-9 (valid
// for any [0, 1] law; a false failure has probability ≤ 1e-9 per assertion; fixed seeds).
// Var(W) = 2e-8/fan_in puts z (std ≈ 1e-4) across fp16's subnormal band, so the prediction is
// tested where events are plentiful (≈ 40% of entries).
TEST(EnginePrecision, ConditionalGaussianLawPredictsEventCounts) {
  const double scale = 2e-8;
  model::NetworkConfig c =
      testing::mlp_config(512, 2, 128, std::make_shared<GaussianScheme>(scale));
  c.precision = precision::Format::fp16;
  double obs_pre = 0.0, obs_post = 0.0, pred_pre = 0.0, pred_post = 0.0, entries = 0.0;
  double rows = 0.0;
  for (int r = 0; r < 40; ++r) {
    const Trace t = run_network(c, TraceOptions{}, rng::Engine(100 + r));
    for (const LayerTrace& l : t.layers) {
      ASSERT_EQ(static_cast<std::int64_t>(l.input_sq_norms.size()), l.columns);
      obs_pre += static_cast<double>(l.pre_events.underflow() + l.pre_events.overflow);
      obs_post += static_cast<double>(l.post_events.underflow() + l.post_events.overflow);
      entries += static_cast<double>(l.pre_events.total);
      rows += static_cast<double>(l.out_units);
      for (double h2 : l.input_sq_norms) {
        const theory::EventProbabilities e =
            theory::gaussian_event_probabilities(c.precision, 0.0, std::sqrt(scale / 512.0 * h2));
        pred_pre += 512.0 * (e.underflow() + e.overflow);
        pred_post += 512.0 * 0.5 * e.subnormal;
      }
    }
  }
  ASSERT_GT(pred_pre / entries, 0.1);
  const double level = 1.0 - 1e-9;
  EXPECT_TRUE(
      claims::bounded_mean_interval(obs_pre / entries, rows, level).contains(pred_pre / entries))
      << obs_pre << " vs " << pred_pre;
  EXPECT_TRUE(
      claims::bounded_mean_interval(obs_post / entries, rows, level).contains(pred_post / entries))
      << obs_post << " vs " << pred_post;
}

}  // namespace
}  // namespace initcheck::engine
