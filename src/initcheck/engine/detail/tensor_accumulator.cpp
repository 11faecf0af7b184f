#include "initcheck/engine/detail/tensor_accumulator.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <optional>
#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace initcheck::engine::detail {

void TensorAccumulator::resize(Eigen::Index rows) {
  row_sum.assign(static_cast<std::size_t>(rows), 0.0);
  row_sumsq.assign(static_cast<std::size_t>(rows), 0.0);
  reset();
}

void TensorAccumulator::reset() {
  std::fill(row_sum.begin(), row_sum.end(), 0.0);
  std::fill(row_sumsq.begin(), row_sumsq.end(), 0.0);
  min = std::numeric_limits<float>::infinity();
  max = -std::numeric_limits<float>::infinity();
  small = 0;
  columns = 0;
  nan_count = 0;
  inf_count = 0;
}

namespace {

// Native-width vectors (GCC/Clang vector extensions): kLanes doubles fill one register (zmm
// with AVX-512, ymm with AVX, xmm otherwise); the kLanes floats they come from fill half of one.
#if defined(__AVX512F__)
constexpr Eigen::Index kLanes = 8;
#elif defined(__AVX__)
constexpr Eigen::Index kLanes = 4;
#else
constexpr Eigen::Index kLanes = 2;
#endif
using FVec = float __attribute__((vector_size(4 * kLanes)));
using DVec = double __attribute__((vector_size(8 * kLanes)));
using IVec = std::int32_t __attribute__((vector_size(4 * kLanes)));

/// Rows per register tile: the per-row double sums of a tile (2·kParts registers) stay in
/// registers while the tile walks over a block of columns.
constexpr Eigen::Index kParts = 4;
constexpr Eigen::Index kTile = kParts * kLanes;
/// Columns per block: the per-column partial sums of squares of a block live on the stack.
constexpr Eigen::Index kColBlock = 64;

FVec load_floats(const float* p) {
  FVec v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
/// Widens kLanes floats to doubles with one instruction (GCC 12 splits __builtin_convertvector
/// into halves and re-inserts them).
DVec widen(const FVec& v) {
#if defined(__AVX512F__)
  // maskz form: GCC 12's _mm512_cvtps_pd reads an "undefined" source (-Wmaybe-uninitialized).
  return std::bit_cast<DVec>(_mm512_maskz_cvtps_pd(0xFF, std::bit_cast<__m256>(v)));
#elif defined(__AVX__)
  return std::bit_cast<DVec>(_mm256_cvtps_pd(std::bit_cast<__m128>(v)));
#else
  return __builtin_convertvector(v, DVec);
#endif
}
DVec load_doubles(const double* p) {
  DVec v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
void store_doubles(double* p, const DVec& v) {
  std::memcpy(p, &v, sizeof(v));
}

}  // namespace

namespace {

/// One tensor's running state inside a column block of accumulate().
struct BlockState {
  FVec mn;
  FVec mx;
  IVec small_lanes = IVec{};
  float mn_tail;
  float mx_tail;
  std::int64_t small_total = 0;
  DVec col_part[kColBlock];
  double col_tail[kColBlock];

  // col_part/col_tail are set per block by start_block (not zeroed here: this runs per chunk).
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init)
  explicit BlockState(const TensorAccumulator& a)
      : mn(FVec{} + a.min), mx(FVec{} + a.max), mn_tail(a.min), mx_tail(a.max) {}

  void start_block(Eigen::Index nb) {
    for (Eigen::Index j = 0; j < nb; ++j) {
      col_part[j] = DVec{};
      col_tail[j] = 0.0;
    }
    small_lanes = IVec{};
  }
  /// min, max, small count of one float vector.
  void add_extremes(const FVec& v) {
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
    small_lanes -= (v < 0.25f) & (v > -0.25f);  // true is −1
  }
  /// Scalar tail rows [full, rows) of column j of `x` (rows contiguous floats).
  void add_tail(TensorAccumulator& a, const float* x, Eigen::Index full, Eigen::Index rows,
                Eigen::Index j) {
    double* __restrict s = a.row_sum.data();
    double* __restrict ss = a.row_sumsq.data();
    double col = 0.0;
    for (Eigen::Index i = full; i < rows; ++i) {
      const float v = x[i];
      const double d = v;
      s[i] += d;
      ss[i] += d * d;
      col += d * d;
      mn_tail = std::min(mn_tail, v);
      mx_tail = std::max(mx_tail, v);
      small_total += std::abs(v) < 0.25f ? 1 : 0;
    }
    col_tail[j] = col;
  }
  /// Column totals of a finished block starting at `block` (nb columns of `rows` floats).
  void finish_block(TensorAccumulator& a, const float* block, Eigen::Index rows, Eigen::Index nb,
                    double* sample_sq_norms, Eigen::Index first, Eigen::Index columns_per_sample) {
    for (Eigen::Index k = 0; k < kLanes; ++k) small_total += small_lanes[k];
    for (Eigen::Index j = 0; j < nb; ++j) {
      // Lane sums in a fixed order, then the scalar tail rows.
      double col = 0.0;
      for (Eigen::Index k = 0; k < kLanes; ++k) col += col_part[j][k];
      col += col_tail[j];
      if (!std::isfinite(col)) {  // rare: some entry of the column is NaN or ±inf; count them
        const float* x = block + j * rows;
        for (Eigen::Index i = 0; i < rows; ++i) {
          if (std::isnan(x[i])) {
            ++a.nan_count;
          } else if (std::isinf(x[i])) {
            ++a.inf_count;
            mn_tail = std::min(mn_tail, x[i]);
            mx_tail = std::max(mx_tail, x[i]);
          }
        }
      }
      if (sample_sq_norms != nullptr) {
        const Eigen::Index c = first + j;
        sample_sq_norms[columns_per_sample == 1 ? c : c / columns_per_sample] += col;
      }
    }
  }
  void finish(TensorAccumulator& a, Eigen::Index cols) {
    for (Eigen::Index k = 0; k < kLanes; ++k) {
      mn_tail = std::min(mn_tail, mn[k]);
      mx_tail = std::max(mx_tail, mx[k]);
    }
    a.min = mn_tail;
    a.max = mx_tail;
    a.small += small_total;
    a.columns += cols;
  }
};

/// The statistics pass over `cols` columns of x (and, with kRelu, h = relu(x) written to `out`
/// and accumulated into `post` in the same pass). Register tiles: for each block of columns and
/// each tile of kTile rows, the row sums Σx and Σx² of the tile stay in registers (loaded from
/// and stored back to row_sum/row_sumsq, so every row is still summed sequentially over the
/// columns in order); each column's Σ_c x² is accumulated lane-wise in col_part; min, max and
/// the small count are vector reductions. Rows past the last full tile go through a scalar loop.
template <bool kRelu>
void accumulate(TensorAccumulator& pre, TensorAccumulator* post, const float* data, float* out,
                Eigen::Index cols, double* pre_norms, double* post_norms, Eigen::Index first_column,
                Eigen::Index columns_per_sample) {
  // Fused (two tensors) on AVX2 uses half tiles so both sets of sums fit in 16 registers.
  constexpr Eigen::Index kP = kRelu && kLanes == 4 ? kParts / 2 : kParts;
  constexpr Eigen::Index kT = kP * kLanes;
  const auto rows = static_cast<Eigen::Index>(pre.row_sum.size());
  const Eigen::Index full = rows / kT * kT;
  BlockState a(pre);
  std::optional<BlockState> b;
  if constexpr (kRelu) b.emplace(*post);
  for (Eigen::Index cb = 0; cb < cols; cb += kColBlock) {
    const Eigen::Index nb = std::min(kColBlock, cols - cb);
    a.start_block(nb);
    if constexpr (kRelu) b->start_block(nb);
    const float* block = data + cb * rows;
    float* out_block = kRelu ? out + cb * rows : nullptr;
    for (Eigen::Index r = 0; r < full; r += kT) {
      DVec s[kP];
      DVec ss[kP];
      DVec hs[kP];
      DVec hss[kP];
      for (Eigen::Index q = 0; q < kP; ++q) {
        s[q] = load_doubles(pre.row_sum.data() + r + kLanes * q);
        ss[q] = load_doubles(pre.row_sumsq.data() + r + kLanes * q);
        if constexpr (kRelu) {
          hs[q] = load_doubles(post->row_sum.data() + r + kLanes * q);
          hss[q] = load_doubles(post->row_sumsq.data() + r + kLanes * q);
        }
      }
      for (Eigen::Index j = 0; j < nb; ++j) {
        const float* x = block + j * rows + r;
        DVec col = DVec{};
        DVec hcol = DVec{};
        for (Eigen::Index q = 0; q < kP; ++q) {
          const FVec v = load_floats(x + kLanes * q);
          const DVec d = widen(v);
          const DVec d2 = d * d;  // exact: a float product fits in a double
          s[q] += d;
          ss[q] += d2;
          col += d2;
          a.add_extremes(v);
          if constexpr (kRelu) {
            const FVec h = v < 0.0f ? FVec{} : v;  // as the relu kernel: NaN and −0 pass through
            std::memcpy(out_block + j * rows + r + kLanes * q, &h, sizeof(h));
            const DVec hd = widen(h);
            const DVec hd2 = hd * hd;
            hs[q] += hd;
            hss[q] += hd2;
            hcol += hd2;
            b->add_extremes(h);
          }
        }
        a.col_part[j] += col;
        if constexpr (kRelu) b->col_part[j] += hcol;
      }
      for (Eigen::Index q = 0; q < kP; ++q) {
        store_doubles(pre.row_sum.data() + r + kLanes * q, s[q]);
        store_doubles(pre.row_sumsq.data() + r + kLanes * q, ss[q]);
        if constexpr (kRelu) {
          store_doubles(post->row_sum.data() + r + kLanes * q, hs[q]);
          store_doubles(post->row_sumsq.data() + r + kLanes * q, hss[q]);
        }
      }
    }
    if (full < rows) {
      for (Eigen::Index j = 0; j < nb; ++j) {
        const float* x = block + j * rows;
        a.add_tail(pre, x, full, rows, j);
        if constexpr (kRelu) {
          float* h = out_block + j * rows;
          for (Eigen::Index i = full; i < rows; ++i) h[i] = x[i] < 0.0f ? 0.0f : x[i];
          b->add_tail(*post, h, full, rows, j);
        }
      }
    }
    a.finish_block(pre, block, rows, nb, pre_norms, first_column + cb, columns_per_sample);
    if constexpr (kRelu) {
      b->finish_block(*post, out_block, rows, nb, post_norms, first_column + cb,
                      columns_per_sample);
    }
  }
  a.finish(pre, cols);
  if constexpr (kRelu) b->finish(*post, cols);
}

}  // namespace

void TensorAccumulator::add(const float* data, Eigen::Index cols, double* sample_sq_norms,
                            Eigen::Index first_column, Eigen::Index columns_per_sample) {
  accumulate<false>(*this, nullptr, data, nullptr, cols, sample_sq_norms, nullptr, first_column,
                    columns_per_sample);
}

void add_relu(TensorAccumulator& pre, TensorAccumulator& post, const float* z, float* h,
              Eigen::Index cols, double* pre_sq_norms, double* post_sq_norms,
              Eigen::Index first_column, Eigen::Index columns_per_sample) {
  accumulate<true>(pre, &post, z, h, cols, pre_sq_norms, post_sq_norms, first_column,
                   columns_per_sample);
}

void TensorAccumulator::merge(const TensorAccumulator& other) {
  for (std::size_t i = 0; i < row_sum.size(); ++i) {
    row_sum[i] += other.row_sum[i];
    row_sumsq[i] += other.row_sumsq[i];
  }
  min = std::min(min, other.min);
  max = std::max(max, other.max);
  small += other.small;
  columns += other.columns;
  nan_count += other.nan_count;
  inf_count += other.inf_count;
}

TensorStats TensorAccumulator::stats() const {
  TensorStats t;
  const auto rows = static_cast<std::int64_t>(row_sum.size());
  t.rows = rows;
  t.count = rows * columns;
  t.nan_count = nan_count;
  t.inf_count = inf_count;
  if (t.count == 0) return t;
  const auto n = static_cast<double>(columns);
  double sum = 0.0;
  double sumsq = 0.0;
  double sq_mean = 0.0;
  double var_sum = 0.0;
  double max_abs_mean = 0.0;
  double min_var = std::numeric_limits<double>::infinity();
  double max_var = -std::numeric_limits<double>::infinity();
  for (std::size_t c = 0; c < row_sum.size(); ++c) {
    sum += row_sum[c];
    sumsq += row_sumsq[c];
    const double mu = row_sum[c] / n;
    const double var = std::max(row_sumsq[c] / n - mu * mu, 0.0);
    sq_mean += mu * mu;
    var_sum += var;
    max_abs_mean = std::max(max_abs_mean, std::abs(mu));
    min_var = std::min(min_var, var);
    max_var = std::max(max_var, var);
  }
  const auto count = static_cast<double>(t.count);
  t.mean = sum / count;
  t.second_moment = sumsq / count;
  t.variance = t.second_moment - t.mean * t.mean;
  t.min = min;
  t.max = max;
  t.frac_small = static_cast<double>(small) / count;
  t.channel_sq_mean = sq_mean / static_cast<double>(rows);
  t.channel_variance = var_sum / static_cast<double>(rows);
  t.max_abs_channel_mean = max_abs_mean;
  t.min_channel_variance = min_var;
  t.max_channel_variance = max_var;
  if (nan_count > 0 || inf_count > 0) {  // std::max above drops NaNs; make them visible
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (nan_count > 0) t.mean = t.second_moment = t.variance = nan;
    if (!std::isfinite(t.variance)) t.variance = nan;
  }
  return t;
}

}  // namespace initcheck::engine::detail
