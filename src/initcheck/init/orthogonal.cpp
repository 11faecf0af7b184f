/// Orthogonal init (Saxe et al. 2014), PyTorch's orthogonal_ semantics.
#include <Eigen/QR>
#include <cmath>
#include <memory>
#include <span>

#include "initcheck/core/error.hpp"
#include "initcheck/init/detail/law_scheme.hpp"
#include "initcheck/init/detail/orthogonal_matrix.hpp"
#include "initcheck/rng/distributions.hpp"

namespace initcheck::init::detail {

void fill_orthogonal(Eigen::Ref<Eigen::MatrixXf> out, double gain, rng::Engine& engine) {
  const Eigen::Index rows = out.rows();
  const Eigen::Index cols = out.cols();
  const bool transpose = rows < cols;
  const Eigen::Index m = transpose ? cols : rows;
  const Eigen::Index n = transpose ? rows : cols;

  Eigen::MatrixXd a(m, n);
  rng::fill_normal(engine, std::span<double>(a.data(), static_cast<std::size_t>(a.size())));
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(m, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    if (qr.matrixQR()(j, j) < 0.0) q.col(j) *= -1.0;
  }
  q *= gain;
  if (transpose) {
    out = q.transpose().cast<float>();
  } else {
    out = q.cast<float>();
  }
}

namespace {

/// W = gain·Q (fill_orthogonal).
class OrthogonalScheme final : public InitScheme {
 public:
  OrthogonalScheme(std::string name, Expr gain) : name_(std::move(name)), gain_(std::move(gain)) {}

  [[nodiscard]] std::string name() const override { return name_; }
  [[nodiscard]] std::string formula() const override {
    return "Var(W) = gain²/max(rows, cols), gain = " + gain_.text() +
           "; W·Wᵀ = gain²·I (rows ≤ cols) or Wᵀ·W = gain²·I";
  }

  [[nodiscard]] WeightLaw weight_law(const FanInfo& fan) const override {
    check_fan(fan);
    const double gain = eval_positive(gain_, fan, "gain", name_);
    const auto m = static_cast<double>(std::max(fan.rows(), fan.cols()));
    return WeightLaw{0.0, gain * gain / m, orthogonal_entry_kurtosis(m), gain, false};
  }

  void fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> weights,
                    rng::Engine& engine) const override {
    check_fan(fan);
    check_shape(fan, weights.rows(), weights.cols());
    fill_orthogonal(weights, eval_positive(gain_, fan, "gain", name_), engine);
  }

 private:
  std::string name_;
  Expr gain_;
};

}  // namespace

void register_orthogonal(Registry& registry) {
  registry.add(SchemeInfo{"orthogonal",
                          {{"gain", ParamKind::number, "1", {}}},
                          "gain²/max(rows, cols); QR of a Gaussian matrix, sign(diag R) fixed"},
               [](const SchemeArgs& args) {
                 const Expr& gain = args.number("gain");
                 return validated(std::make_shared<OrthogonalScheme>(args.canonical(), gain),
                                  gain.is_constant());
               });
}

}  // namespace initcheck::init::detail
