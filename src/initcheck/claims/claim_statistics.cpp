#include "initcheck/claims/claim_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "initcheck/stats/mean_interval.hpp"
#include "initcheck/stats/proportion_interval.hpp"
#include "initcheck/stats/quantiles.hpp"
#include "initcheck/stats/variance_interval.hpp"

namespace initcheck::claims {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double clamp_severity(double s) {
  if (std::isnan(s)) return kMaxSeverity;
  return std::clamp(s, 0.0, kMaxSeverity);
}

/// log10(a/b) for a, b > 0 (a may be inf).
double log10_ratio(double a, double b) {
  if (!(a > 0.0) || !(b > 0.0)) return kMaxSeverity;
  return std::log10(a) - std::log10(b);
}

}  // namespace

stats::Verdict safe_decide(const stats::ConfidenceInterval& ci, const stats::ToleranceBand& band) {
  if (std::isnan(ci.lower) || std::isnan(ci.upper) || ci.lower > ci.upper) {
    return stats::Verdict::inconclusive;
  }
  return stats::decide(ci, band);
}

double severity(const stats::ConfidenceInterval& ci, const stats::ToleranceBand& band) {
  if (safe_decide(ci, band) != stats::Verdict::violated) return 0.0;
  if (ci.lower > band.hi) {
    if (band.hi > 0.0) return clamp_severity(log10_ratio(ci.lower, band.hi));
    return kMaxSeverity;
  }
  // ci.upper < band.lo
  if (band.lo > 0.0) {
    return clamp_severity(ci.upper > 0.0 ? log10_ratio(band.lo, ci.upper) : kMaxSeverity);
  }
  if (band.lo < 0.0) return clamp_severity(log10_ratio(-ci.upper, -band.lo));
  return kMaxSeverity;
}

stats::ConfidenceInterval replicate_mean_interval(std::span<const double> values, double level) {
  const std::size_t n = values.size();
  std::size_t pos_inf = 0;
  std::size_t neg_inf = 0;
  std::size_t nan = 0;
  double sum = 0.0;
  std::size_t finite = 0;
  for (double v : values) {
    if (std::isnan(v)) {
      ++nan;
    } else if (v == kInf) {
      ++pos_inf;
    } else if (v == -kInf) {
      ++neg_inf;
    } else {
      sum += v;
      ++finite;
    }
  }
  stats::ConfidenceInterval ci;
  ci.level = level;
  ci.n = n;
  // One observed ±inf proves P(X = ±inf) > 0, hence E[X] = ±inf exactly (no sampling error),
  // unless the other sign was seen too (E[X] undefined) or a NaN was.
  if (nan == 0 && pos_inf > 0 && neg_inf == 0) return {kInf, kInf, kInf, level, n};
  if (nan == 0 && neg_inf > 0 && pos_inf == 0) return {-kInf, -kInf, -kInf, level, n};
  const double mean = finite > 0 ? sum / static_cast<double>(finite) : 0.0;
  if (nan + pos_inf + neg_inf > 0 || n < 2) {
    ci.lower = -kInf;
    ci.upper = kInf;
    ci.estimate = nan > 0             ? std::numeric_limits<double>::quiet_NaN()
                  : pos_inf > neg_inf ? kInf
                  : neg_inf > pos_inf ? -kInf
                                      : mean;
    return ci;
  }
  double ss = 0.0;
  for (double v : values) ss += (v - mean) * (v - mean);
  const double var = ss / static_cast<double>(n - 1);
  if (!(var > 0.0)) return {mean, mean, mean, level, n};
  return stats::mean_interval(mean, var, n, level);
}

stats::ConfidenceInterval log_mean_interval(std::span<const double> logs, double level,
                                            double dead_bound) {
  const std::size_t n = logs.size();
  std::size_t dead = 0;
  bool nan = false;
  std::vector<double> finite;
  finite.reserve(n);
  for (double y : logs) {
    if (y == kInf) return {kInf, kInf, kInf, level, n};
    if (y == -kInf) {
      ++dead;
    } else if (std::isnan(y)) {
      nan = true;
    } else {
      finite.push_back(y);
    }
  }
  const double alpha = 1.0 - level;
  stats::ConfidenceInterval p{0.0, dead_bound, 0.0, 1.0, n};
  if (std::isnan(dead_bound)) p = stats::clopper_pearson_interval(dead, n, 1.0 - 0.1 * alpha);
  const std::size_t m = finite.size();
  stats::ConfidenceInterval ci{-kInf, kInf, std::numeric_limits<double>::quiet_NaN(), level, n};
  if (m == 0) return ci;
  double mean = 0.0;
  for (double y : finite) mean += y / static_cast<double>(m);
  const double live = std::log1p(-static_cast<double>(dead) / static_cast<double>(n));
  if (nan || m < 3) {
    ci.estimate = mean + live;
    return ci;
  }
  double ss = 0.0;
  for (double y : finite) ss += (y - mean) * (y - mean);
  const double s2 = ss / static_cast<double>(m - 1);
  const auto md = static_cast<double>(m);
  const double t =
      stats::student_t_quantile(md - 1.0, 1.0 - (std::isnan(dead_bound) ? 0.45 : 0.5) * alpha);
  const double half = t * std::sqrt(s2 / md + s2 * s2 / (2.0 * (md - 1.0)));
  const double centre = mean + s2 / 2.0;
  ci.estimate = centre + live;
  // Lower end by Jensen (log E[X] ≥ E[log X]; a t bound needing no log-normal model, so heavy
  // lower tails cannot fake a high mean), upper end by Cox's log-normal mean.
  ci.lower = mean - t * std::sqrt(s2 / md) + std::log1p(-p.upper);
  ci.upper = centre + half + std::log1p(-p.lower);
  return ci;
}

stats::ConfidenceInterval exp_interval(const stats::ConfidenceInterval& log_ci) {
  return {std::exp(log_ci.lower), std::exp(log_ci.upper), std::exp(log_ci.estimate), log_ci.level,
          log_ci.n};
}

double bernoulli_kl(double p, double q) {
  auto term = [](double a, double b) {
    if (a <= 0.0) return 0.0;
    if (b <= 0.0) return kInf;
    return a * std::log(a / b);
  };
  return term(p, q) + term(1.0 - p, 1.0 - q);
}

stats::ConfidenceInterval bounded_mean_interval(double mean, double n, double level) {
  const double m = std::clamp(mean, 0.0, 1.0);
  const double budget = std::log(2.0 / (1.0 - level)) / n;
  // Upper end: largest q ≥ m with KL(m‖q) ≤ budget (KL increasing in q on [m, 1]).
  auto solve = [&](double lo, double hi, bool upper) {
    for (int i = 0; i < 200; ++i) {
      const double mid = 0.5 * (lo + hi);
      const bool inside = bernoulli_kl(m, mid) <= budget;
      if (upper == inside) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return upper ? lo : hi;
  };
  const double upper = bernoulli_kl(m, 1.0) <= budget ? 1.0 : solve(m, 1.0, true);
  const double lower = bernoulli_kl(m, 0.0) <= budget ? 0.0 : solve(0.0, m, false);
  return {lower, upper, m, level, static_cast<std::size_t>(std::llround(n))};
}

double normal_two_sided_exceedance(double mu, double sigma, double c) {
  if (!(sigma > 0.0)) return std::abs(mu) > c ? 1.0 : 0.0;
  return stats::normal_cdf((-c - mu) / sigma) + stats::normal_cdf((mu - c) / sigma);
}

double drift_normal_bound(double mean, double sd, std::size_t n, double tolerance_k, double alpha) {
  const double c = std::log(tolerance_k);
  if (n < 3) return 1.0;
  if (!(sd > 0.0)) return std::abs(mean) > c ? 1.0 : 0.0;
  const double var = sd * sd;
  const stats::ConfidenceInterval mu = stats::mean_interval(mean, var, n, 1.0 - alpha / 4.0);
  const stats::ConfidenceInterval s2 =
      stats::variance_interval(var * static_cast<double>(n - 1), n, 1.0 - alpha / 4.0);
  // For fixed s, P(|X| > c) increases with |μ|; for |μ| < c it increases with s too, and for
  // |μ| ≥ c it is ≥ ½ anyway. The maximum over the box is at an end of μ's interval and
  // s = s_hi (checked with s_lo as well for safety); interior μ never exceed the ends.
  double worst = 0.0;
  for (double m : {mu.lower, mu.upper}) {
    for (double s : {std::sqrt(s2.upper), std::sqrt(s2.lower)}) {
      worst = std::max(worst, normal_two_sided_exceedance(m, s, c));
    }
  }
  return worst;
}

DriftTest drift_test(std::span<const double> log_std_ratios, double tolerance_k, double alpha) {
  DriftTest out;
  const double c = std::log(tolerance_k);
  out.trials = log_std_ratios.size();
  for (double x : log_std_ratios) {
    if (!std::isfinite(x) || std::abs(x) > c) ++out.failures;
  }
  out.estimate =
      out.trials > 0 ? static_cast<double>(out.failures) / static_cast<double>(out.trials) : 0.0;
  const stats::ConfidenceInterval cp =
      stats::clopper_pearson_interval(out.failures, out.trials, 1.0 - alpha / 2.0);

  // Normal model: x ~ N(μ, s²); box from a t interval for μ and a χ² interval for s².
  out.normal_upper = 1.0;
  const bool all_finite = std::all_of(log_std_ratios.begin(), log_std_ratios.end(),
                                      [](double x) { return std::isfinite(x); });
  if (all_finite && out.trials >= 3) {
    double mean = 0.0;
    for (double x : log_std_ratios) mean += x;
    mean /= static_cast<double>(out.trials);
    double ss = 0.0;
    for (double x : log_std_ratios) ss += (x - mean) * (x - mean);
    const double sd = std::sqrt(ss / static_cast<double>(out.trials - 1));
    out.normal_upper = drift_normal_bound(mean, sd, out.trials, tolerance_k, alpha);
  }
  // A normal-model bound below the exact lower bound means the model does not fit: drop it.
  const double upper =
      out.normal_upper >= cp.lower ? std::min(cp.upper, out.normal_upper) : cp.upper;
  out.ci = {cp.lower, upper, out.estimate, 1.0 - alpha, out.trials};
  return out;
}

int replicates_for_margin(double sigma, double margin, double alpha, int n_min, int n_max) {
  if (!(margin > 0.0)) return n_max;
  if (!(sigma > 0.0)) return n_min;
  for (int n = std::max(n_min, 2); n <= n_max; ++n) {
    const double t = stats::student_t_quantile(n - 1.0, 1.0 - alpha / 2.0);
    if (t * sigma / std::sqrt(static_cast<double>(n)) <= margin) return n;
  }
  return n_max;
}

}  // namespace initcheck::claims
