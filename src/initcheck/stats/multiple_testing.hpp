#pragma once
/// Family-wise error control over m hypotheses: Bonferroni and Holm (1979).

#include <span>
#include <vector>

namespace initcheck::stats {

/// Bonferroni: reject H_i iff p_i ≤ α/m. FWER ≤ α under any dependence.
std::vector<bool> bonferroni_reject(std::span<const double> p_values, double alpha);

/// Holm step-down: sort p ascending; reject H_(1..j) while p_(i) ≤ α/(m − i + 1) (1-based i),
/// stop at the first failure. FWER ≤ α under any dependence; rejects a superset of Bonferroni.
std::vector<bool> holm_reject(std::span<const double> p_values, double alpha);

/// Bonferroni-adjusted p-values min(1, m·p_i): reject iff adjusted ≤ α.
std::vector<double> bonferroni_adjust(std::span<const double> p_values);

/// Holm-adjusted p-values: p̃_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j)), in input order;
/// reject iff p̃_i ≤ α (identical to holm_reject).
std::vector<double> holm_adjust(std::span<const double> p_values);

/// Weighted Bonferroni over per-test alphas: FWER ≤ Σ alphas. Rejects H_i iff p_i ≤ alphas_i.
/// (A plain union bound; use ErrorBudget to build the alphas.)
std::vector<bool> union_bound_reject(std::span<const double> p_values,
                                     std::span<const double> alphas);

}  // namespace initcheck::stats
