#pragma once
/// The statistics behind the claims, as pure functions over plain measured numbers (so they can
/// be unit-tested on synthetic data without the engine).
///
/// Independent units only (docs/statistics.md): network replicates (iid), output units given the
/// layer input (rows of W are iid), and layers given the past (for Gaussian weights the ratio
/// ‖z_l‖²/(σ_w²‖h_{l−1}‖²) of one sample is exactly χ²_{n_out}, whatever the past).

#include <cstddef>
#include <limits>
#include <span>

#include "initcheck/stats/confidence_interval.hpp"
#include "initcheck/stats/verdict.hpp"

namespace initcheck::claims {

/// Severity cap (log10 units) for infinitely violated bounds (e.g. an overflow to inf).
inline constexpr double kMaxSeverity = 300.0;

/// decide() that never throws: a CI with a NaN end is inconclusive.
stats::Verdict safe_decide(const stats::ConfidenceInterval& ci, const stats::ToleranceBand& band);

/// How far a violated CI lies outside the band, in log10 units of the violated bound (ratio
/// quantities: log10(lower/hi) or log10(lo/upper); signed quantities with a negative lower
/// bound use |·|). 0 unless the CI misses the band entirely; capped at kMaxSeverity.
double severity(const stats::ConfidenceInterval& ci, const stats::ToleranceBand& band);

/// Interval for E[X] from n ≥ 2 iid X_i (replicates of a log gain: a sum of independent
/// per-layer terms, hence close to normal): Student t, x̄ ± t_{n−1,1−α/2}·s/√n, level 1 − α.
/// Non-finite values: any +inf and no −inf or NaN → [+inf, +inf] (an observed +inf proves
/// P(X = +inf) > 0, so E[X] = +inf exactly: e.g. a replicate whose signal underflowed to exactly
/// 0 makes the geometric-mean gain 0); the mirror for −inf; both signs, a NaN, or n < 2 with a
/// finite value give [−inf, +inf] around the estimate.
/// With zero spread the interval is the point x̄.
stats::ConfidenceInterval replicate_mean_interval(std::span<const double> values, double level);

/// Interval for log E[X] from iid X ≥ 0 given as logs (log 0 = −inf: a dead network), with
/// E[X] = (1 − p)·E[X | X > 0], p = P(X = 0), the mean-field estimand (never the geometric mean):
/// - log E[X | X > 0], estimate ȳ + s²/2 over the m finite logs; upper end by Cox's method for
///   the log-normal mean (Land 1972; Zhou & Gao 1997), ȳ + s²/2 + t_{m−1}·√(s²/m + s⁴/(2(m−1)))
///   (asymptotic in m; log X is a sum of independent per-layer terms, close to normal); lower
///   end by Jensen, log E[X] ≥ E[log X] ≥ ȳ − t_{m−1}·s/√m (no log-normal model needed, so a
///   heavy lower tail cannot fake a high mean); each end at 1 − 0.45·(1 − level);
/// - p ∈ [0, dead_bound] when an a-priori bound is known (0: X > 0 surely), else Clopper–Pearson
///   at level 1 − 0.1·(1 − level) (exact); together level ≥ `level`.
/// Any +inf (an overflow) → [+inf, +inf]: P(X = ∞) > 0 makes E[X] infinite. A NaN, or fewer
/// than 3 finite values, gives an unbounded end (NaN estimate when nothing is finite).
stats::ConfidenceInterval log_mean_interval(
    std::span<const double> logs, double level,
    double dead_bound = std::numeric_limits<double>::quiet_NaN());

/// exp() of both ends and of the estimate: turns an interval for E[log X] into one for the
/// geometric mean exp(E[log X]).
stats::ConfidenceInterval exp_interval(const stats::ConfidenceInterval& log_ci);

/// Interval for the mean μ of n iid variables in [0, 1] with sample mean `mean`, from the
/// Chernoff–Hoeffding bound P(X̄ ≤ μ − t) ≤ exp(−n·KL(μ − t‖μ)) (and its mirror): the ends solve
/// n·KL(x̄‖μ) = log(2/α), α = 1 − level. Valid for any [0, 1] law (a Bernoulli law is the
/// extreme case, Hoeffding 1963), and for independent, non-identical variables as a bound on
/// their average mean. `n` may be fractional (an effective count).
stats::ConfidenceInterval bounded_mean_interval(double mean, double n, double level);

/// Kullback–Leibler divergence between Bernoulli(p) and Bernoulli(q), p, q ∈ [0, 1].
double bernoulli_kl(double p, double q);

/// The drift test: from n iid per-network log std ratios x_r = ½·log(M_L/M_0), is
/// P(|x| > log K) ≤ δ?
struct DriftTest {
  std::size_t failures = 0;  ///< networks with |x_r| > log K (or a non-finite x_r)
  std::size_t trials = 0;
  double estimate = 0.0;  ///< failures / trials
  /// [Clopper–Pearson lower (level 1 − α/2), min(Clopper–Pearson upper, normal-model upper)]:
  /// the upper end is the smaller of two bounds spending α/2 each, so the interval has level
  /// ≥ 1 − α. The normal-model bound maximises P(|N(μ, s²)| > log K) over a box of (μ, s)
  /// built from a t interval (α/4) and a χ² interval (α/4) on the x_r.
  stats::ConfidenceInterval ci;
  double normal_upper = 1.0;  ///< the normal-model upper bound alone
};

/// The drift test's normal-model upper bound on P(|x| > log K) from n values with sample mean
/// `mean` and standard deviation `sd`: the largest N(μ, s²) exceedance over the box of a t
/// interval for μ (level 1 − α/4) and a χ² interval for s (level 1 − α/4). 1 when n < 3.
double drift_normal_bound(double mean, double sd, std::size_t n, double tolerance_k, double alpha);

/// Runs the drift test at family level 1 − α. Needs n ≥ 2.
DriftTest drift_test(std::span<const double> log_std_ratios, double tolerance_k, double alpha);

/// P(|X| > c) for X ~ N(mu, sigma²) (sigma ≥ 0).
double normal_two_sided_exceedance(double mu, double sigma, double c);

/// Smallest n in [n_min, n_max] with t_{n−1, 1−α/2}·sigma/√n ≤ margin (n_max if none):
/// replicates a t interval needs to resolve a log-gain margin when the spread is sigma.
int replicates_for_margin(double sigma, double margin, double alpha, int n_min, int n_max);

}  // namespace initcheck::claims
