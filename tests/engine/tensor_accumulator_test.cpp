// The vectorized statistics pass (engine-private TensorAccumulator), with every kernel compiled
// in and supported by the CPU (generic, AVX2, AVX-512), against a scalar double reference that
// sums in the documented order: every kernel must match it bit for bit, so all kernels (and so a
// portable and a native build) give identical results. The fused ReLU pass against the unfused
// one.
#include "initcheck/engine/detail/tensor_accumulator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <ostream>
#include <span>
#include <tuple>
#include <vector>

#include "initcheck/engine/detail/stats_pass.hpp"
#include "initcheck/rng/distributions.hpp"

namespace initcheck::engine::detail {

void PrintTo(StatsPassIsa isa, std::ostream* os) {
  constexpr const char* kNames[] = {"generic", "avx2", "avx512"};
  *os << kNames[static_cast<int>(isa)];
}

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

/// Scalar reference of everything add() records (column norms per column), in the summation
/// order of stats_pass.hpp: rows over the columns in order; a column's Σ x² in 8 lanes (lane k:
/// rows k, k+8, … below ⌊rows/8⌋·8), the lanes added in order, then the remaining rows.
struct Reference {
  std::vector<double> row_sum, row_sumsq, col_sq;
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  std::int64_t small = 0, nan = 0, inf = 0;

  explicit Reference(const Eigen::MatrixXf& m)
      : row_sum(static_cast<std::size_t>(m.rows())),
        row_sumsq(static_cast<std::size_t>(m.rows())),
        col_sq(static_cast<std::size_t>(m.cols())) {
    const Index full = m.rows() / 8 * 8;
    for (Index j = 0; j < m.cols(); ++j) {
      double lanes[8] = {};
      double tail = 0.0;
      for (Index i = 0; i < m.rows(); ++i) {
        const float v = m(i, j);
        const double d = v;
        row_sum[static_cast<std::size_t>(i)] += d;
        row_sumsq[static_cast<std::size_t>(i)] += d * d;
        (i < full ? lanes[i % 8] : tail) += d * d;
      }
      double& col = col_sq[static_cast<std::size_t>(j)];
      for (const double lane : lanes) col += lane;
      col += tail;
      for (Index i = 0; i < m.rows(); ++i) {
        const float v = m(i, j);
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

// Row sums and column norms are the reference's double terms summed in the same order, so they
// are equal bit for bit (NaN rows and columns compare as non-finite).
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
    EXPECT_EQ(col_sq[j], r.col_sq[j]) << j;
  }
  EXPECT_EQ(a.min, r.min);
  EXPECT_EQ(a.max, r.max);
  EXPECT_EQ(a.small, r.small);
  EXPECT_EQ(a.nan_count, r.nan);
  EXPECT_EQ(a.inf_count, r.inf);
}

using Shape = std::pair<Index, Index>;

class AccumulatorShapes : public ::testing::TestWithParam<std::tuple<Shape, StatsPassIsa>> {
 protected:
  void SetUp() override {
    if (!stats_pass_available(isa())) GTEST_SKIP() << "kernel not available on this CPU/build";
  }
  [[nodiscard]] static StatsPassIsa isa() { return std::get<1>(GetParam()); }
};

// Rows cover: fewer than 8 (only the scalar tail), one 8-row tile plus a tail, multiples of
// every tile size, and big tiles plus 8-row tiles plus a tail; columns: fewer than and more than
// one column block (64).
TEST_P(AccumulatorShapes, AddMatchesScalarReference) {
  const auto [rows, cols] = std::get<0>(GetParam());
  for (const bool specials : {false, true}) {
    if (specials && rows < 8) continue;  // sample() plants specials in rows 0–7
    const Eigen::MatrixXf m = sample(rows, cols, specials);
    TensorAccumulator a;
    a.resize(rows);
    std::vector<double> col_sq(static_cast<std::size_t>(cols));
    // Two calls (columns split unevenly) must accumulate like one pass.
    const Index first = cols / 3;
    stats_pass_with(isa(), a, nullptr, m.data(), nullptr, first, col_sq.data(), nullptr, 0, 1);
    stats_pass_with(isa(), a, nullptr, m.data() + first * rows, nullptr, cols - first,
                    col_sq.data(), nullptr, first, 1);
    EXPECT_EQ(a.columns, cols);
    expect_matches(a, col_sq, Reference(m));
  }
}

TEST_P(AccumulatorShapes, FusedReluEqualsUnfused) {
  const auto [rows, cols] = std::get<0>(GetParam());
  const Eigen::MatrixXf z = sample(rows, cols, rows >= 8);
  Eigen::MatrixXf h(rows, cols);
  TensorAccumulator pre;
  TensorAccumulator post;
  pre.resize(rows);
  post.resize(rows);
  std::vector<double> pre_sq(static_cast<std::size_t>(cols));
  std::vector<double> post_sq(pre_sq.size());
  stats_pass_with(isa(), pre, &post, z.data(), h.data(), cols, pre_sq.data(), post_sq.data(), 0, 1);
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

// The public entry points run the best kernel: same sums as the reference.
TEST(Accumulator, AddAndAddReluUseAnAvailableKernel) {
  EXPECT_TRUE(stats_pass_available(best_stats_pass()));
  const Eigen::MatrixXf z = sample(37, 70, true);
  Eigen::MatrixXf h(37, 70);
  TensorAccumulator a;
  TensorAccumulator pre;
  TensorAccumulator post;
  for (TensorAccumulator* t : {&a, &pre, &post}) t->resize(37);
  std::vector<double> a_sq(70);
  std::vector<double> pre_sq(70);
  std::vector<double> post_sq(70);
  a.add(z.data(), 70, a_sq.data(), 0, 1);
  add_relu(pre, post, z.data(), h.data(), 70, pre_sq.data(), post_sq.data(), 0, 1);
  expect_matches(a, a_sq, Reference(z));
  expect_matches(pre, pre_sq, Reference(z));
  expect_matches(post, post_sq, Reference((z.array() < 0.0f).select(0.0f, z)));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, AccumulatorShapes,
    ::testing::Combine(::testing::Values(Shape{3, 4}, Shape{9, 5}, Shape{64, 70}, Shape{37, 130},
                                         Shape{56, 66}, Shape{301, 9}),
                       ::testing::Values(StatsPassIsa::generic, StatsPassIsa::avx2,
                                         StatsPassIsa::avx512)));

}  // namespace
}  // namespace initcheck::engine::detail
