// Multi-head self-attention: a naive double-precision reference with a stated fp32 error
// bound, the causal mask, softmax normalization, permutation equivariance, determinism, and
// analytic gradients vs central differences.

#include "initcheck/nn/attention.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "gradient_check.hpp"
#include "initcheck/core/error.hpp"

namespace initcheck::nn {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::MatrixXf;
using Eigen::VectorXf;
using testing::normal;

constexpr double kU = 0x1p-24;  // float unit roundoff

struct Qkv {
  MatrixXf q, k, v;
};

Qkv random_qkv(const AttentionShape& s, std::uint64_t seed, double std = 1.0) {
  rng::Engine e(seed);
  return {normal(e, s.width(), s.columns(), std), normal(e, s.width(), s.columns(), std),
          normal(e, s.width(), s.columns(), std)};
}

MatrixXf run_forward(const AttentionShape& s, const Qkv& in) {
  MatrixXf out(s.width(), s.columns());
  VectorXf ws(s.workspace_size());
  attention_forward(s, in.q, in.k, in.v, out, ws);
  return out;
}

/// The exact result (in double) and, per entry, a bound on the fp32 kernel's error: scores
/// s = q·k/√d_h carry ≤ δ = (d_h + 2)·u·Σ_c|q_c||k_c|/√d_h (a d_h-term dot product and the
/// scaling); the shifted exponent s − max adds ≤ u·|s − max|; so each exp(s − max) has relative
/// error ≤ 2δ + u·|s − max| + 4u (pexp is accurate to a few ulp), and the normalization and
/// the T-term sum Σ p·v add (T + 4)·u. The bound doubles the total of these first-order terms.
struct Reference {
  MatrixXd out, bound;
};

Reference reference(const AttentionShape& s, const Qkv& in) {
  const Index d = s.width();
  const Index dh = s.head_dim;
  const Index t_count = s.tokens;
  Reference r{MatrixXd::Zero(d, s.columns()), MatrixXd::Zero(d, s.columns())};
  const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
  for (Index b = 0; b < s.sequences; ++b) {
    for (Index h = 0; h < s.heads; ++h) {
      const MatrixXd q = in.q.block(h * dh, b * t_count, dh, t_count).cast<double>();
      const MatrixXd k = in.k.block(h * dh, b * t_count, dh, t_count).cast<double>();
      const MatrixXd v = in.v.block(h * dh, b * t_count, dh, t_count).cast<double>();
      const MatrixXd scores = scale * q.transpose() * k;  // (i, j) = s_ij
      const MatrixXd abs_dots = scale * q.cwiseAbs().transpose() * k.cwiseAbs();
      for (Index i = 0; i < t_count; ++i) {
        const Index n = s.causal ? i + 1 : t_count;
        const double m = scores.row(i).head(n).maxCoeff();
        Eigen::VectorXd p = (scores.row(i).head(n).array() - m).exp().transpose();
        p /= p.sum();
        const double delta = static_cast<double>(dh + 2) * kU * abs_dots.row(i).head(n).maxCoeff();
        const double spread = m - scores.row(i).head(n).minCoeff();
        const double rel = 2.0 * delta + kU * spread + 4.0 * kU + static_cast<double>(n + 4) * kU;
        r.out.block(h * dh, b * t_count + i, dh, 1) = v.leftCols(n) * p;
        r.bound.block(h * dh, b * t_count + i, dh, 1) = 2.0 * rel * (v.leftCols(n).cwiseAbs() * p);
      }
    }
  }
  return r;
}

/// Fraction of the error bound used (max over entries of |err| / bound); must be ≤ 1.
double bound_use(const MatrixXf& got, const Reference& r) {
  return ((got.cast<double>() - r.out).cwiseAbs().array() / r.bound.array()).maxCoeff();
}

TEST(Attention, MatchesNaiveDoubleReference) {
  for (const bool causal : {false, true}) {
    for (const double std : {1.0, 4.0}) {  // std 4: scores spread over ≈ ±60, exps span e^±60
      const AttentionShape s{3, 5, 7, 2, causal};
      const Qkv in = random_qkv(s, 101, std);
      const MatrixXf out = run_forward(s, in);
      const double use = bound_use(out, reference(s, in));
      EXPECT_LE(use, 1.0) << "causal=" << causal << " std=" << std;
      RecordProperty(causal ? "causal_bound_use" : "bound_use", std::to_string(use));
    }
  }
  // Planted bug: a missing 1/√d_h exceeds the bound (power of the comparison).
  const AttentionShape s{3, 5, 7, 2, false};
  Qkv in = random_qkv(s, 102);
  const Reference r = reference(s, in);
  in.q *= std::sqrt(5.0f);
  EXPECT_GT(bound_use(run_forward(s, in), r), 100.0);
}

TEST(Attention, LargeHeadsMatchReference) {
  // Blocked GEMM paths (d_h = 64, T = 40 > one register tile).
  const AttentionShape s{2, 64, 40, 2, true};
  const Qkv in = random_qkv(s, 103);
  EXPECT_LE(bound_use(run_forward(s, in), reference(s, in)), 1.0);
}

TEST(Attention, CausalOutputIgnoresLaterTokens) {
  const AttentionShape s{2, 4, 9, 2, true};
  const Qkv in = random_qkv(s, 104);
  const MatrixXf out = run_forward(s, in);
  const Index t = 4;  // perturb tokens t+1…T−1 of sequence 1
  Qkv changed = in;
  const Index c0 = s.tokens + t + 1;
  const Index n = s.tokens - t - 1;
  rng::Engine e(105);
  changed.q.middleCols(c0, n) = normal(e, s.width(), n);
  changed.k.middleCols(c0, n) = normal(e, s.width(), n);
  changed.v.middleCols(c0, n) = normal(e, s.width(), n);
  const MatrixXf out2 = run_forward(s, changed);
  // Masked weights are exactly 0 and each kept score is the same dot product: bit-identical.
  EXPECT_EQ(out.leftCols(s.tokens + t + 1), out2.leftCols(s.tokens + t + 1));
  EXPECT_NE(out.middleCols(c0, n), out2.middleCols(c0, n));
  // Without the mask the same change reaches token t (power of the check).
  AttentionShape full = s;
  full.causal = false;
  EXPECT_NE(run_forward(full, in).col(s.tokens + t), run_forward(full, changed).col(s.tokens + t));
}

TEST(Attention, SoftmaxColumnsSumToOneWithoutOverflow) {
  for (const bool causal : {false, true}) {
    const AttentionShape s{2, 8, 33, 1, causal};
    // std 30: scores reach ±2500, far beyond exp's float range without the max shift.
    const Qkv in = random_qkv(s, 106, 30.0);
    MatrixXf probs(s.tokens, s.tokens);
    for (Index h = 0; h < s.heads; ++h) {
      attention_probabilities(s, in.q, in.k, 0, h, probs);
      ASSERT_TRUE(probs.allFinite());
      EXPECT_GE(probs.minCoeff(), 0.0f);
      for (Index i = 0; i < s.tokens; ++i) {
        // Sum of ≤ 33 rounded terms of one normalization: |Σ − 1| ≤ (T + 2)·u.
        EXPECT_NEAR(probs.col(i).cast<double>().sum(), 1.0, (33 + 2) * kU) << "query " << i;
        if (causal && i + 1 < s.tokens) {
          EXPECT_EQ(probs.col(i).tail(s.tokens - i - 1).cwiseAbs().maxCoeff(), 0.0f);
        }
      }
    }
    EXPECT_TRUE(run_forward(s, in).allFinite());
  }
}

TEST(Attention, PermutingTokensPermutesOutputsWithoutMask) {
  const AttentionShape s{2, 6, 11, 2, false};
  const Qkv in = random_qkv(s, 107);
  // Reverse the tokens of each sequence.
  Qkv perm = in;
  for (Index b = 0; b < s.sequences; ++b) {
    for (Index i = 0; i < s.tokens; ++i) {
      const Index from = b * s.tokens + i;
      const Index to = b * s.tokens + (s.tokens - 1 - i);
      perm.q.col(to) = in.q.col(from);
      perm.k.col(to) = in.k.col(from);
      perm.v.col(to) = in.v.col(from);
    }
  }
  const MatrixXf out = run_forward(s, in);
  const MatrixXf out_perm = run_forward(s, perm);
  const Reference r = reference(s, in);
  // Both are fp32 evaluations of the same exact values (summed in another order), each within
  // its reference bound, so they differ by at most twice that bound.
  for (Index b = 0; b < s.sequences; ++b) {
    for (Index i = 0; i < s.tokens; ++i) {
      const Index from = b * s.tokens + i;
      const Index to = b * s.tokens + (s.tokens - 1 - i);
      const Eigen::ArrayXd diff =
          (out.col(from).cast<double>() - out_perm.col(to).cast<double>()).cwiseAbs().array();
      EXPECT_TRUE((diff <= 2.0 * r.bound.col(from).array()).all()) << "token " << i;
    }
  }
  // Planted bug: permuting only the values breaks it.
  Qkv bad = in;
  bad.v = perm.v;
  EXPECT_NE(run_forward(s, bad), out);
}

TEST(Attention, DeterministicAndIndependentOfOtherSequencesAndAlignment) {
  const AttentionShape s{4, 16, 21, 3, true};
  const Qkv in = random_qkv(s, 108);
  const MatrixXf out = run_forward(s, in);
  EXPECT_EQ(run_forward(s, in), out);
  // Each sequence alone, with a workspace starting 1…3 floats later (other alignments).
  AttentionShape one = s;
  one.sequences = 1;
  for (Index b = 0; b < s.sequences; ++b) {
    const Index c0 = b * s.tokens;
    const Qkv single{in.q.middleCols(c0, s.tokens), in.k.middleCols(c0, s.tokens),
                     in.v.middleCols(c0, s.tokens)};
    VectorXf ws(one.workspace_size() + 3);
    MatrixXf got(s.width(), s.tokens);
    attention_forward(one, single.q, single.k, single.v, got,
                      ws.segment(b + 1, one.workspace_size()));
    EXPECT_EQ(got, out.middleCols(c0, s.tokens)) << "sequence " << b;
  }
}

TEST(Attention, NonFiniteScoresStayInTheirQuery) {
  const AttentionShape s{1, 4, 5, 2, false};
  Qkv in = random_qkv(s, 109);
  in.q(0, 2) = std::numeric_limits<float>::quiet_NaN();
  in.q(1, 3) = std::numeric_limits<float>::infinity();
  const MatrixXf out = run_forward(s, in);
  EXPECT_TRUE(out.col(2).array().isNaN().all());
  EXPECT_FALSE(out.col(3).allFinite());
  EXPECT_TRUE(out.leftCols(2).allFinite());
  EXPECT_TRUE(out.rightCols(s.tokens).allFinite());  // the other sequence
}

TEST(Attention, GradientsMatchCentralDifferences) {
  for (const bool causal : {false, true}) {
    const AttentionShape s{2, 3, 5, 2, causal};
    const Qkv in = random_qkv(s, 110);
    rng::Engine e(111);
    const MatrixXf r = normal(e, s.width(), s.columns());
    MatrixXf gq(s.width(), s.columns());
    MatrixXf gk(s.width(), s.columns());
    MatrixXf gv(s.width(), s.columns());
    VectorXf ws(s.workspace_size());
    attention_backward(s, in.q, in.k, in.v, r, gq, gk, gv, ws);
    const auto loss = [&](const MatrixXf& q, const MatrixXf& k, const MatrixXf& v) {
      return testing::weighted_sum(run_forward(s, {q, k, v}), r);
    };
    // Step 1e-2 on O(1) inputs: truncation O(h²) ≈ 1e-4 and float noise in the loss ≈ 1e-6/h
    // stay well below the 1e-3 relative tolerance.
    testing::check_gradient(
        "q", in.q, gq, 1e-2, 60, [&](const MatrixXf& p) { return loss(p, in.k, in.v); }, 1e-3);
    testing::check_gradient(
        "k", in.k, gk, 1e-2, 60, [&](const MatrixXf& p) { return loss(in.q, p, in.v); }, 1e-3);
    testing::check_gradient(
        "v", in.v, gv, 1e-2, 60, [&](const MatrixXf& p) { return loss(in.q, in.k, p); }, 1e-3);
    // Each query's weights sum to 1, so shifting all of its keys' scores equally changes
    // nothing: Σ_j ∂L/∂k_j = 0 per head and sequence (a planted sign error would break it).
    for (Index b = 0; b < s.sequences; ++b) {
      const double sum =
          gk.middleCols(b * s.tokens, s.tokens).rowwise().sum().cwiseAbs().maxCoeff();
      EXPECT_LT(sum, 1e-5) << "causal=" << causal;
    }
  }
}

TEST(Attention, RejectsBadShapes) {
  const AttentionShape s{2, 3, 4, 1, false};
  const Qkv in = random_qkv(s, 112);
  MatrixXf out(s.width(), s.columns());
  VectorXf ws(s.workspace_size());
  AttentionShape zero = s;
  zero.heads = 0;
  EXPECT_THROW(attention_forward(zero, in.q, in.k, in.v, out, ws), InputError);
  MatrixXf wrong(s.width() + 1, s.columns());
  EXPECT_THROW(attention_forward(s, in.q, in.k, in.v, wrong, ws), std::invalid_argument);
  VectorXf small(s.workspace_size() - 1);
  EXPECT_THROW(attention_forward(s, in.q, in.k, in.v, out, small), std::invalid_argument);
  MatrixXf probs(s.tokens, s.tokens);
  EXPECT_THROW(attention_probabilities(s, in.q, in.k, 1, 0, probs), std::invalid_argument);
}

}  // namespace
}  // namespace initcheck::nn
