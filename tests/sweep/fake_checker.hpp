#pragma once
/// A deterministic stand-in for claims::check_configuration (which the runner tests must not
/// depend on): a pure function of the request, including its seed.

#include <cmath>
#include <string>

#include "initcheck/claims/check.hpp"
#include "initcheck/claims/check_request.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/rng/engine.hpp"

namespace initcheck::sweep::testing {

/// Inits containing "invalid" are invalid configurations (InputError); "crash" throws a
/// std::runtime_error. Otherwise one `variance` result whose value comes from the seed, and
/// per-layer curves (precision curves for fp16, drift curves for relu).
inline claims::CheckResult fake_check(const claims::CheckRequest& r) {
  if (r.init.find("invalid") != std::string::npos) {
    throw InputError("unknown init scheme '" + r.init + "'");
  }
  if (r.init.find("crash") != std::string::npos) throw std::runtime_error("checker bug");
  rng::Engine engine(r.seed);
  const double u = static_cast<double>(engine.next_u64() >> 11) * 0x1p-53;
  const double gain = std::exp2(8.0 * u - 4.0);  // in [1/16, 16)
  claims::ClaimResult c;
  c.id = claims::ClaimId::variance;
  c.quantity = "Π g_l over " + std::to_string(r.depth) + " layers";
  c.measured = gain;
  c.ci = {gain / 1.1, gain * 1.1, gain, 1.0 - 1e-7, static_cast<std::size_t>(r.depth)};
  c.predicted = r.init == "kaiming_normal" ? 1.0 : std::nan("");
  c.band = {1.0 / (r.tolerance * r.tolerance), r.tolerance * r.tolerance};
  c.verdict = stats::decide(c.ci, c.band);
  c.severity =
      c.verdict == stats::Verdict::violated
          ? std::abs(std::log10(gain < 1 ? c.ci.upper / c.band.lo : c.ci.lower / c.band.hi))
          : 0.0;
  claims::CheckResult result;
  result.claims = {c};
  result.overall = c.verdict;
  const double per_layer = std::pow(gain, 0.5 / r.depth);
  for (int l = 0; l <= r.depth; ++l) {
    result.curves.forward_std.push_back(std::pow(per_layer, l));
    result.curves.gradient_std.push_back(std::pow(per_layer, r.depth - l) * 1e-3);
    if (r.precision == "fp16") {
      result.curves.flushed_fraction.push_back(gain < 1 ? 1e-4 * l : 0.0);
      result.curves.subnormal_fraction.push_back(gain < 1 ? 1e-3 * l : 0.0);
      result.curves.overflow_fraction.push_back(gain > 1 ? 1e-5 * l : 0.0);
    }
    if (r.activation == "relu") {
      const double spread = std::exp(std::sqrt(5.0 * l / static_cast<double>(r.width)));
      result.curves.drift_lower.push_back(1.0 / spread);
      result.curves.drift_upper.push_back(spread);
      result.curves.predicted_drift_lower.push_back(1.0 / spread / 1.01);
      result.curves.predicted_drift_upper.push_back(spread * 1.01);
    }
  }
  return result;
}

}  // namespace initcheck::sweep::testing
