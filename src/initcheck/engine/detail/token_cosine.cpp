#include "initcheck/engine/detail/token_cosine.hpp"

#include <cmath>
#include <limits>

namespace initcheck::engine::detail {

double sum_token_cosines(const Eigen::Ref<const Eigen::MatrixXf>& x, Eigen::Index tokens,
                         Eigen::Ref<Eigen::VectorXd> direction_sum) {
  if (tokens < 2) return 0.0;
  const auto t = static_cast<double>(tokens);
  double total = 0.0;
  for (Eigen::Index c0 = 0; c0 + tokens <= x.cols(); c0 += tokens) {
    direction_sum.setZero();
    double zeros = 0.0;
    for (Eigen::Index c = c0; c < c0 + tokens; ++c) {
      const double sq = x.col(c).cast<double>().squaredNorm();
      if (sq > 0.0 && std::isfinite(sq)) {
        direction_sum += x.col(c).cast<double>() / std::sqrt(sq);
      } else if (sq == 0.0) {
        zeros += 1.0;
      } else {
        return std::numeric_limits<double>::quiet_NaN();
      }
    }
    // Ordered pairs: Σ_{i≠j} u_i·u_j over the non-zero tokens, plus 1 per pair of zero tokens.
    const double pairs = direction_sum.squaredNorm() - (t - zeros) + zeros * (zeros - 1.0);
    total += pairs / (t * (t - 1.0));
  }
  return total;
}

}  // namespace initcheck::engine::detail
