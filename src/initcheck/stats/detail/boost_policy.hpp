#pragma once
/// The project's single Boost.Math policy (private: include only from stats/ and theory/ .cpp
/// files, never from a public header). Self-contained: it needs nothing but Boost.Math.
///
/// - promote_double<false>, promote_float<false>: compute in the argument type (double), so
///   results do not depend on long double support and stay fast.
/// - domain, pole, overflow, evaluation and rounding errors throw (std::domain_error,
///   std::overflow_error, boost::math::evaluation_error, boost::math::rounding_error) instead
///   of returning NaN/inf silently; underflow and denormals are not errors (results flush
///   toward 0, which is the right answer for tail probabilities).
/// - discrete quantiles round outwards (Boost's default, stated explicitly).

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/policies/policy.hpp>

namespace initcheck::stats::detail {

using Policy = boost::math::policies::policy<
    boost::math::policies::promote_float<false>, boost::math::policies::promote_double<false>,
    boost::math::policies::domain_error<boost::math::policies::throw_on_error>,
    boost::math::policies::pole_error<boost::math::policies::throw_on_error>,
    boost::math::policies::overflow_error<boost::math::policies::throw_on_error>,
    boost::math::policies::evaluation_error<boost::math::policies::throw_on_error>,
    boost::math::policies::rounding_error<boost::math::policies::throw_on_error>,
    boost::math::policies::underflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::denorm_error<boost::math::policies::ignore_error>,
    boost::math::policies::discrete_quantile<boost::math::policies::integer_round_outwards>>;

using Normal = boost::math::normal_distribution<double, Policy>;
using ChiSquared = boost::math::chi_squared_distribution<double, Policy>;
using FisherF = boost::math::fisher_f_distribution<double, Policy>;
using StudentsT = boost::math::students_t_distribution<double, Policy>;
using Binomial = boost::math::binomial_distribution<double, Policy>;

}  // namespace initcheck::stats::detail
