// The vectorized statistics pass (engine-private TensorAccumulator) against a scalar double
// reference, and the fused ReLU pass against the unfused one.
#include "initcheck/engine/detail/tensor_accumulator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "initcheck/rng/distributions.hpp"

namespace initcheck::engine::detail {
namespace {

using Eigen::Index;

/// rows × cols of N(0, 1) with a few special values planted (NaN, ±inf, −0, exactly ±0.25).
Eigen::MatrixXf sample(Index rows, Index cols, bool specials) {
  rng::Engine engine(7);
  Eigen::MatrixXf m(rows, cols);
  rng::fill_normal(engine, std::span<float>(m.data(), static_cast<std::size_t>(m.size())));
  if (specials) {
    m(3, 1) = std::numeric_limits<float>::quiet_NaN();
    m(rows - 1, 2) = std::numeric_limits<float>::infinity();
    m(0, cols - 1) = -std::numeric_limits<float>::infinity();
    m(5, 0) = -0.0f;
    m(6, 0) = 0.25f;
    m(7, 0) = -0.25f;
  }
  return m;
}

/// Scalar reference of everything add() records (column norms per column).
struct Reference {
  std::vector<double> row_sum, row_sumsq, col_sq;
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  std::int64_t small = 0, nan = 0, inf = 0;

  explicit Reference(const Eigen::MatrixXf& m)
      : row_sum(static_cast<std::size_t>(m.rows())),
        row_sumsq(static_cast<std::size_t>(m.rows())),
        col_sq(static_cast<std::size_t>(m.cols())) {
    for (Index j = 0; j < m.cols(); ++j) {
      for (Index i = 0; i < m.rows(); ++i) {
        const float v = m(i, j);
        const double d = v;
        row_sum[static_cast<std::size_t>(i)] += d;
        row_sumsq[static_cast<std::size_t>(i)] += d * d;
        col_sq[static_cast<std::size_t>(j)] += d * d;
        if (std::isnan(v)) {
          ++nan;
          continue;
        }
        if (std::isinf(v)) ++inf;
        min = std::min(min, v);
        max = std::max(max, v);
        small += std::abs(v) < 0.25f ? 1 : 0;
      }
    }
  }
};

// Row sums are accumulated in the same sequential column order as the reference, so they are
// equal bit for bit (NaN rows compare as NaN); column norms are the same double terms summed in
// another association: relative difference ≤ rows·2⁻⁵³ ≈ 1e-14 here, checked at 1e-12.
void expect_matches(const TensorAccumulator& a, const std::vector<double>& col_sq,
                    const Reference& r) {
  for (std::size_t i = 0; i < r.row_sum.size(); ++i) {
    if (std::isnan(r.row_sum[i])) {
      EXPECT_TRUE(std::isnan(a.row_sum[i])) << i;
      continue;
    }
    EXPECT_EQ(a.row_sum[i], r.row_sum[i]) << i;
    EXPECT_EQ(a.row_sumsq[i], r.row_sumsq[i]) << i;
  }
  for (std::size_t j = 0; j < col_sq.size(); ++j) {
    if (!std::isfinite(r.col_sq[j])) {
      EXPECT_FALSE(std::isfinite(col_sq[j])) << j;
      continue;
    }
    EXPECT_NEAR(col_sq[j], r.col_sq[j], 1e-12 * r.col_sq[j]) << j;
  }
  EXPECT_EQ(a.min, r.min);
  EXPECT_EQ(a.max, r.max);
  EXPECT_EQ(a.small, r.small);
  EXPECT_EQ(a.nan_count, r.nan);
  EXPECT_EQ(a.inf_count, r.inf);
}

class AccumulatorShapes : public ::testing::TestWithParam<std::pair<Index, Index>> {};

// Rows cover: smaller than one tile, a multiple of every tile size, and tiles plus a tail;
// columns: fewer than and more than one column block (64).
TEST_P(AccumulatorShapes, AddMatchesScalarReference) {
  const auto [rows, cols] = GetParam();
  for (const bool specials : {false, true}) {
    const Eigen::MatrixXf m = sample(rows, cols, specials);
    TensorAccumulator a;
    a.resize(rows);
    std::vector<double> col_sq(static_cast<std::size_t>(cols));
    // Two calls (columns split unevenly) must accumulate like one pass.
    const Index first = cols / 3;
    a.add(m.data(), first, col_sq.data(), 0, 1);
    a.add(m.data() + first * rows, cols - first, col_sq.data(), first, 1);
    EXPECT_EQ(a.columns, cols);
    expect_matches(a, col_sq, Reference(m));
  }
}

TEST_P(AccumulatorShapes, FusedReluEqualsUnfused) {
  const auto [rows, cols] = GetParam();
  const Eigen::MatrixXf z = sample(rows, cols, true);
  Eigen::MatrixXf h(rows, cols);
  TensorAccumulator pre;
  TensorAccumulator post;
  pre.resize(rows);
  post.resize(rows);
  std::vector<double> pre_sq(static_cast<std::size_t>(cols));
  std::vector<double> post_sq(pre_sq.size());
  add_relu(pre, post, z.data(), h.data(), cols, pre_sq.data(), post_sq.data(), 0, 1);
  const Eigen::MatrixXf h_ref = (z.array() < 0.0f).select(0.0f, z);  // NaN and −0 pass through
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) {
      if (std::isnan(h_ref(i, j))) {
        EXPECT_TRUE(std::isnan(h(i, j)));
      } else {
        EXPECT_EQ(std::signbit(h(i, j)), std::signbit(h_ref(i, j)));
        EXPECT_EQ(h(i, j), h_ref(i, j));
      }
    }
  }
  expect_matches(pre, pre_sq, Reference(z));
  expect_matches(post, post_sq, Reference(h_ref));
}

INSTANTIATE_TEST_SUITE_P(Shapes, AccumulatorShapes,
                         ::testing::Values(std::pair<Index, Index>{9, 5},
                                           std::pair<Index, Index>{64, 70},
                                           std::pair<Index, Index>{37, 130},
                                           std::pair<Index, Index>{301, 9}));

}  // namespace
}  // namespace initcheck::engine::detail
