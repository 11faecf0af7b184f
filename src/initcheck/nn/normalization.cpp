// BatchNorm / LayerNorm / RMSNorm (training mode, γ = 1, β = 0). Statistics are accumulated in
// double with two passes (mean, then Σ(z − μ)²) and y = (z − μ)/√(σ² + ε) is evaluated in double
// and rounded once, so Var(y) = σ²/(σ² + ε) holds up to one float rounding per element. Row
// statistics (BatchNorm) walk blocks of kRowBlock rows column by column so every cache line is used
// and the per-row accumulators stay in registers.

#include <cmath>
#include <stdexcept>
#include <string>

#include "initcheck/nn/layers.hpp"

namespace initcheck::nn {
namespace {

using Eigen::Index;

constexpr int kRowBlock = 16;
constexpr int kLanes = 8;

void check(bool ok, const char* message) {
  if (!ok) throw std::invalid_argument(message);
}

/// BatchNorm forward for rows [r0, r0 + R).
template <int R>
void bn_forward_rows(const ConstMatRef& z, Index r0, double eps, MatRef y, VecRef mean,
                     VecRef inv_std) {
  const Index n = z.cols();
  const Index ldz = z.outerStride();
  const Index ldy = y.outerStride();
  double mu[R] = {};
  for (Index j = 0; j < n; ++j) {
    const float* col = z.data() + j * ldz + r0;
    for (int i = 0; i < R; ++i) mu[i] += col[i];
  }
  for (int i = 0; i < R; ++i) mu[i] /= static_cast<double>(n);
  double ss[R] = {};
  for (Index j = 0; j < n; ++j) {
    const float* col = z.data() + j * ldz + r0;
    for (int i = 0; i < R; ++i) {
      const double d = col[i] - mu[i];
      ss[i] += d * d;
    }
  }
  double inv[R];
  for (int i = 0; i < R; ++i) {
    inv[i] = 1.0 / std::sqrt(ss[i] / static_cast<double>(n) + eps);
    mean[r0 + i] = static_cast<float>(mu[i]);
    inv_std[r0 + i] = static_cast<float>(inv[i]);
  }
  for (Index j = 0; j < n; ++j) {
    const float* col = z.data() + j * ldz + r0;
    float* out = y.data() + j * ldy + r0;
    for (int i = 0; i < R; ++i) out[i] = static_cast<float>((col[i] - mu[i]) * inv[i]);
  }
}

/// Normalization backward for rows [r0, r0 + R): grad_z = s·(g − mean(g) − y·mean(g⊙y)).
template <int R>
void bn_backward_rows(const ConstMatRef& y, const ConstVecRef& inv_std, const ConstMatRef& grad_y,
                      Index r0, MatRef grad_z) {
  const Index n = y.cols();
  double sg[R] = {};
  double sgy[R] = {};
  for (Index j = 0; j < n; ++j) {
    const float* yc = y.data() + j * y.outerStride() + r0;
    const float* gc = grad_y.data() + j * grad_y.outerStride() + r0;
    for (int i = 0; i < R; ++i) {
      sg[i] += gc[i];
      sgy[i] += static_cast<double>(gc[i]) * yc[i];
    }
  }
  double s[R];
  for (int i = 0; i < R; ++i) {
    sg[i] /= static_cast<double>(n);
    sgy[i] /= static_cast<double>(n);
    s[i] = inv_std[r0 + i];
  }
  for (Index j = 0; j < n; ++j) {
    const float* yc = y.data() + j * y.outerStride() + r0;
    const float* gc = grad_y.data() + j * grad_y.outerStride() + r0;
    float* out = grad_z.data() + j * grad_z.outerStride() + r0;
    for (int i = 0; i < R; ++i) {
      out[i] = static_cast<float>(s[i] * (gc[i] - sg[i] - yc[i] * sgy[i]));
    }
  }
}

/// Σ p[i] over one contiguous span, in double with kLanes independent partial sums.
double span_sum(const float* p, Index n) {
  double acc[kLanes] = {};
  Index i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) acc[l] += p[i + l];
  }
  for (; i < n; ++i) acc[0] += p[i];
  double total = 0.0;
  for (const double a : acc) total += a;
  return total;
}

/// Σ (p[i] − mu)² over one contiguous span.
double span_sum_sq_dev(const float* p, Index n, double mu) {
  double acc[kLanes] = {};
  Index i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const double d = p[i + l] - mu;
      acc[l] += d * d;
    }
  }
  for (; i < n; ++i) {
    const double d = p[i] - mu;
    acc[0] += d * d;
  }
  double total = 0.0;
  for (const double a : acc) total += a;
  return total;
}

/// Σ p[i]² over one contiguous span.
double span_sum_sq(const float* p, Index n) {
  return span_sum_sq_dev(p, n, 0.0);
}

/// (Σ g, Σ g·y) over one contiguous span pair.
void span_sums_gy(const float* g, const float* y, Index n, double& sg, double& sgy) {
  double a[kLanes] = {};
  double b[kLanes] = {};
  Index i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      a[l] += g[i + l];
      b[l] += static_cast<double>(g[i + l]) * y[i + l];
    }
  }
  for (; i < n; ++i) {
    a[0] += g[i];
    b[0] += static_cast<double>(g[i]) * y[i];
  }
  for (int l = 0; l < kLanes; ++l) {
    sg += a[l];
    sgy += b[l];
  }
}

/// Calls f(column pointer offset j) for each column of a sample group; spans are columns.
template <class F>
void for_each_column(Index c0, Index count, F&& f) {
  for (Index j = c0; j < c0 + count; ++j) f(j);
}

/// Per-sample norm backward: grad_z = s·(g − [mean g] − y·mean(g⊙y)) over each sample's group of
/// columns, s its 1/std (LayerNorm, `centre`) or 1/rms (RMSNorm, no mean term).
void per_sample_norm_backward(const char* name, bool centre, const ConstMatRef& y,
                              const ConstVecRef& inv_scale, std::int64_t group_columns,
                              const ConstMatRef& grad_y, MatRef grad_z) {
  // The message is built only on failure: the engine's passes must not allocate.
  const auto require = [name](bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(std::string(name) + ": " + what);
  };
  require(group_columns > 0 && y.cols() % group_columns == 0,
          "group_columns must divide the number of columns");
  require(grad_y.rows() == y.rows() && grad_y.cols() == y.cols() && grad_z.rows() == y.rows() &&
              grad_z.cols() == y.cols(),
          "grad_y and grad_z must be shaped like y");
  const Index samples = y.cols() / group_columns;
  require(inv_scale.size() == samples, "needs one scale entry per sample");
  const Index rows = y.rows();
  const auto count = static_cast<double>(rows * group_columns);
  for (Index b = 0; b < samples; ++b) {
    const Index c0 = b * group_columns;
    double sg = 0.0;
    double sgy = 0.0;
    for_each_column(c0, group_columns, [&](Index j) {
      span_sums_gy(grad_y.col(j).data(), y.col(j).data(), rows, sg, sgy);
    });
    const double mg = centre ? sg / count : 0.0;
    const double mgy = sgy / count;
    const double s = inv_scale[b];
    for_each_column(c0, group_columns, [&](Index j) {
      const float* yc = y.col(j).data();
      const float* gc = grad_y.col(j).data();
      float* out = grad_z.col(j).data();
      for (Index i = 0; i < rows; ++i) out[i] = static_cast<float>(s * (gc[i] - mg - yc[i] * mgy));
    });
  }
}

}  // namespace

void batchnorm_forward(const ConstMatRef& z, double eps, MatRef y, VecRef mean, VecRef inv_std) {
  check(y.rows() == z.rows() && y.cols() == z.cols(), "batchnorm_forward: y must be shaped like z");
  check(mean.size() == z.rows() && inv_std.size() == z.rows(),
        "batchnorm_forward: mean and inv_std need one entry per row");
  check(z.cols() > 0 && eps >= 0.0, "batchnorm_forward: needs columns and eps >= 0");
  const Index rows = z.rows();
  Index r0 = 0;
  for (; r0 + kRowBlock <= rows; r0 += kRowBlock) {
    bn_forward_rows<kRowBlock>(z, r0, eps, y, mean, inv_std);
  }
  for (; r0 < rows; ++r0) bn_forward_rows<1>(z, r0, eps, y, mean, inv_std);
}

void batchnorm_backward(const ConstMatRef& y, const ConstVecRef& inv_std, const ConstMatRef& grad_y,
                        MatRef grad_z) {
  check(grad_y.rows() == y.rows() && grad_y.cols() == y.cols() && grad_z.rows() == y.rows() &&
            grad_z.cols() == y.cols(),
        "batchnorm_backward: grad_y and grad_z must be shaped like y");
  check(inv_std.size() == y.rows(), "batchnorm_backward: inv_std needs one entry per row");
  const Index rows = y.rows();
  Index r0 = 0;
  for (; r0 + kRowBlock <= rows; r0 += kRowBlock) {
    bn_backward_rows<kRowBlock>(y, inv_std, grad_y, r0, grad_z);
  }
  for (; r0 < rows; ++r0) bn_backward_rows<1>(y, inv_std, grad_y, r0, grad_z);
}

void layernorm_forward(const ConstMatRef& z, double eps, std::int64_t group_columns, MatRef y,
                       VecRef mean, VecRef inv_std) {
  check(group_columns > 0 && z.cols() % group_columns == 0,
        "layernorm_forward: group_columns must divide the number of columns");
  check(y.rows() == z.rows() && y.cols() == z.cols(), "layernorm_forward: y must be shaped like z");
  const Index samples = z.cols() / group_columns;
  check(mean.size() == samples && inv_std.size() == samples,
        "layernorm_forward: mean and inv_std need one entry per sample");
  check(z.rows() > 0 && eps >= 0.0, "layernorm_forward: needs rows and eps >= 0");
  const Index rows = z.rows();
  const auto count = static_cast<double>(rows * group_columns);
  for (Index b = 0; b < samples; ++b) {
    const Index c0 = b * group_columns;
    double sum = 0.0;
    for_each_column(c0, group_columns, [&](Index j) { sum += span_sum(z.col(j).data(), rows); });
    const double mu = sum / count;
    double ss = 0.0;
    for_each_column(c0, group_columns,
                    [&](Index j) { ss += span_sum_sq_dev(z.col(j).data(), rows, mu); });
    const double inv = 1.0 / std::sqrt(ss / count + eps);
    mean[b] = static_cast<float>(mu);
    inv_std[b] = static_cast<float>(inv);
    for_each_column(c0, group_columns, [&](Index j) {
      const float* in = z.col(j).data();
      float* out = y.col(j).data();
      for (Index i = 0; i < rows; ++i) out[i] = static_cast<float>((in[i] - mu) * inv);
    });
  }
}

void layernorm_backward(const ConstMatRef& y, const ConstVecRef& inv_std,
                        std::int64_t group_columns, const ConstMatRef& grad_y, MatRef grad_z) {
  per_sample_norm_backward("layernorm_backward", true, y, inv_std, group_columns, grad_y, grad_z);
}

void rmsnorm_forward(const ConstMatRef& z, double eps, std::int64_t group_columns, MatRef y,
                     VecRef inv_rms) {
  check(group_columns > 0 && z.cols() % group_columns == 0,
        "rmsnorm_forward: group_columns must divide the number of columns");
  check(y.rows() == z.rows() && y.cols() == z.cols(), "rmsnorm_forward: y must be shaped like z");
  const Index samples = z.cols() / group_columns;
  check(inv_rms.size() == samples, "rmsnorm_forward: inv_rms needs one entry per sample");
  check(z.rows() > 0 && eps >= 0.0, "rmsnorm_forward: needs rows and eps >= 0");
  const Index rows = z.rows();
  const auto count = static_cast<double>(rows * group_columns);
  for (Index b = 0; b < samples; ++b) {
    const Index c0 = b * group_columns;
    double ss = 0.0;
    for_each_column(c0, group_columns, [&](Index j) { ss += span_sum_sq(z.col(j).data(), rows); });
    const double inv = 1.0 / std::sqrt(ss / count + eps);
    inv_rms[b] = static_cast<float>(inv);
    for_each_column(c0, group_columns, [&](Index j) {
      const float* in = z.col(j).data();
      float* out = y.col(j).data();
      for (Index i = 0; i < rows; ++i) out[i] = static_cast<float>(in[i] * inv);
    });
  }
}

void rmsnorm_backward(const ConstMatRef& y, const ConstVecRef& inv_rms, std::int64_t group_columns,
                      const ConstMatRef& grad_y, MatRef grad_z) {
  per_sample_norm_backward("rmsnorm_backward", false, y, inv_rms, group_columns, grad_y, grad_z);
}

}  // namespace initcheck::nn
