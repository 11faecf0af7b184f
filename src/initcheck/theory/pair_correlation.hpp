#pragma once
/// Mean-field prediction for the `correlation` claim: the cosine similarity of two inputs'
/// representations through depth (the c-map of Poole et al. 2016, "Exponential expressivity in
/// deep neural networks through transient chaos", with the q-map fixed to each layer's actual q).
///
/// Two inputs with E[x·x′] = c₀·E[x·x] (engine::mix_input_pairs) enter a network whose layers
/// z = W·h + b have zero-mean weights (σ_w² = fan_in·Var W, σ_b² = Var b). Per unit, the cross
/// moment S = E[h·h′] and the second moment M = E[h²] propagate as
///   c_l = (σ_w²·S_{l−1} + σ_b²)/(σ_w²·M_{l−1} + σ_b²)   (pre-activation correlation),
///   S_l = E[φ(u)φ(u′)], M_l = E[φ(u)²],  (u, u′) ~ N(0, q_l·[[1, c_l], [c_l, 1]]),
/// with q_l the trajectory's pre-activation second moment; the representation's cosine is
/// S_l/M_l (the c-map of c_{l−1} at q_{l−1}, followed by φ). Residual streams add the branch:
/// S_b = S_{b−1} + α²·S_F, M_b = M_{b−1} + α²·M_F (the cross terms vanish for zero-mean
/// weights). Conv layers: at every pixel the in-bounds taps scale S and M alike, so the dense
/// recursion holds exactly when φ is positively homogeneous and there is no bias; otherwise zero
/// padding makes q vary over pixels and no prediction is made. Infinite width: at width n the
/// measured mean cosine differs by O(1/n).

#include <string>
#include <vector>

#include "initcheck/model/network_config.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::theory {

struct PairCosinePrediction {
  /// Index 0 = the input (c₀), d = the output of depth unit d (layer or residual block), as
  /// engine::Trace::pair_cosine; empty when there is no prediction.
  std::vector<double> cosine;
  std::string unavailable;  ///< why there is none (normalization, non-zero-mean weights, ...)
};

/// The prediction for `config` (its trajectory from predict_trajectory) and input correlation
/// c₀ ∈ [−1, 1] (std::invalid_argument otherwise).
PairCosinePrediction predict_pair_cosines(const model::NetworkConfig& config,
                                          const PredictedTrajectory& trajectory,
                                          double input_correlation);

}  // namespace initcheck::theory
