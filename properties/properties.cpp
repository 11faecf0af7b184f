#include "initcheck/properties.hpp"

#include <rapidcheck.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <iostream>
#include <sstream>

#include "initcheck/claims/check.hpp"
#include "initcheck/claims/layer_gain_check.hpp"
#include "initcheck/init/builtin_schemes.hpp"
#include "initcheck/init/spec_parser.hpp"
#include "initcheck/model/network_config.hpp"
#include "initcheck/theory/exact_gain.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::properties {
namespace {

using model::NetworkConfig;

/// The user's scheme with every weight multiplied by `scale` (BatchNorm's "any init scale").
class ScaledScheme : public init::InitScheme {
 public:
  ScaledScheme(std::shared_ptr<const init::InitScheme> base, double scale)
      : base_(std::move(base)), scale_(scale) {}
  [[nodiscard]] std::string name() const override {
    return base_->name() + " × " + std::to_string(scale_);
  }
  [[nodiscard]] std::string formula() const override { return base_->formula(); }
  [[nodiscard]] init::WeightLaw weight_law(const FanInfo& fan) const override {
    init::WeightLaw law = base_->weight_law(fan);
    law.mean *= scale_;
    law.variance *= scale_ * scale_;
    law.support_bound *= std::abs(scale_);
    return law;
  }
  void fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> w,
                    rng::Engine& e) const override {
    base_->fill_weights(fan, w, e);
    w *= static_cast<float>(scale_);
  }
  [[nodiscard]] bool has_bias() const override { return base_->has_bias(); }
  [[nodiscard]] init::WeightLaw bias_law(const FanInfo& fan) const override {
    return base_->bias_law(fan);
  }
  void fill_bias(const FanInfo& fan, Eigen::Ref<Eigen::VectorXf> b, rng::Engine& e) const override {
    base_->fill_bias(fan, b, e);
  }

 private:
  std::shared_ptr<const init::InitScheme> base_;
  double scale_;
};

/// Depth and widths: constant (square) or rectangular; shrink towards shallow and narrow.
std::vector<std::int64_t> draw_widths(const PropertyOptions& o, bool rectangular) {
  const int depth = *rc::gen::inRange(o.min_depth, o.max_depth + 1).as("depth");
  if (!rectangular) {
    const std::int64_t w =
        *rc::gen::inRange<std::int64_t>(o.min_width, o.max_width + 1).as("width");
    return std::vector<std::int64_t>(static_cast<std::size_t>(depth) + 1, w);
  }
  return *rc::gen::container<std::vector<std::int64_t>>(
              static_cast<std::size_t>(depth) + 1,
              rc::gen::inRange<std::int64_t>(o.min_width, o.max_width + 1))
              .as("widths");
}

/// The engine seed is a generated value (shrinks to 0), never a clock.
std::uint64_t draw_seed() {
  return *rc::gen::inRange<std::uint64_t>(0, 1ULL << 40).as("engine seed");
}

NetworkConfig base_config(std::shared_ptr<const init::InitScheme> scheme, const nn::Activation& act,
                          const PropertyOptions& o, bool rectangular) {
  NetworkConfig c;
  c.arch = model::Architecture::mlp;
  c.widths = draw_widths(o, rectangular);
  c.activation = act;
  c.init = std::move(scheme);
  c.batch = *rc::gen::inRange<std::int64_t>(8, o.max_batch + 1).as("batch");
  return c;
}

claims::CheckResult run(const NetworkConfig& c, claims::ClaimId id, const PropertyOptions& o,
                        std::uint64_t seed, int threads = 2) {
  claims::CheckOptions opt;
  opt.claims = {id};
  opt.tolerance = o.tolerance;
  opt.alpha = o.alpha_per_case;
  opt.seed = seed;
  opt.threads = threads;
  opt.replicates = o.replicates;
  opt.drift_replicates = o.replicates;
  return claims::check_configuration(c, opt);
}

/// Fails the current case with `message` only (RC_FAIL would prefix a source path).
[[noreturn]] void fail_case(const std::string& message) {
  throw rc::detail::CaseResult(rc::detail::CaseResult::Type::Failure, message);
}

/// Asserts that claim `id` is not violated (its false-violation probability is ≤ α per case).
void assert_not_violated(const NetworkConfig& c, claims::ClaimId id, const PropertyOptions& o,
                         std::uint64_t seed) {
  const claims::CheckResult r = run(c, id, o, seed);
  const claims::ClaimResult& cr = r.claims[static_cast<std::size_t>(id)];
  RC_CLASSIFY(cr.verdict == stats::Verdict::holds, "holds");
  RC_CLASSIFY(cr.verdict == stats::Verdict::inconclusive, "inconclusive");
  if (cr.verdict == stats::Verdict::violated) {
    std::ostringstream os;
    os << claims::claim_name(id) << " violated: measured " << cr.measured << " CI [" << cr.ci.lower
       << ", " << cr.ci.upper << "] band [" << cr.band.lo << ", " << cr.band.hi << "] layer "
       << cr.layer << " (" << r.replicates << " networks) — " << cr.advice;
    fail_case(os.str());
  }
}

bool is_homogeneous(const nn::Activation& a) {
  return a.is_homogeneous();
}

/// Asserts that every layer's gain is shown to lie within the equivalence band (holds); the
/// failure message names the layer, its measured gain, interval and band.
void assert_layer_gains_hold(const NetworkConfig& c, const PropertyOptions& o, std::uint64_t seed) {
  claims::LayerGainOptions lg;
  lg.target = o.target_gain;
  lg.detectable = o.detectable_error;
  lg.alpha = o.alpha_per_case;
  lg.seed = seed;
  lg.threads = 2;
  const claims::LayerGainCheck r = claims::check_layer_gains(c, lg);
  RC_CLASSIFY(r.verdict == stats::Verdict::holds, "holds");
  if (r.verdict != stats::Verdict::holds) {
    fail_case("per-layer gain not shown within the band: " + r.describe());
  }
}

/// The `gradient` property: where the mean-field oracle predicts the gradient second moment at
/// every depth inside the band [1/K², K²], the claim must not be violated; where it predicts one
/// outside (tanh at its forward fixed point is chaotic, χ₁ ≈ 1.18 per layer, so gradients
/// outgrow K² = 4 by depth ≈ 10), the claim must not hold. Either way a failure has probability
/// ≤ α per case. Within a factor kEdgeMargin of a band edge finite-width corrections may decide
/// either way, so such cases are only classified.
void assert_gradient_agrees_with_oracle(const NetworkConfig& c, const PropertyOptions& o,
                                        std::uint64_t seed) {
  constexpr double kEdgeMargin = 1.25;
  double lo = std::nan("");
  double hi = std::nan("");
  try {
    const theory::PredictedTrajectory t = theory::predict_trajectory(c);
    lo = hi = 1.0;  // the upstream gradient at the output
    for (const theory::LayerPrediction& l : t.layers) {
      lo = std::min(lo, l.grad_input_sq);
      hi = std::max(hi, l.grad_input_sq);
    }
  } catch (const std::exception&) {
    // no prediction: the claim is the scheme's promise
  }
  const double band = o.tolerance * o.tolerance;
  if (!(hi > band / kEdgeMargin || lo < kEdgeMargin / band)) {
    assert_not_violated(c, claims::ClaimId::gradient, o, seed);
    return;
  }
  const bool outside = hi > band * kEdgeMargin || lo < 1.0 / (band * kEdgeMargin);
  RC_CLASSIFY(!outside, "predicted near a band edge");
  RC_CLASSIFY(outside, "predicted outside the band");
  if (!outside) return;
  const claims::CheckResult r = run(c, claims::ClaimId::gradient, o, seed);
  const claims::ClaimResult& cr = r.claims[static_cast<std::size_t>(claims::ClaimId::gradient)];
  if (cr.verdict == stats::Verdict::holds) {
    std::ostringstream os;
    os << "gradient holds (measured " << cr.measured << " CI [" << cr.ci.lower << ", "
       << cr.ci.upper << "]) although the mean-field oracle predicts gradient second moments in ["
       << lo << ", " << hi << "], outside the band [" << 1.0 / band << ", " << band << "]";
    fail_case(os.str());
  }
}

void property_body(Property p, const std::shared_ptr<const init::InitScheme>& scheme,
                   const nn::Activation& act, const PropertyOptions& o) {
  switch (p) {
    case Property::layer_gain: {
      const NetworkConfig c = base_config(scheme, act, o, o.rectangular_widths);
      assert_layer_gains_hold(c, o, draw_seed());
      break;
    }
    case Property::variance: {
      const NetworkConfig c = base_config(scheme, act, o, o.rectangular_widths);
      assert_not_violated(c, claims::ClaimId::variance, o, draw_seed());
      break;
    }
    case Property::growth: {
      const NetworkConfig c = base_config(scheme, act, o, o.rectangular_widths);
      assert_not_violated(c, claims::ClaimId::growth, o, draw_seed());
      break;
    }
    case Property::mean: {
      const NetworkConfig c = base_config(scheme, act, o, o.rectangular_widths);
      assert_not_violated(c, claims::ClaimId::mean, o, draw_seed());
      break;
    }
    case Property::dominance: {
      NetworkConfig c = base_config(scheme, act, o, o.rectangular_widths);
      c.input =
          *rc::gen::element(model::InputKind::standard_normal, model::InputKind::dataset_normalized)
               .as("input");
      assert_not_violated(c, claims::ClaimId::dominance, o, draw_seed());
      break;
    }
    case Property::gradient: {
      const NetworkConfig c = base_config(scheme, act, o, false);
      assert_gradient_agrees_with_oracle(c, o, draw_seed());
      break;
    }
    case Property::batchnorm: {
      // Any init scale: 10^u, u ∈ [−3, 3] (shrinks to scale 1).
      const int exponent = *rc::gen::inRange(-3, 4).as("log10 init scale");
      NetworkConfig c =
          base_config(std::make_shared<ScaledScheme>(scheme, std::pow(10.0, exponent)), act, o,
                      o.rectangular_widths);
      c.norm = model::Norm::batchnorm;
      assert_not_violated(c, claims::ClaimId::batchnorm, o, draw_seed());
      break;
    }
    case Property::batch_stats: {
      NetworkConfig c = base_config(scheme, act, o, o.rectangular_widths);
      c.input = model::InputKind::dataset_normalized;
      assert_not_violated(c, claims::ClaimId::batch_stats, o, draw_seed());
      break;
    }
    case Property::precision: {
      NetworkConfig c = base_config(scheme, act, o, o.rectangular_widths);
      c.precision = precision::Format::bf16;
      assert_not_violated(c, claims::ClaimId::precision, o, draw_seed());
      break;
    }
    case Property::determinism: {
      NetworkConfig c = base_config(scheme, act, o, o.rectangular_widths);
      const std::uint64_t seed = draw_seed();
      PropertyOptions small = o;
      small.replicates = 4;
      const claims::CheckResult a = run(c, claims::ClaimId::variance, small, seed, 1);
      const claims::CheckResult b = run(c, claims::ClaimId::variance, small, seed, 3);
      const claims::ClaimResult& x = a.claims[static_cast<std::size_t>(claims::ClaimId::variance)];
      const claims::ClaimResult& y = b.claims[static_cast<std::size_t>(claims::ClaimId::variance)];
      RC_ASSERT(x.ci.lower == y.ci.lower);
      RC_ASSERT(x.ci.upper == y.ci.upper);
      RC_ASSERT(a.curves.forward_std == b.curves.forward_std);
      break;
    }
    case Property::residual: {
      NetworkConfig c = base_config(scheme, act, o, false);
      c.arch = model::Architecture::resnet;
      c.branch_scale = 1.0 / std::sqrt(static_cast<double>(c.depth()));
      assert_not_violated(c, claims::ClaimId::growth, o, draw_seed());
      break;
    }
  }
}

}  // namespace

const std::vector<Property>& all_properties() {
  static const std::vector<Property> kAll = {
      Property::layer_gain, Property::variance,    Property::growth,    Property::mean,
      Property::dominance,  Property::gradient,    Property::batchnorm, Property::batch_stats,
      Property::precision,  Property::determinism, Property::residual};
  return kAll;
}

std::string property_name(Property p) {
  switch (p) {
    case Property::layer_gain: return "layer_gain";
    case Property::variance: return "variance";
    case Property::growth: return "growth";
    case Property::mean: return "mean";
    case Property::dominance: return "dominance";
    case Property::gradient: return "gradient";
    case Property::batchnorm: return "batchnorm";
    case Property::batch_stats: return "batch_stats";
    case Property::precision: return "precision";
    case Property::determinism: return "determinism";
    case Property::residual: return "residual";
  }
  return "unknown";
}

bool property_applies(Property p, const init::InitScheme& scheme,
                      const nn::Activation& activation) {
  switch (p) {
    case Property::precision: return is_homogeneous(activation);
    case Property::layer_gain: {
      NetworkConfig probe;
      probe.widths = {64, 64};
      probe.activation = activation;
      probe.init = std::shared_ptr<const init::InitScheme>(&scheme, [](const init::InitScheme*) {});
      return claims::layer_gain_check_unavailable(probe).empty();
    }
    case Property::mean: {
      const init::WeightLaw law = scheme.weight_law(dense_fan(64, 64));
      return law.mean == 0.0;
    }
    default: return true;
  }
}

std::shared_ptr<const init::InitScheme> builtin_scheme(const std::string& spec,
                                                       const nn::Activation& activation) {
  static const init::Registry registry = [] {
    init::Registry r;
    init::register_builtin_schemes(r);
    return r;
  }();
  init::SpecContext context;
  context.exact_gain = theory::variance_preserving_gain(activation);
  if (const auto g = theory::torch_gain(activation)) context.gain = *g;
  return init::parse_init_spec(spec, registry, context);
}

bool check_cases(const std::string& id, const std::function<void()>& body, int cases) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = std::min(params.maxSuccess, cases);
  rc::detail::TestMetadata metadata;
  metadata.id = id;
  metadata.description = id;
  const auto property = rc::detail::toProperty([&body] { body(); });
  const rc::detail::TestResult result = rc::detail::checkProperty(property, metadata, params);
  if (result.template is<rc::detail::SuccessResult>()) return true;
  std::ostringstream os;
  rc::detail::printResultMessage(result, os);
  std::cerr << id << ": " << os.str() << std::endl;
  return false;
}

bool check_property(Property p, const std::shared_ptr<const init::InitScheme>& scheme,
                    const nn::Activation& activation, const PropertyOptions& options) {
  const std::string id =
      "initcheck/" + scheme->name() + "/" + activation.name() + "/" + property_name(p);
  return check_cases(
      id, [p, scheme, activation, options] { property_body(p, scheme, activation, options); },
      p == Property::layer_gain ? std::min(options.cases, options.layer_gain_cases)
                                : options.cases);
}

std::vector<std::string> run_property_suite(const std::shared_ptr<const init::InitScheme>& scheme,
                                            const nn::Activation& activation,
                                            const PropertyOptions& options) {
  std::vector<std::string> failed;
  for (Property p : all_properties()) {
    if (!property_applies(p, *scheme, activation)) continue;
    if (!check_property(p, scheme, activation, options)) failed.push_back(property_name(p));
  }
  return failed;
}

}  // namespace initcheck::properties
