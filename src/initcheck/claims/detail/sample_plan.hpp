#pragma once
/// How many independent networks a check runs: sized by need (the margin between the
/// prediction and the tolerance band, and the predicted spread), capped by a compute budget.

#include <cstddef>
#include <optional>

#include "initcheck/claims/check.hpp"
#include "initcheck/theory/finite_width.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::claims::detail {

struct SamplePlan {
  int replicates = 16;
  /// Networks for `drift` (≥ replicates), run forward-only (batch 1 unless BatchNorm) beyond
  /// `replicates`: where the Hanin–Rolnick model predicts the drift probability p, enough for
  /// the Clopper–Pearson lower bound to exceed δ when p ≥ 1.5δ (at the expected count), or for
  /// the normal-model upper bound to reach δ/2 when p ≤ δ/2 — if the budget affords it; without
  /// that model, eight times `replicates` (within budget).
  int drift_replicates = 16;
  double cost_per_replicate = 0.0;  ///< estimated flops (forward, backward, weight draws)
  double cost_per_replicate_forward_batch1 = 0.0;  ///< the same for one extra drift network
  double cost_per_pair_network = 0.0;  ///< a network's `correlation` pair run (forward only)
};

/// Replicates: the t interval of the `variance`/`gradient`/`drift` tests must resolve the margin
/// between the mean-field prediction and the band edge given the Hanin–Rolnick spread
/// (replicates_for_margin at α/(claims·depth)); at least kMinReplicates, at most what
/// kFlopBudget affords (never fewer than kMinReplicates).
SamplePlan plan_samples(const model::NetworkConfig& config, const CheckOptions& options,
                        const std::optional<theory::PredictedTrajectory>& trajectory,
                        const std::optional<theory::FiniteWidthPrediction>& finite_width,
                        std::size_t claims, bool backward);

inline constexpr int kMinReplicates = 16;
/// Planned type-II error of a decidable verdict (power 1 − β = 0.99).
inline constexpr double kPlanBeta = 0.01;
/// Pre-declared looks of the sequential design: the networks run are the plan's R, then 2R, 4R
/// (within kFlopBudget·8 and kMaxReplicates·4), each look spending α/kLooks (Bonferroni over
/// looks makes stopping at the first decided look valid).
inline constexpr double kLooks = 3.0;
/// Flops per nominal second of CheckOptions::budget_seconds (≈ the engine on 2 cores of the
/// development machine, weight draws included); fixed so that results never depend on timing.
inline constexpr double kNominalFlopsPerSecond = 1.5e11;
/// GEMM-flop equivalent of drawing one weight (see plan_samples).
inline constexpr double kFlopsPerWeightDrawn = 400.0;
/// GEMM-flop equivalents of one layer's fixed cost in one pass, whatever its width: activation
/// and statistics calls, its trace record and that record's memory. Measured at width 4, depth
/// 4096 (where it is nearly all of the cost): ≈ 9 µs of CPU per layer forward, ≈ 14 µs with
/// backward (`check --replicates 16` vs `144`, --claims variance vs gradient).
inline constexpr double kFlopsPerLayerPass = 7e5;
/// GEMM-flop equivalents per n_max·n_min² of an orthogonal scheme's QR (see plan_samples).
inline constexpr double kFlopsPerQrFlop = 80.0;
/// Cap on the extra engine networks for `drift` (where the exact norm chain does not apply):
/// Clopper–Pearson alone needs ≈ log(1/α)/δ networks to show p ≤ δ.
inline constexpr int kMaxDriftReplicates = 16384;
/// Flop-equivalents the extra drift networks may spend (weight draws dominate): 512 networks of
/// the default depth-10 width-512 MLP, ≈ 1.3 G normals (≈ 6 core-seconds; fewer are planned
/// unless the level is tiny: ≈ 150 at α = 1e-6).
inline constexpr double kDriftFlopBudget = 5.4e11;
inline constexpr int kMaxReplicates = 96;
/// Flop-equivalents one check may spend: ≈ 32 replicates of the default depth-20 width-256 MLP
/// with backward (≈ 0.8 core-seconds, ≈ 0.4 s on the 2-core development machine).
inline constexpr double kFlopBudget = 7.5e10;

}  // namespace initcheck::claims::detail
