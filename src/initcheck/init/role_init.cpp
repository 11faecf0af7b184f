#include "initcheck/init/role_init.hpp"

#include <algorithm>
#include <stdexcept>

#include "initcheck/core/error.hpp"

namespace initcheck::init {
namespace {

/// "role 'readout' (torch_default)" or "default (normal(std=1, mean=0))" for messages.
std::string describe(const std::string& key, const InitScheme& scheme) {
  return key + " (" + scheme.name() + ")";
}

}  // namespace

RoleInit::RoleInit(std::shared_ptr<const InitScheme> fallback, std::vector<RoleScheme> by_role)
    : fallback_(std::move(fallback)), by_role_(std::move(by_role)) {
  std::sort(by_role_.begin(), by_role_.end(),
            [](const RoleScheme& a, const RoleScheme& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < by_role_.size(); ++i) {
    if (!by_role_[i].second) throw std::invalid_argument("RoleInit: null scheme");
    if (i > 0 && by_role_[i - 1].first == by_role_[i].first) {
      throw std::invalid_argument("RoleInit: role listed twice");
    }
  }
  if (!fallback_ && by_role_.empty()) throw std::invalid_argument("RoleInit: no scheme");
  const std::string first_key =
      fallback_ ? "default" : "role '" + std::string(role_name(by_role_.front().first)) + "'";
  const InitScheme& first = fallback_ ? *fallback_ : *by_role_.front().second;
  has_bias_ = first.has_bias();
  for (const RoleScheme& r : by_role_) {
    if (r.second->has_bias() == has_bias_) continue;
    const std::string key = "role '" + std::string(role_name(r.first)) + "'";
    const InitScheme& with = has_bias_ ? first : *r.second;
    const InitScheme& without = has_bias_ ? *r.second : first;
    throw InputError(
        "init roles disagree on biases: " + describe(has_bias_ ? first_key : key, with) +
        " initializes a bias but " + describe(has_bias_ ? key : first_key, without) +
        " does not; a network has biases on every layer or on none");
  }
}

std::string RoleInit::name() const {
  std::string out = fallback_ ? "default=" + fallback_->name() : "";
  for (const RoleScheme& r : by_role_) {
    if (!out.empty()) out += ", ";
    out += std::string(role_name(r.first)) + "=" + r.second->name();
  }
  return out;
}

std::string RoleInit::formula() const {
  std::string out = fallback_ ? "default: " + fallback_->formula() : "";
  for (const RoleScheme& r : by_role_) {
    if (!out.empty()) out += "; ";
    out += std::string(role_name(r.first)) + ": " + r.second->formula();
  }
  return out;
}

const InitScheme& RoleInit::scheme_for(LayerRole role) const {
  for (const RoleScheme& r : by_role_) {
    if (r.first == role) return *r.second;
  }
  if (!fallback_) {
    throw InputError("init '" + name() + "' has no scheme for layer role '" +
                     std::string(role_name(role)) + "'; add " + std::string(role_name(role)) +
                     "=SPEC or default=SPEC");
  }
  return *fallback_;
}

WeightLaw RoleInit::weight_law(const FanInfo& fan) const {
  return scheme_for(fan.role).weight_law(fan);
}

void RoleInit::fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> weights,
                            rng::Engine& engine) const {
  scheme_for(fan.role).fill_weights(fan, weights, engine);
}

WeightLaw RoleInit::bias_law(const FanInfo& fan) const {
  return scheme_for(fan.role).bias_law(fan);
}

void RoleInit::fill_bias(const FanInfo& fan, Eigen::Ref<Eigen::VectorXf> bias,
                         rng::Engine& engine) const {
  scheme_for(fan.role).fill_bias(fan, bias, engine);
}

}  // namespace initcheck::init
