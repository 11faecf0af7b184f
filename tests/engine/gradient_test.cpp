// Forward/backward of whole small networks vs central differences of L = Σ r ⊙ output.
#include <gtest/gtest.h>

#include <cmath>
#include <span>

#include "initcheck/engine/network.hpp"
#include "initcheck/rng/distributions.hpp"
#include "test_support.hpp"

namespace initcheck::engine {
namespace {

using testing::GaussianScheme;
using testing::TorchUniformScheme;

/// L = Σ r ⊙ output, summed in double.
double loss(Network& net, const Eigen::MatrixXf& x, const Eigen::MatrixXf& r, Trace& trace) {
  net.forward(x, trace);
  const Eigen::Map<const Eigen::MatrixXf> out = net.output();
  double s = 0.0;
  for (Eigen::Index i = 0; i < out.size(); ++i) s += static_cast<double>(r(i)) * out(i);
  return s;
}

// Central differences in float with step h = 2e-3: truncation error O(h²·L''') (h = 1e-2 was
// measured to be 3% off on the LayerNorm net, whose 4-feature normalization is strongly curved)
// and float round-off ≈ ‖r⊙out‖₁·6e-8/(2h) ≲ 1e-3 for these tiny nets, so
// |fd − g| ≤ 5e-3 + 2e-2·|g| has margin, while a wrong term (missing φ′, a dropped BN mean
// term, wrong α in the residual) changes gradients by O(|g|).
constexpr float kStep = 2e-3F;
bool close(double fd, double g) {
  return std::abs(fd - g) <= 5e-3 + 2e-2 * std::abs(g);
}

void check_gradients(const model::NetworkConfig& config) {
  TraceOptions options;
  Network net(config, options, rng::Engine(11));
  rng::Engine xe(12);
  Eigen::MatrixXf x = make_input(config, xe);
  Eigen::MatrixXf r(net.output_rows(), net.output_cols());
  rng::Engine re(13);
  rng::fill_normal(re, std::span<float>(r.data(), static_cast<std::size_t>(r.size())));
  Trace trace;
  net.forward(x, trace);
  net.backward(r, trace);
  ASSERT_FALSE(trace.nonfinite);
  int checked = 0;
  for (int l = 0; l < net.num_layers(); ++l) {
    const Eigen::MatrixXf grad = net.weight_grad(l);
    Eigen::MatrixXf& w = net.weights(l);
    for (int k = 0; k < 5; ++k) {
      const Eigen::Index i = (3 * k + l) % w.rows();
      const Eigen::Index j = (7 * k + 2 * l) % w.cols();
      const float saved = w(i, j);
      w(i, j) = saved + kStep;
      const double up = loss(net, x, r, trace);
      w(i, j) = saved - kStep;
      const double down = loss(net, x, r, trace);
      w(i, j) = saved;
      const double fd = (up - down) / (2.0 * kStep);
      EXPECT_PRED2(close, fd, grad(i, j)) << "layer " << l << " W(" << i << "," << j << ")";
      ++checked;
    }
    Eigen::VectorXf& b = net.bias(l);
    if (b.size() > 0) {
      const Eigen::VectorXf gb = net.bias_grad(l);
      const Eigen::Index i = l % b.size();
      const float saved = b(i);
      b(i) = saved + kStep;
      const double up = loss(net, x, r, trace);
      b(i) = saved - kStep;
      const double down = loss(net, x, r, trace);
      b(i) = saved;
      EXPECT_PRED2(close, (up - down) / (2.0 * kStep), gb(i)) << "layer " << l << " bias";
      ++checked;
    }
  }
  net.forward(x, trace);
  net.backward(r, trace);
  const Eigen::MatrixXf gx = net.input_grad();
  for (int k = 0; k < 6; ++k) {
    const Eigen::Index idx = (k * 37 + 5) % x.size();
    const float saved = x(idx);
    x(idx) = saved + kStep;
    const double up = loss(net, x, r, trace);
    x(idx) = saved - kStep;
    const double down = loss(net, x, r, trace);
    x(idx) = saved;
    EXPECT_PRED2(close, (up - down) / (2.0 * kStep), gx(idx)) << "input entry " << idx;
    ++checked;
  }
  EXPECT_GE(checked, 5 * net.num_layers() + 6);
}

model::NetworkConfig base(model::Architecture arch, model::Norm norm, const char* act) {
  model::NetworkConfig c;
  c.arch = arch;
  c.norm = norm;
  c.activation = nn::Activation::parse(act);
  c.init = std::make_shared<TorchUniformScheme>(true);
  c.batch = 6;
  c.widths = {5, 7, 4, 6};  // rectangular layers
  return c;
}

model::NetworkConfig conv(model::Norm norm) {
  model::NetworkConfig c = base(model::Architecture::conv, norm, "silu");
  c.widths = {2, 4, 6};
  c.kernel = 3;
  c.stride = 2;
  c.padding = 1;
  c.groups = 2;
  c.spatial = 7;
  c.batch = 3;
  return c;
}

model::NetworkConfig resnet(model::Norm norm) {
  model::NetworkConfig c = base(model::Architecture::resnet, norm, "tanh");
  c.widths = {5, 5, 5, 5};
  c.block_layers = 2;
  c.branch_scale = 0.7;
  c.init = std::make_shared<GaussianScheme>(1.0);
  return c;
}

TEST(EngineGradient, MlpWithBias) {
  check_gradients(base(model::Architecture::mlp, model::Norm::none, "tanh"));
}
TEST(EngineGradient, MlpBatchNorm) {
  check_gradients(base(model::Architecture::mlp, model::Norm::batchnorm, "tanh"));
}
TEST(EngineGradient, MlpLayerNorm) {
  check_gradients(base(model::Architecture::mlp, model::Norm::layernorm, "gelu"));
}
TEST(EngineGradient, Conv) {
  check_gradients(conv(model::Norm::none));
}
TEST(EngineGradient, ConvBatchNorm) {
  check_gradients(conv(model::Norm::batchnorm));
}
TEST(EngineGradient, ConvLayerNorm) {
  check_gradients(conv(model::Norm::layernorm));
}
TEST(EngineGradient, Resnet) {
  check_gradients(resnet(model::Norm::none));
}
TEST(EngineGradient, ResnetBatchNorm) {
  check_gradients(resnet(model::Norm::batchnorm));
}
TEST(EngineGradient, ResnetLayerNormOneLayerBranch) {
  model::NetworkConfig c = resnet(model::Norm::layernorm);
  c.block_layers = 1;
  check_gradients(c);
}

TEST(EngineGradient, MlpRmsNorm) {
  check_gradients(base(model::Architecture::mlp, model::Norm::rmsnorm, "gelu"));
}
TEST(EngineGradient, ConvRmsNorm) {
  check_gradients(conv(model::Norm::rmsnorm));
}
TEST(EngineGradient, ResnetRmsNormInBranch) {
  check_gradients(resnet(model::Norm::rmsnorm));
}

/// Resnets with the norm on the stream (pre: branch input; post: after the sum), both norms.
model::NetworkConfig placed(model::Norm norm, model::NormPlacement placement) {
  model::NetworkConfig c = resnet(norm);
  c.norm_placement = placement;
  return c;
}
TEST(EngineGradient, ResnetPreLayerNorm) {
  check_gradients(placed(model::Norm::layernorm, model::NormPlacement::pre));
}
TEST(EngineGradient, ResnetPreRmsNorm) {
  check_gradients(placed(model::Norm::rmsnorm, model::NormPlacement::pre));
}
TEST(EngineGradient, ResnetPostLayerNorm) {
  check_gradients(placed(model::Norm::layernorm, model::NormPlacement::post));
}
TEST(EngineGradient, ResnetPostRmsNorm) {
  check_gradients(placed(model::Norm::rmsnorm, model::NormPlacement::post));
}

// Transformer blocks (W_qkv, W_o, W_1, W_2 per block): 2 blocks of width 6, 2 heads, 3
// sequences of 4 tokens, gelu MLP; α = 0.7 so a wrong residual scale in the backward pass shows.
model::NetworkConfig transformer(bool post, bool causal) {
  model::NetworkConfig c =
      testing::transformer_config(6, 2, 3, 4, std::make_shared<GaussianScheme>(1.0), post);
  c.branch_scale = 0.7;
  c.causal = causal;
  return c;
}
TEST(EngineGradient, TransformerPreNorm) {
  check_gradients(transformer(false, false));
}
TEST(EngineGradient, TransformerPostNormCausal) {
  check_gradients(transformer(true, true));
}

}  // namespace
}  // namespace initcheck::engine
