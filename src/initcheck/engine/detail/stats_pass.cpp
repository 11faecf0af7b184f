#include "initcheck/engine/detail/stats_pass.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define INITCHECK_ENGINE_X86_STATS_PASS 1
#include <immintrin.h>
#else
#define INITCHECK_ENGINE_X86_STATS_PASS 0
#endif

namespace initcheck::engine::detail {
namespace {

using Eigen::Index;

/// Lanes of a column's Σ_c x² (the summation order every kernel keeps, stats_pass.hpp).
constexpr Index kLanes = 8;
/// Columns per block: the per-column lane sums of a block live on the stack.
constexpr Index kColBlock = 64;

/// Vector types of W doubles (one register) and the W floats / int32 they come from (GCC/Clang
/// vector extensions). Helpers take vectors by reference and are always inlined, so each kernel
/// compiles them for its own instruction set.
template <int W>
struct Vec;
template <>
struct Vec<2> {
  using F = float __attribute__((vector_size(8)));
  using D = double __attribute__((vector_size(16)));
  using I = std::int32_t __attribute__((vector_size(8)));
};
template <>
struct Vec<4> {
  using F = float __attribute__((vector_size(16)));
  using D = double __attribute__((vector_size(32)));
  using I = std::int32_t __attribute__((vector_size(16)));
};
template <>
struct Vec<8> {
  using F = float __attribute__((vector_size(32)));
  using D = double __attribute__((vector_size(64)));
  using I = std::int32_t __attribute__((vector_size(32)));
};

/// Widens W floats to W doubles with one instruction. GCC 12 splits __builtin_convertvector
/// into halves and re-inserts them, so on GCC x86 the conversion builtins (not their intrinsic
/// wrappers: a builtin's instruction set is checked where it ends up after inlining, in the
/// kernel with the target attribute; an intrinsic's where it is called).
template <int W>
[[gnu::always_inline]] inline void widen(const typename Vec<W>::F& v, typename Vec<W>::D& d) {
#if INITCHECK_ENGINE_X86_STATS_PASS && !defined(__clang__)
#pragma GCC diagnostic push
// "AVX vector return without AVX enabled changes the ABI": never called, only inlined.
#pragma GCC diagnostic ignored "-Wpsabi"
  if constexpr (W == 8) {
    d = reinterpret_cast<Vec<8>::D>(__builtin_ia32_cvtps2pd512_mask(
        reinterpret_cast<__v8sf>(v), __v8df{}, -1 /* all 8 lanes */, _MM_FROUND_CUR_DIRECTION));
    return;
  } else if constexpr (W == 4) {
    d = reinterpret_cast<Vec<4>::D>(__builtin_ia32_cvtps2pd256(reinterpret_cast<__v4sf>(v)));
    return;
  }
#pragma GCC diagnostic pop
#endif
  d = __builtin_convertvector(v, typename Vec<W>::D);
}

template <typename V>
[[gnu::always_inline]] inline void load(V& v, const void* p) {
  std::memcpy(&v, p, sizeof(v));
}
template <typename V>
[[gnu::always_inline]] inline void store(void* p, const V& v) {
  std::memcpy(p, &v, sizeof(v));
}

/// min, max and the small count (|x| < 0.25) of the vectors seen, lane-wise.
template <int W>
struct Extremes {
  using F = typename Vec<W>::F;
  using I = typename Vec<W>::I;
  F mn;
  F mx;
  I small;

  [[gnu::always_inline]] void add(const F& v) {
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
    small -= (v < 0.25f) & (v > -0.25f);  // true is −1
  }
};

/// One tensor's running state inside a column block of the pass.
template <int W>
struct BlockState {
  using F = typename Vec<W>::F;
  using I = typename Vec<W>::I;
  Extremes<W> lanes;  ///< copied to locals by each tile, so they stay in registers there
  float mn_tail;
  float mx_tail;
  std::int64_t small_total = 0;
  alignas(64) double col_lane[kColBlock][kLanes];
  double col_tail[kColBlock];

  // col_lane/col_tail are set per block by start_block (not zeroed here: this runs per chunk).
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init)
  [[gnu::always_inline]] explicit BlockState(const TensorAccumulator& a)
      : lanes{F{} + a.min, F{} + a.max, I{}}, mn_tail(a.min), mx_tail(a.max) {}

  [[gnu::always_inline]] void start_block(Index nb) {
    for (Index j = 0; j < nb; ++j) {
      for (Index k = 0; k < kLanes; ++k) col_lane[j][k] = 0.0;
      col_tail[j] = 0.0;
    }
    lanes.small = I{};
  }
  /// Scalar tail rows [full, rows) of column j of `x` (rows contiguous floats).
  [[gnu::always_inline]] void add_tail(TensorAccumulator& a, const float* x, Index full, Index rows,
                                       Index j) {
    double* __restrict s = a.row_sum.data();
    double* __restrict ss = a.row_sumsq.data();
    double col = 0.0;
    for (Index i = full; i < rows; ++i) {
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
  [[gnu::always_inline]] void finish_block(TensorAccumulator& a, const float* block, Index rows,
                                           Index nb, double* sample_sq_norms, Index first,
                                           Index columns_per_sample) {
    for (Index k = 0; k < W; ++k) small_total += lanes.small[k];
    for (Index j = 0; j < nb; ++j) {
      double col = 0.0;
      for (Index k = 0; k < kLanes; ++k) col += col_lane[j][k];
      col += col_tail[j];
      if (!std::isfinite(col)) {  // rare: some entry of the column is NaN or ±inf; count them
        const float* x = block + j * rows;
        for (Index i = 0; i < rows; ++i) {
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
        const Index c = first + j;
        sample_sq_norms[columns_per_sample == 1 ? c : c / columns_per_sample] += col;
      }
    }
  }
  [[gnu::always_inline]] void finish(TensorAccumulator& a, Index cols) {
    for (Index k = 0; k < W; ++k) {
      mn_tail = std::min(mn_tail, lanes.mn[k]);
      mx_tail = std::max(mx_tail, lanes.mx[k]);
    }
    a.min = mn_tail;
    a.max = mx_tail;
    a.small += small_total;
    a.columns += cols;
  }
};

/// One register tile: rows [r, r + 8·kP) over the nb columns of a block. The tile's row sums Σx
/// and Σx² stay in registers (loaded from and stored back to row_sum/row_sumsq, so every row is
/// still summed over the columns in order); each column's lane sums are loaded, extended by the
/// tile's rows in order and stored back; min, max and the small count are vector reductions.
/// With kRelu, h = relu(x) is written to `out_block` and accumulated into `post` / `b`.
template <int W, bool kRelu, Index kP>
[[gnu::always_inline]] inline void tile(BlockState<W>& a, BlockState<W>& b, TensorAccumulator& pre,
                                        TensorAccumulator* post, const float* block,
                                        float* out_block, Index rows, Index r, Index nb) {
  using F = typename Vec<W>::F;
  using D = typename Vec<W>::D;
  constexpr Index kSub = kLanes / W;  // registers per 8 rows
  constexpr Index kN = kP * kSub;     // registers per tile
  D s[kN];
  D ss[kN];
  D hs[kN];
  D hss[kN];
  Extremes<W> ea = a.lanes;
  Extremes<W> eb = b.lanes;
  for (Index q = 0; q < kN; ++q) {
    load(s[q], pre.row_sum.data() + r + W * q);
    load(ss[q], pre.row_sumsq.data() + r + W * q);
    if constexpr (kRelu) {
      load(hs[q], post->row_sum.data() + r + W * q);
      load(hss[q], post->row_sumsq.data() + r + W * q);
    }
  }
  for (Index j = 0; j < nb; ++j) {
    const float* x = block + j * rows + r;
    D col[kSub];
    D hcol[kSub];
    for (Index h = 0; h < kSub; ++h) {
      load(col[h], a.col_lane[j] + W * h);
      if constexpr (kRelu) load(hcol[h], b.col_lane[j] + W * h);
    }
    for (Index q = 0; q < kN; ++q) {  // q = 8-row part · kSub + sub-register: rows in order
      F v;
      load(v, x + W * q);
      D d;
      widen<W>(v, d);
      const D d2 = d * d;  // exact: a float product fits in a double
      s[q] += d;
      ss[q] += d2;
      col[q % kSub] += d2;
      ea.add(v);
      if constexpr (kRelu) {
        const F hv = v < 0.0f ? F{} : v;  // as the relu kernel: NaN and −0 pass through
        store(out_block + j * rows + r + W * q, hv);
        D hd;
        widen<W>(hv, hd);
        const D hd2 = hd * hd;
        hs[q] += hd;
        hss[q] += hd2;
        hcol[q % kSub] += hd2;
        eb.add(hv);
      }
    }
    for (Index h = 0; h < kSub; ++h) {
      store(a.col_lane[j] + W * h, col[h]);
      if constexpr (kRelu) store(b.col_lane[j] + W * h, hcol[h]);
    }
  }
  a.lanes = ea;
  b.lanes = eb;
  for (Index q = 0; q < kN; ++q) {
    store(pre.row_sum.data() + r + W * q, s[q]);
    store(pre.row_sumsq.data() + r + W * q, ss[q]);
    if constexpr (kRelu) {
      store(post->row_sum.data() + r + W * q, hs[q]);
      store(post->row_sumsq.data() + r + W * q, hss[q]);
    }
  }
}

/// The statistics pass with W-double registers; tiles of kP·8 rows, then 8-row tiles, then a
/// scalar loop over the last rows % 8 rows.
template <int W, bool kRelu, Index kP>
[[gnu::always_inline]] inline void pass(TensorAccumulator& pre, TensorAccumulator* post,
                                        const float* data, float* out, Index cols,
                                        double* pre_norms, double* post_norms, Index first_column,
                                        Index columns_per_sample) {
  const auto rows = static_cast<Index>(pre.row_sum.size());
  const Index big = rows / (kP * kLanes) * (kP * kLanes);
  const Index full = rows / kLanes * kLanes;
  BlockState<W> a(pre);
  BlockState<W> b(kRelu ? *post : pre);
  for (Index cb = 0; cb < cols; cb += kColBlock) {
    const Index nb = std::min(kColBlock, cols - cb);
    a.start_block(nb);
    if constexpr (kRelu) b.start_block(nb);
    const float* block = data + cb * rows;
    float* out_block = kRelu ? out + cb * rows : nullptr;
    for (Index r = 0; r < big; r += kP * kLanes) {
      tile<W, kRelu, kP>(a, b, pre, post, block, out_block, rows, r, nb);
    }
    for (Index r = big; r < full; r += kLanes) {
      tile<W, kRelu, 1>(a, b, pre, post, block, out_block, rows, r, nb);
    }
    if (full < rows) {
      for (Index j = 0; j < nb; ++j) {
        const float* x = block + j * rows;
        a.add_tail(pre, x, full, rows, j);
        if constexpr (kRelu) {
          float* h = out_block + j * rows;
          for (Index i = full; i < rows; ++i) h[i] = x[i] < 0.0f ? 0.0f : x[i];
          b.add_tail(*post, h, full, rows, j);
        }
      }
    }
    a.finish_block(pre, block, rows, nb, pre_norms, first_column + cb, columns_per_sample);
    if constexpr (kRelu) {
      b.finish_block(*post, out_block, rows, nb, post_norms, first_column + cb, columns_per_sample);
    }
  }
  a.finish(pre, cols);
  if constexpr (kRelu) b.finish(*post, cols);
}

/// Rows per register tile / 8: the tile's sums (2 or, fused, 4 vectors per W rows) plus the
/// column sums and extremes fit in the 16 (AVX2, SSE) or 32 (AVX-512) vector registers.
constexpr Index tile_parts(int w, bool relu) {
  if (w == 8) return 4;
  return w == 4 && !relu ? 2 : 1;
}

template <int W>
[[gnu::always_inline]] inline void dispatch_relu(TensorAccumulator& pre, TensorAccumulator* post,
                                                 const float* data, float* out, Index cols,
                                                 double* pre_norms, double* post_norms,
                                                 Index first_column, Index columns_per_sample) {
  if (post != nullptr) {
    pass<W, true, tile_parts(W, true)>(pre, post, data, out, cols, pre_norms, post_norms,
                                       first_column, columns_per_sample);
  } else {
    pass<W, false, tile_parts(W, false)>(pre, nullptr, data, nullptr, cols, pre_norms, nullptr,
                                         first_column, columns_per_sample);
  }
}

#if defined(__AVX512F__)
constexpr int kGenericWidth = 8;
#elif defined(__AVX__)
constexpr int kGenericWidth = 4;
#else
constexpr int kGenericWidth = 2;
#endif

using Kernel = void (*)(TensorAccumulator&, TensorAccumulator*, const float*, float*, Index,
                        double*, double*, Index, Index);

void stats_pass_generic(TensorAccumulator& pre, TensorAccumulator* post, const float* data,
                        float* out, Index cols, double* pre_norms, double* post_norms,
                        Index first_column, Index columns_per_sample) {
  dispatch_relu<kGenericWidth>(pre, post, data, out, cols, pre_norms, post_norms, first_column,
                               columns_per_sample);
}

#if INITCHECK_ENGINE_X86_STATS_PASS
[[gnu::target("avx2")]] void stats_pass_avx2(TensorAccumulator& pre, TensorAccumulator* post,
                                             const float* data, float* out, Index cols,
                                             double* pre_norms, double* post_norms,
                                             Index first_column, Index columns_per_sample) {
  dispatch_relu<4>(pre, post, data, out, cols, pre_norms, post_norms, first_column,
                   columns_per_sample);
}
[[gnu::target("avx512f")]] void stats_pass_avx512(TensorAccumulator& pre, TensorAccumulator* post,
                                                  const float* data, float* out, Index cols,
                                                  double* pre_norms, double* post_norms,
                                                  Index first_column, Index columns_per_sample) {
  dispatch_relu<8>(pre, post, data, out, cols, pre_norms, post_norms, first_column,
                   columns_per_sample);
}
#endif

Kernel kernel_for(StatsPassIsa isa) {
  switch (isa) {
#if INITCHECK_ENGINE_X86_STATS_PASS
    case StatsPassIsa::avx2: return stats_pass_avx2;
    case StatsPassIsa::avx512: return stats_pass_avx512;
#endif
    default: return stats_pass_generic;
  }
}

}  // namespace

bool stats_pass_available(StatsPassIsa isa) {
  switch (isa) {
    case StatsPassIsa::generic: return true;
#if INITCHECK_ENGINE_X86_STATS_PASS
    case StatsPassIsa::avx2:
      __builtin_cpu_init();
      return static_cast<bool>(__builtin_cpu_supports("avx2"));
    case StatsPassIsa::avx512:
      __builtin_cpu_init();
      return static_cast<bool>(__builtin_cpu_supports("avx512f"));  // also: the OS saves zmm
#endif
    default: return false;
  }
}

StatsPassIsa best_stats_pass() {
  static const StatsPassIsa best = [] {
    for (const StatsPassIsa isa : {StatsPassIsa::avx512, StatsPassIsa::avx2}) {
      if (stats_pass_available(isa)) return isa;
    }
    return StatsPassIsa::generic;
  }();
  return best;
}

void stats_pass(TensorAccumulator& pre, TensorAccumulator* post, const float* data, float* out,
                Index cols, double* pre_norms, double* post_norms, Index first_column,
                Index columns_per_sample) {
  static const Kernel kernel = kernel_for(best_stats_pass());
  kernel(pre, post, data, out, cols, pre_norms, post_norms, first_column, columns_per_sample);
}

void stats_pass_with(StatsPassIsa isa, TensorAccumulator& pre, TensorAccumulator* post,
                     const float* data, float* out, Index cols, double* pre_norms,
                     double* post_norms, Index first_column, Index columns_per_sample) {
  if (!stats_pass_available(isa)) {
    throw std::logic_error("stats_pass_with: this CPU or build lacks the requested kernel");
  }
  kernel_for(isa)(pre, post, data, out, cols, pre_norms, post_norms, first_column,
                  columns_per_sample);
}

}  // namespace initcheck::engine::detail
