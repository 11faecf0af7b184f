#pragma once
/// The calibration catalogue: CORRECT configurations and, for each, the claims that are TRUE on
/// it — decided from theory (the mean-field oracle, `initcheck theory`, exact identities),
/// never from the tool's verdicts. A claim whose truth is near its boundary there (e.g. `drift`
/// at depth 20 width 32, where Hanin–Rolnick's Σ5/n makes P(out of band) ≫ δ) is left out.

#include <string>
#include <vector>

#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/claim_id.hpp"

namespace initcheck::calibration {

struct CatalogueEntry {
  std::string name;
  claims::CheckRequest request;         ///< alpha, seed and claims are set per run
  std::vector<claims::ClaimId> truths;  ///< claims TRUE on this configuration
  std::string why;                      ///< the theory behind `truths` (one line)
};

namespace detail {

inline claims::CheckRequest mlp(std::string init, std::string activation, int depth,
                                std::int64_t width, std::int64_t batch = 32) {
  claims::CheckRequest r;
  r.init = std::move(init);
  r.activation = std::move(activation);
  r.depth = depth;
  r.width = width;
  r.batch = batch;
  return r;
}

}  // namespace detail

/// The catalogue, in a fixed order (seeds derive from the entry's index: append, never insert).
inline const std::vector<CatalogueEntry>& catalogue() {
  using claims::ClaimId;
  using detail::mlp;
  static const std::vector<CatalogueEntry> kEntries = [] {
    std::vector<CatalogueEntry> e;
    // Forward/backward claims: fan_in schemes matched to φ have per-layer gain exactly 1, so
    // E[M_l]/M_0 = 1 (variance, growth), the backward gain is n_L/n_l (= 1 on square layers),
    // zero-mean weights give E z = 0 (mean), and Gaussian-like weights give PR/fan_in → 1/κ_w
    // ≥ 1/3 > 1/4 (dominance).
    const std::vector<ClaimId> forward = {ClaimId::variance, ClaimId::growth, ClaimId::mean,
                                          ClaimId::dominance, ClaimId::gradient};
    auto with = [](std::vector<ClaimId> v, ClaimId extra) {
      v.push_back(extra);
      return v;
    };
    e.push_back({"kaiming_normal+relu 5x64", mlp("kaiming_normal", "relu", 5, 64), forward,
                 "gain 1 per layer; drift excluded: Σ5/n = 0.39, P(out) ≈ 0.03 > δ"});
    e.push_back({"kaiming_normal+relu 20x32", mlp("kaiming_normal", "relu", 20, 32), forward,
                 "gain 1 per layer; drift excluded: Σ5/n = 3.1, P(out) ≈ 0.56 > δ"});
    e.push_back({"kaiming_normal+relu 3x512", mlp("kaiming_normal", "relu", 3, 512),
                 with(forward, ClaimId::drift),
                 "gain 1 per layer; drift: Σ5/n = 0.03, Hanin–Rolnick P(out) ≈ 6e-16 ≪ δ"});
    e.push_back({"kaiming_uniform(a=0.2)+leaky_relu(0.2) 10x64",
                 mlp("kaiming_uniform(a=0.2, nonlinearity=leaky_relu)", "leaky_relu(0.2)", 10, 64),
                 forward, "gain 2/(1+a²)·(1+a²)/2 = 1; uniform κ_w = 1.8: PR/fan_in → 0.56"});
    e.push_back({"lecun_normal+selu 10x64", mlp("lecun_normal", "selu", 10, 64),
                 with(forward, ClaimId::drift),
                 "q* = 1 fixed point (variance 1); backward χ₁^10 ≈ 2 < 4; drift: the q-map "
                 "contracts, so log M_L/M_0 has sd ≈ 0.25 ≪ log 4"});
    e.push_back({"exact_gain normal+tanh 5x64",
                 mlp("normal(std=exact_gain/sqrt(fan_in))", "tanh", 5, 64), forward,
                 "q = 1 fixed point: E[M_l]/M_0 = E tanh² = 0.40 ∈ [1/4, 4]; backward 1.52"});
    e.push_back({"orthogonal+linear 10x64", mlp("orthogonal", "linear", 10, 64),
                 with(forward, ClaimId::drift),
                 "square orthogonal layers preserve every norm exactly: M_L/M_0 = 1, P(out) = 0"});
    {
      claims::CheckRequest r = mlp("kaiming_normal", "relu", 3, 64);
      r.widths = {64, 32, 128, 48};
      e.push_back({"ReLU mixture widths 64,32,128,48", r, forward,
                   "fan_in gain 1; backward n_L/n_l ∈ {0.75, 1.5, 0.375}; drift excluded "
                   "(P(out) ≈ 0.012 ≈ δ)"});
    }
    {
      claims::CheckRequest r = mlp("kaiming_normal", "relu", 4, 8);
      r.arch = "conv";
      r.spatial = 8;
      e.push_back({"conv relu 4 layers, 8 channels, 8x8", r, forward,
                   "in-bounds taps only (zero padding): oracle E[M_4]/M_0 = 0.60, backward "
                   "0.60, both ∈ [1/4, 4]"});
    }
    {
      claims::CheckRequest r = mlp("kaiming_normal", "relu", 8, 64);
      r.arch = "resnet";
      r.branch_scale = "1/sqrt(2*depth)";
      e.push_back({"resnet relu 8 blocks x64, branch 1/sqrt(2·depth)", r, forward,
                   "block gain 1 + 2s² = 1 + 1/8: (9/8)^8 = 2.57 ∈ [1/4, 4] forward and "
                   "backward; drift excluded (P(out) ≈ 0.03)"});
    }
    {
      claims::CheckRequest r = mlp("kaiming_normal", "relu", 5, 64);
      r.precision = "fp16";
      e.push_back({"kaiming_normal+relu 5x64 fp16",
                   r,
                   {ClaimId::precision},
                   "z ~ N(0, ≈2): fp16 subnormal band |z| < 6.1e-5 holds ≈ 3e-5 of z and "
                   "h ≪ ε = 1e-3"});
    }
    {
      claims::CheckRequest r = mlp("kaiming_normal", "relu", 5, 64);
      r.norm = "batchnorm";
      e.push_back({"kaiming_normal+relu 5x64 batchnorm",
                   r,
                   {ClaimId::batchnorm, ClaimId::bn_input},
                   "BN identity (exact up to rounding); pre-BN channel variance ≈ 1 ≫ ε/3"});
    }
    {
      claims::CheckRequest r = mlp("kaiming_normal", "relu", 5, 64);
      r.norm = "batchnorm";
      r.precision = "fp16";
      e.push_back({"kaiming_normal+relu 5x64 batchnorm fp16",
                   r,
                   {ClaimId::bn_input, ClaimId::precision},
                   "pre-BN z, y ≈ N(0, 1..2): fp16 event fraction ≈ 5e-5 ≪ ε = 1e-3"});
    }
    {
      claims::CheckRequest r = mlp("kaiming_normal", "relu", 1, 16, 16);
      r.input = "dataset_normalized";
      e.push_back({"dataset_normalized input 16 features",
                   r,
                   {ClaimId::batch_stats},
                   "finite-population identities: both dispersions are exactly 1"});
    }
    {
      claims::CheckRequest r = mlp("kaiming_normal", "relu", 12, 64);
      r.arch = "resnet";
      r.norm = "layernorm";
      r.norm_placement = "pre";
      r.branch_scale = "1/sqrt(2*depth)";
      e.push_back({"pre-LN resnet relu 12 blocks x64, branch 1/sqrt(2·depth)",
                   r,
                   {ClaimId::variance, ClaimId::growth, ClaimId::mean},
                   "the branch reads N(x): v = E[F²] = 2 per unit input, q_L = 1 + 2Lα² = 2 "
                   "∈ [1/4, 4] (oracle: additive growth); zero-mean weights: E z = 0"});
    }
    {
      claims::CheckRequest r = mlp("kaiming_normal", "relu", 12, 64);
      r.arch = "resnet";
      r.norm = "rmsnorm";
      r.norm_placement = "post";
      e.push_back({"post-RMSNorm resnet relu 12 blocks x64",
                   r,
                   {ClaimId::variance, ClaimId::growth, ClaimId::mean},
                   "the stream is N(x + F): second moment 1/(1 + ε/q) per sample, exactly in "
                   "band and as the oracle predicts; zero-mean weights: E z = 0"});
    }
    {
      claims::CheckRequest r = mlp("kaiming_normal", "relu", 12, 64);
      r.arch = "resnet";
      r.norm = "layernorm";
      r.norm_placement = "pre";
      r.tolerance = 1.1;
      e.push_back({"pre-LN resnet relu 12 blocks x64 unscaled, K 1.1",
                   r,
                   {ClaimId::growth, ClaimId::mean},
                   "E[q_L] = 1 + 2L = 25 is the oracle's value exactly (N(x) has norm² "
                   "n/(1 + ε/σ²) per sample, so each branch's z is exactly Gaussian; the cross "
                   "term has mean 0): growth holds even in the tight band ×[1/1.21, 1.21]"});
    }
    e.push_back({"kaiming_normal+relu 8x64 pairs",
                 mlp("kaiming_normal", "relu", 8, 64),
                 {ClaimId::correlation},
                 "c-map (arc-cosine kernel): pairs at cosine 0.5 reach 0.87 ≪ 1 − η = 0.99"});
    e.push_back({"xavier_normal+tanh 8x64 pairs",
                 mlp("xavier_normal", "tanh", 8, 64),
                 {ClaimId::correlation},
                 "c-map of tanh near the edge of chaos: cosine 0.5 → 0.45 ≪ 1 − η = 0.99"});
    return e;
  }();
  return kEntries;
}

}  // namespace initcheck::calibration
