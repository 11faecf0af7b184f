#pragma once
/// Hand-made sweep results for report tests (the claims module is not needed): every verdict,
/// an error row, non-applicable claims, non-finite values and text that needs escaping.

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "initcheck/report/gain_table.hpp"
#include "initcheck/sweep/results_json.hpp"
#include "initcheck/sweep/runner.hpp"
#include "initcheck/sweep/sweep_results.hpp"

namespace initcheck::report::testing {

inline claims::ClaimResult claim(claims::ClaimId id, stats::Verdict verdict, double measured,
                                 double lo, double hi, double severity = 0.0) {
  claims::ClaimResult c;
  c.id = id;
  c.verdict = verdict;
  c.quantity = "Π g_l over depth";
  c.measured = measured;
  c.ci = {measured * 0.9, measured * 1.1, measured, 1.0 - 1e-7, 256};
  c.predicted = measured;
  c.band = {lo, hi};
  c.severity = severity;
  if (verdict == stats::Verdict::violated) c.advice = "use a gain matched to the activation";
  return c;
}

inline claims::ClaimResult not_applicable(claims::ClaimId id, const std::string& reason) {
  claims::ClaimResult c;
  c.id = id;
  c.applicable = false;
  c.not_applicable_reason = reason;
  return c;
}

/// std per layer decaying (or growing) geometrically by `factor`.
inline std::vector<double> geometric(double factor, int layers) {
  std::vector<double> out;
  double v = 1.0;
  for (int l = 0; l <= layers; ++l, v *= factor) out.push_back(v);
  return out;
}

inline sweep::CellResult cell(std::size_t index, const std::string& init,
                              const std::string& activation, int depth, std::int64_t width) {
  sweep::CellResult c;
  c.index = index;
  c.block = "synthetic";
  c.request.init = init;
  c.request.activation = activation;
  c.request.depth = depth;
  c.request.width = width;
  c.request.claims = {"variance", "drift", "precision"};
  c.request.seed = 1000 + index;
  return c;
}

/// Six cells: holds, violated (variance), fp16 precision violation, error row, drift cell with
/// non-finite values and markup characters, inconclusive BatchNorm cell.
inline sweep::SweepResults synthetic_results() {
  using claims::ClaimId;
  using stats::Verdict;
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  sweep::SweepResults r;
  r.info = {"tiny.yaml", 42, 6, "0123456789abcdef"};

  sweep::CellResult c0 = cell(0, "kaiming_normal", "relu", 4, 64);
  c0.result.claims = {claim(ClaimId::variance, Verdict::holds, 1.02, 0.25, 4.0),
                      claim(ClaimId::drift, Verdict::violated, 0.2, 0.0, 0.01, 0.3),
                      not_applicable(ClaimId::precision, "fp32 storage has no events")};
  c0.result.overall = Verdict::violated;
  c0.result.curves.forward_std = {1.0, 1.01, 0.98, 1.02, 1.0};
  c0.result.curves.gradient_std = {0.5, 0.51, 0.5, 0.49, 0.5};
  r.cells.push_back(c0);

  sweep::CellResult c1 = cell(1, "xavier_normal", "relu", 4, 64);
  c1.result.claims = {claim(ClaimId::variance, Verdict::violated, 0.0625, 0.25, 4.0, 0.6),
                      claim(ClaimId::drift, Verdict::holds, 0.001, 0.0, 0.01),
                      not_applicable(ClaimId::precision, "fp32 storage has no events")};
  c1.result.overall = Verdict::violated;
  c1.result.curves.forward_std = geometric(std::sqrt(0.5), 4);
  c1.result.curves.gradient_std = geometric(0.7, 4);
  r.cells.push_back(c1);

  sweep::CellResult c2 = cell(2, "normal(std=0.01)", "tanh", 4, 64);
  c2.request.precision = "fp16";
  c2.result.claims = {claim(ClaimId::variance, Verdict::violated, 1e-12, 0.25, 4.0, 11.0),
                      claim(ClaimId::precision, Verdict::violated, 0.4, -inf, 1e-3, 2.6)};
  c2.result.claims[1].predicted = nan;
  c2.result.claims[1].layer = 3;
  c2.result.overall = Verdict::violated;
  c2.result.curves.flushed_fraction = {0.0, 1e-5, 0.01, 0.4, 0.9};
  c2.result.curves.subnormal_fraction = {0.0, 1e-3, 0.1, 0.5, 0.1};
  c2.result.curves.overflow_fraction = {0.0, 0.0, 0.0, 0.0, 0.0};
  r.cells.push_back(c2);

  sweep::CellResult c3 = cell(3, "bogus|scheme", "relu", 4, 64);
  c3.error = "unknown init scheme 'bogus|scheme'; expected one of: kaiming_normal, *xavier*";
  r.cells.push_back(c3);

  sweep::CellResult c4 = cell(4, "kaiming_normal", "relu", 8, 16);
  c4.request.batch = 32;
  c4.request.tolerance = 3;
  c4.result.claims = {claim(ClaimId::variance, Verdict::holds, 1.0, 1.0 / 9, 9.0),
                      claim(ClaimId::drift, Verdict::inconclusive, 0.012, 0.0, 0.01)};
  c4.result.claims[1].quantity = "P(|log std_L| > log K) <x> `q` $a$";
  c4.result.claims[1].ci.lower = 0.005;  // straddles the band's upper end: inconclusive
  c4.result.claims[1].ci.upper = inf;
  c4.result.claims[1].predicted = nan;
  c4.result.overall = Verdict::inconclusive;
  c4.result.curves.drift_lower = {1.0, 0.8, 0.7, 0.6, 0.55, 0.5, 0.45, 0.42, 0.4};
  c4.result.curves.drift_upper = {1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6};
  c4.result.curves.predicted_drift_lower = {1.0, 0.85, 0.75, 0.65, 0.6, 0.55, 0.5, 0.47, nan};
  c4.result.curves.predicted_drift_upper = {1.0, 1.15, 1.3, 1.5, 1.7, 1.9, 2.1, 2.3, inf};
  r.cells.push_back(c4);

  sweep::CellResult c5 = cell(5, "normal(std=1)", "relu", 4, 64);
  c5.request.norm = "batchnorm";
  c5.request.claims = {"batchnorm"};
  c5.result.claims = {claim(ClaimId::batchnorm, Verdict::inconclusive, 0.99999, 0.999, 1.001)};
  c5.result.overall = Verdict::inconclusive;
  r.cells.push_back(c5);
  r.info.fingerprint = sweep::results_fingerprint(r);  // what `initcheck report` would record
  return r;
}

/// Two gain rows (values from published reference values), one without a PyTorch gain.
inline std::vector<GainRow> synthetic_gains() {
  GainRow tanh_row;
  tanh_row.activation = "tanh";
  tanh_row.second_moment = 0.39429449;
  tanh_row.exact_gain = 1.5925374;
  tanh_row.slope = 0.8;
  tanh_row.torch_gain = 5.0 / 3.0;
  tanh_row.torch_q_star = 1.1785;
  tanh_row.torch_slope = 0.9;
  GainRow gelu_row;
  gelu_row.activation = "gelu";
  gelu_row.second_moment = 0.42522148;
  gelu_row.exact_gain = 1.5335304;
  gelu_row.slope = 1.1;
  return {tanh_row, gelu_row};
}

}  // namespace initcheck::report::testing
