// Vectorized float kernels for activation_forward / activation_backward (declared in
// layers.hpp), written with Eigen's packet primitives (pexp, pexpm1, plog1p, pselect, ...):
// Eigen 3.4's array `select` has no packet path and silently turns a whole expression into
// scalar libm calls (≈ 10× slower). Formulas only exponentiate non-positive arguments, so no
// finite input overflows; the last packet of a span is computed in a padded stack buffer.

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13 && defined(__AVX512F__)
// GCC 12 bug 105593: its AVX-512 intrinsics (used by Eigen's pexp, plog1p, ...) read
// self-initialized "undefined" vectors and warn about them; set before the first include.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <numbers>
#include <stdexcept>
#include <string>

#include "initcheck/nn/layers.hpp"

namespace initcheck::nn {
namespace {

namespace ei = Eigen::internal;
using Eigen::Index;
using P = ei::packet_traits<float>::type;
constexpr int kWidth = ei::packet_traits<float>::size;

constexpr float kSqrtHalf = static_cast<float>(std::numbers::sqrt2 / 2.0);
constexpr float kInvSqrt2Pi =
    static_cast<float>(0.5 * std::numbers::inv_sqrtpi * std::numbers::sqrt2);
constexpr float kLambda = static_cast<float>(kSeluLambda);
constexpr float kLambdaAlpha = static_cast<float>(kSeluLambda * kSeluAlpha);

inline P set(float v) {
  return ei::pset1<P>(v);
}
inline P lt(const P& a, const P& b) {
  return ei::pcmp_lt(a, b);
}
inline P select(const P& mask, const P& a, const P& b) {
  return ei::pselect(mask, a, b);
}
inline P negative(const P& x) {
  return lt(x, set(0.0f));
}

/// e^{−a} for a ≥ 0, exactly 0 once it would be subnormal: Eigen's pexp clamps its argument and
/// returns ≈ 1e-38 instead of 0 for very negative inputs, which must not meet a huge factor.
inline P neg_exp(const P& a) {
  return select(lt(set(87.0f), a), set(0.0f), ei::pexp(ei::pnegate(a)));
}

/// Standard normal CDF Φ(x) = erfc(−x/√2)/2 with the Chebyshev fit of erfc in Numerical
/// Recipes (§6.2 `erfcc`, fractional error < 1.2e-7 for z ≥ 0): the lower tail keeps relative
/// accuracy (no 1 + erf(x) cancellation).
inline P normal_cdf(const P& x) {
  const P ax = ei::pabs(x);
  const P z = ei::pmul(ax, set(kSqrtHalf));
  const P t = ei::pdiv(set(1.0f), ei::padd(set(1.0f), ei::pmul(set(0.5f), z)));
  P poly = set(0.17087277f);
  for (const float c : {-0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f,
                        0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f}) {
    poly = ei::padd(ei::pmul(poly, t), set(c));
  }
  P e = ei::pmul(t, ei::pexp(ei::psub(poly, ei::pmul(z, z))));
  e = select(lt(set(14.0f), ax), set(0.0f), e);  // erfc < 1e-43; avoid pexp's clamped value
  const P half_e = ei::pmul(set(0.5f), e);
  return select(negative(x), half_e, ei::psub(set(1.0f), half_e));
}

/// σ(x) = 1/(1 + u) for x ≥ 0 and u/(1 + u) for x < 0, u = e^{−|x|}.
inline P sigmoid(const P& x) {
  const P u = neg_exp(ei::pabs(x));
  const P inv = ei::pdiv(set(1.0f), ei::padd(set(1.0f), u));
  return select(negative(x), ei::pmul(u, inv), inv);
}

/// tanh: |x| < 0.55: Eigen's odd rational approximation ptanh (accurate to ~1 ulp there);
/// |x| ≥ 0.55: ±(1 − e)/(1 + e), e = e^{−2|x|} ≤ 1/3 (no cancellation, exact limit ±1).
inline P tanh(const P& x) {
  const P a = ei::pabs(x);
  const P e = neg_exp(ei::padd(a, a));
  const P big = ei::pdiv(ei::psub(set(1.0f), e), ei::padd(set(1.0f), e));
  return select(lt(a, set(0.55f)), ei::ptanh(x), select(negative(x), ei::pnegate(big), big));
}

/// tanh(softplus(x)) = N/D and 1 − tanh(softplus(x)) = M/D, u = e^{−|x|}:
/// x ≥ 0: N = 1 + 2u, M = 2u², D = N + M; x < 0: N = u(u + 2), M = 2, D = N + 2.
inline void mish_parts(const P& x, P& n, P& m, P& d) {
  const P u = neg_exp(ei::pabs(x));
  const P neg = negative(x);
  n = select(neg, ei::pmul(u, ei::padd(u, set(2.0f))), ei::padd(set(1.0f), ei::padd(u, u)));
  m = select(neg, set(2.0f), ei::pmul(set(2.0f), ei::pmul(u, u)));
  d = ei::padd(n, m);
}

/// φ(x) for one packet.
template <ActivationKind kKind>
inline P forward(const P& x, float param) {
  if constexpr (kKind == ActivationKind::relu) {
    return select(negative(x), set(0.0f), x);
  } else if constexpr (kKind == ActivationKind::leaky_relu) {
    return select(negative(x), ei::pmul(set(param), x), x);
  } else if constexpr (kKind == ActivationKind::linear) {
    return x;
  } else if constexpr (kKind == ActivationKind::tanh) {
    return tanh(x);
  } else if constexpr (kKind == ActivationKind::sigmoid) {
    return sigmoid(x);
  } else if constexpr (kKind == ActivationKind::gelu) {
    return ei::pmul(x, normal_cdf(x));
  } else if constexpr (kKind == ActivationKind::silu) {
    return ei::pmul(x, sigmoid(x));
  } else if constexpr (kKind == ActivationKind::selu) {
    const P e = ei::pexpm1(ei::pmin(x, set(0.0f)));
    return select(lt(set(0.0f), x), ei::pmul(set(kLambda), x), ei::pmul(set(kLambdaAlpha), e));
  } else if constexpr (kKind == ActivationKind::elu) {
    const P e = ei::pexpm1(ei::pmin(x, set(0.0f)));
    return select(lt(set(0.0f), x), x, ei::pmul(set(param), e));
  } else if constexpr (kKind == ActivationKind::softplus) {
    const P t = ei::plog1p(neg_exp(ei::pabs(x)));
    return select(lt(set(0.0f), x), ei::padd(x, t), t);
  } else {  // mish
    P n;
    P m;
    P d;
    mish_parts(x, n, m, d);
    return ei::pmul(x, ei::pdiv(n, d));
  }
}

/// φ′(x) for one packet (left derivative at kinks, like Activation::derivative).
template <ActivationKind kKind>
inline P derivative(const P& x, float param) {
  if constexpr (kKind == ActivationKind::relu) {
    return select(lt(set(0.0f), x), set(1.0f), set(0.0f));
  } else if constexpr (kKind == ActivationKind::leaky_relu) {
    return select(lt(set(0.0f), x), set(1.0f), set(param));
  } else if constexpr (kKind == ActivationKind::linear) {
    return set(1.0f);
  } else if constexpr (kKind == ActivationKind::tanh) {
    // sech² = 4u/(1 + u)², u = e^{−2|x|}: no 1 − tanh² cancellation for large |x|.
    const P a = ei::pabs(x);
    const P u = neg_exp(ei::padd(a, a));
    const P q = ei::padd(set(1.0f), u);
    return ei::pdiv(ei::pmul(set(4.0f), u), ei::pmul(q, q));
  } else if constexpr (kKind == ActivationKind::sigmoid) {
    const P u = neg_exp(ei::pabs(x));
    const P q = ei::padd(set(1.0f), u);
    return ei::pdiv(u, ei::pmul(q, q));
  } else if constexpr (kKind == ActivationKind::gelu) {
    // Φ(x) + x·ϕ(x)
    const P pdf = ei::pmul(set(kInvSqrt2Pi), neg_exp(ei::pmul(set(0.5f), ei::pmul(x, x))));
    return ei::padd(normal_cdf(x), ei::pmul(x, pdf));
  } else if constexpr (kKind == ActivationKind::silu) {
    // σ(x)·(1 + x·(1 − σ(x))) with σ(±|x|) from u = e^{−|x|} (1 − σ never by cancellation).
    const P u = neg_exp(ei::pabs(x));
    const P inv = ei::pdiv(set(1.0f), ei::padd(set(1.0f), u));
    const P s_abs = inv;               // σ(|x|)
    const P s_neg = ei::pmul(u, inv);  // σ(−|x|)
    const P neg = negative(x);
    const P s = select(neg, s_neg, s_abs);
    const P one_minus_s = select(neg, s_abs, s_neg);
    return ei::pmul(s, ei::padd(set(1.0f), ei::pmul(x, one_minus_s)));
  } else if constexpr (kKind == ActivationKind::selu) {
    return select(lt(set(0.0f), x), set(kLambda),
                  ei::pmul(set(kLambdaAlpha), neg_exp(ei::pnegate(ei::pmin(x, set(0.0f))))));
  } else if constexpr (kKind == ActivationKind::elu) {
    return select(lt(set(0.0f), x), set(1.0f),
                  ei::pmul(set(param), neg_exp(ei::pnegate(ei::pmin(x, set(0.0f))))));
  } else if constexpr (kKind == ActivationKind::softplus) {
    return sigmoid(x);
  } else {  // mish: tsp + x·σ(x)·(1 − tsp)(1 + tsp), tsp = N/D, 1 − tsp = M/D
    P n;
    P m;
    P d;
    mish_parts(x, n, m, d);
    const P tsp = ei::pdiv(n, d);
    const P omt = ei::pdiv(m, d);
    return ei::padd(tsp,
                    ei::pmul(ei::pmul(x, sigmoid(x)), ei::pmul(omt, ei::padd(set(1.0f), tsp))));
  }
}

/// NaN in → NaN out.
inline P keep_nan(const P& x, const P& r) {
  return select(ei::pcmp_eq(x, x), r, x);
}

template <ActivationKind kKind>
void forward_span(const float* in, float* out, Index n, float param) {
  Index i = 0;
  for (; i + kWidth <= n; i += kWidth) {
    const P x = ei::ploadu<P>(in + i);
    ei::pstoreu(out + i, keep_nan(x, forward<kKind>(x, param)));
  }
  if (i < n) {
    alignas(64) float buf[kWidth] = {};
    std::copy(in + i, in + n, buf);
    const P x = ei::pload<P>(buf);
    ei::pstore(buf, keep_nan(x, forward<kKind>(x, param)));
    std::copy(buf, buf + (n - i), out + i);
  }
}

template <ActivationKind kKind>
void backward_span(const float* in, const float* grad_in, float* out, Index n, float param) {
  Index i = 0;
  for (; i + kWidth <= n; i += kWidth) {
    const P x = ei::ploadu<P>(in + i);
    ei::pstoreu(out + i,
                ei::pmul(ei::ploadu<P>(grad_in + i), keep_nan(x, derivative<kKind>(x, param))));
  }
  if (i < n) {
    alignas(64) float xb[kWidth] = {};
    alignas(64) float gb[kWidth] = {};
    std::copy(in + i, in + n, xb);
    std::copy(grad_in + i, grad_in + n, gb);
    const P x = ei::pload<P>(xb);
    ei::pstore(xb, ei::pmul(ei::pload<P>(gb), keep_nan(x, derivative<kKind>(x, param))));
    std::copy(xb, xb + (n - i), out + i);
  }
}

using ForwardFn = void (*)(const float*, float*, Index, float);
using BackwardFn = void (*)(const float*, const float*, float*, Index, float);

template <ActivationKind kKind>
constexpr std::pair<ForwardFn, BackwardFn> kernels_for() {
  return {&forward_span<kKind>, &backward_span<kKind>};
}

std::pair<ForwardFn, BackwardFn> kernels(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::relu: return kernels_for<ActivationKind::relu>();
    case ActivationKind::leaky_relu: return kernels_for<ActivationKind::leaky_relu>();
    case ActivationKind::tanh: return kernels_for<ActivationKind::tanh>();
    case ActivationKind::sigmoid: return kernels_for<ActivationKind::sigmoid>();
    case ActivationKind::gelu: return kernels_for<ActivationKind::gelu>();
    case ActivationKind::silu: return kernels_for<ActivationKind::silu>();
    case ActivationKind::selu: return kernels_for<ActivationKind::selu>();
    case ActivationKind::elu: return kernels_for<ActivationKind::elu>();
    case ActivationKind::softplus: return kernels_for<ActivationKind::softplus>();
    case ActivationKind::mish: return kernels_for<ActivationKind::mish>();
    case ActivationKind::linear: return kernels_for<ActivationKind::linear>();
  }
  throw std::invalid_argument("activation kernel: unknown activation kind");
}

void check_shape(Index rows, Index cols, Index want_rows, Index want_cols, const char* what) {
  if (rows != want_rows || cols != want_cols) {
    throw std::invalid_argument(std::string(what) + ": shape mismatch");
  }
}

}  // namespace

void activation_forward(const Activation& act, const ConstMatRef& z, MatRef h) {
  check_shape(h.rows(), h.cols(), z.rows(), z.cols(), "activation_forward");
  const ForwardFn fn = kernels(act.kind).first;
  const auto param = static_cast<float>(act.param);
  const Index rows = z.rows();
  if (z.outerStride() == rows && h.outerStride() == rows) {
    fn(z.data(), h.data(), rows * z.cols(), param);
  } else {
    for (Index j = 0; j < z.cols(); ++j) fn(z.col(j).data(), h.col(j).data(), rows, param);
  }
}

void activation_backward(const Activation& act, const ConstMatRef& z, const ConstMatRef& grad_h,
                         MatRef grad_z) {
  check_shape(grad_h.rows(), grad_h.cols(), z.rows(), z.cols(), "activation_backward");
  check_shape(grad_z.rows(), grad_z.cols(), z.rows(), z.cols(), "activation_backward");
  const BackwardFn fn = kernels(act.kind).second;
  const auto param = static_cast<float>(act.param);
  const Index rows = z.rows();
  if (z.outerStride() == rows && grad_h.outerStride() == rows && grad_z.outerStride() == rows) {
    fn(z.data(), grad_h.data(), grad_z.data(), rows * z.cols(), param);
  } else {
    for (Index j = 0; j < z.cols(); ++j) {
      fn(z.col(j).data(), grad_h.col(j).data(), grad_z.col(j).data(), rows, param);
    }
  }
}

}  // namespace initcheck::nn
