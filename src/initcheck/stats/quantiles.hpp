#pragma once
/// Quantiles and CDFs of the reference distributions, so that callers outside stats/ and
/// theory/ never include Boost.Math. All arguments in double; invalid ones (p ∉ (0, 1),
/// dof ≤ 0) throw std::invalid_argument.

namespace initcheck::stats {

/// Φ(x) of N(0, 1).
double normal_cdf(double x);
/// Φ⁻¹(p).
double normal_quantile(double p);
/// P(χ²_dof ≤ x); dof may be fractional (Satterthwaite).
double chi_squared_cdf(double dof, double x);
/// Inverse of chi_squared_cdf.
double chi_squared_quantile(double dof, double p);
/// Quantile of Student's t with `dof` degrees of freedom.
double student_t_quantile(double dof, double p);
/// Quantile of Fisher's F(dof1, dof2).
double fisher_f_quantile(double dof1, double dof2, double p);
/// P(X ≤ k) for X ~ Binomial(trials, p).
double binomial_cdf(double trials, double p, double k);

}  // namespace initcheck::stats
