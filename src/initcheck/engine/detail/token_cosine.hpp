#pragma once
/// Internal: the token cosine of a transformer's stream (Trace::pair_cosine for --arch
/// transformer) — how far the tokens of one sequence are from collapsing onto one direction.

#include <Eigen/Core>

namespace initcheck::engine::detail {

/// Σ over the sequences of `x` (d × S·T, each sequence `tokens` contiguous columns) of the mean
/// over its token pairs i < j of cos(x_i, x_j), from Σ_{i≠j} cos = ‖Σ_t u_t‖² − T with
/// u_t = x_t/‖x_t‖ (O(d·T) per sequence, in double). A pair of zero tokens counts as cosine 1
/// (identical), a pair with one zero token as 0; a NaN or ±inf entry makes the sum NaN.
/// `direction_sum` is scratch of d doubles; tokens < 2 (no pairs) gives 0.
double sum_token_cosines(const Eigen::Ref<const Eigen::MatrixXf>& x, Eigen::Index tokens,
                         Eigen::Ref<Eigen::VectorXd> direction_sum);

}  // namespace initcheck::engine::detail
