#include "initcheck/nn/detail/gemm_avx512.hpp"

#include <algorithm>
#include <stdexcept>

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define INITCHECK_NN_AVX512_GEMM 1
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
// GCC 12 bug 105593: its unmasked AVX-512 intrinsics read self-initialized "undefined" vectors
// and warn about them; set before the include.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
/// Compiles one function for AVX-512F whatever the build's -march; only run when
/// avx512_gemm_available(). Functions without it (Eigen's, the helpers) keep the build's ISA,
/// so no inline function shared with other translation units is emitted with AVX-512 code.
#define INITCHECK_AVX512 [[gnu::target("avx512f")]]
#else
#define INITCHECK_NN_AVX512_GEMM 0
#endif

namespace initcheck::nn::detail {
namespace {

using Eigen::Index;

constexpr Index kMr = 32;   ///< rows of the register tile (two zmm)
constexpr Index kNr = 8;    ///< columns of the register tile
constexpr Index kKc = 256;  ///< k-block: a 32 × kc and a kc × 8 panel stay in L1
constexpr Index kMc = 256;  ///< row block: the packed mc × kc block of a stays in L2
// Blocking measured on the development machine (Zen 5, 48 KiB L1d, 1 MiB L2; depth-50 chains,
// batch 256): NR 8 beat 12 and 14; (kc, mc) = (256, 256) beat (384, 128) and (512, 128) at
// widths 64, 1024 and 2048 and was within 6 % of them at 256.

Index round_up(Index x, Index to) {
  return (x + to - 1) / to * to;
}

Index group_cols(std::span<const Index> starts, int g) {
  return starts[static_cast<std::size_t>(g) + 1] - starts[static_cast<std::size_t>(g)];
}

/// Floats of the packed b of groups first … last−1 for one k-block of kc rows.
Index packed_b_floats(std::span<const Index> starts, int first, int last, Index kc) {
  Index n = 0;
  for (int g = first; g < last; ++g) n += round_up(group_cols(starts, g), kNr);
  return n * kc;
}

#if INITCHECK_NN_AVX512_GEMM

/// Mask of the first `n` of 16 lanes (n clamped to [0, 16]).
__mmask16 lanes(Index n) {
  return n >= 16
             ? __mmask16{0xFFFF}
             : static_cast<__mmask16>((1U << static_cast<unsigned>(std::max<Index>(n, 0))) - 1U);
}

/// Packs rows [i0, i0+rows) × columns [p0, p0+kc) of a into 32-row panels, p-major, zero-padded.
/// Reads a column by column (contiguous, prefetch-friendly), writing one row of each panel.
INITCHECK_AVX512 void pack_a(const float* a, Index lda, Index i0, Index rows, Index p0, Index kc,
                             float* out) {
  const Index full = rows / kMr * kMr;
  const __mmask16 m0 = lanes(rows - full);
  const __mmask16 m1 = lanes(rows - full - 16);
  const float* src = a + i0 + p0 * lda;
  for (Index p = 0; p < kc; ++p, src += lda) {
    float* dst = out + p * kMr;
    Index r = 0;
    for (; r < full; r += kMr, dst += kMr * kc) {
      _mm512_storeu_ps(dst, _mm512_loadu_ps(src + r));
      _mm512_storeu_ps(dst + 16, _mm512_loadu_ps(src + r + 16));
    }
    if (r < rows) {
      _mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(m0, src + r));
      _mm512_storeu_ps(dst + 16, _mm512_maskz_loadu_ps(m1, src + r + 16));
    }
  }
}

/// out[8·i + q] = src[p + i + q·ldb] for i, q < 8: the 8 × 8 block of 8 columns, transposed in
/// registers (unpack, shuffle, 128-bit permute) into 64 contiguous floats.
INITCHECK_AVX512 [[gnu::always_inline]] inline void transpose_8x8(const float* src, Index ldb,
                                                                  float* out) {
  __m256 r[8];
  for (Index q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(src + q * ldb);
  __m256 t[8];
  for (Index q = 0; q < 8; q += 2) {
    t[q] = _mm256_unpacklo_ps(r[q], r[q + 1]);
    t[q + 1] = _mm256_unpackhi_ps(r[q], r[q + 1]);
  }
  __m256 s[8];
  for (Index q = 0; q < 8; q += 4) {
    s[q] = _mm256_shuffle_ps(t[q], t[q + 2], _MM_SHUFFLE(1, 0, 1, 0));
    s[q + 1] = _mm256_shuffle_ps(t[q], t[q + 2], _MM_SHUFFLE(3, 2, 3, 2));
    s[q + 2] = _mm256_shuffle_ps(t[q + 1], t[q + 3], _MM_SHUFFLE(1, 0, 1, 0));
    s[q + 3] = _mm256_shuffle_ps(t[q + 1], t[q + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (Index i = 0; i < 4; ++i) {
    _mm256_storeu_ps(out + 8 * i, _mm256_permute2f128_ps(s[i], s[i + 4], 0x20));
    _mm256_storeu_ps(out + 8 * (i + 4), _mm256_permute2f128_ps(s[i], s[i + 4], 0x31));
  }
}

/// Packs rows [p0, p0+kc) × columns [j0, j0+cols) of b into 8-column panels, p-major,
/// zero-padded. Full panels go through 8 × 8 register transposes (scalar strided stores took
/// ≈ 6 % of a transformer block's forward).
INITCHECK_AVX512 void pack_b(const float* b, Index ldb, Index p0, Index kc, Index j0, Index cols,
                             float* out) {
  static_assert(kNr == 8, "transpose_8x8 fills 8-column panels");
  for (Index j = 0; j < cols; j += kNr, out += kNr * kc) {
    const Index n = std::min(kNr, cols - j);
    const float* src = b + p0 + (j0 + j) * ldb;
    if (n == kNr) {
      Index p = 0;
      for (; p + 8 <= kc; p += 8) transpose_8x8(src + p, ldb, out + p * kNr);
      for (; p < kc; ++p) {
        for (Index q = 0; q < kNr; ++q) out[p * kNr + q] = src[p + q * ldb];
      }
      continue;
    }
    for (Index q = 0; q < kNr; ++q, src += ldb) {
      if (q < n) {
        for (Index p = 0; p < kc; ++p) out[p * kNr + q] = src[p];
      } else {
        for (Index p = 0; p < kc; ++p) out[p * kNr + q] = 0.0F;
      }
    }
  }
}

/// c tile (rows × cols ≤ 32 × 8) = (first ? 0 : c) + Σ_p a_panel(:, p)·b_panel(p, :).
INITCHECK_AVX512 void tile(Index kc, const float* ap, const float* bp, float* c, Index ldc,
                           Index rows, Index cols, bool first) {
  __m512 lo[kNr];
  __m512 hi[kNr];
  for (Index j = 0; j < kNr; ++j) {
    lo[j] = _mm512_setzero_ps();
    hi[j] = _mm512_setzero_ps();
  }
  for (Index p = 0; p < kc; ++p, ap += kMr, bp += kNr) {
    const __m512 a0 = _mm512_loadu_ps(ap);
    const __m512 a1 = _mm512_loadu_ps(ap + 16);
#pragma GCC unroll 8
    for (Index j = 0; j < kNr; ++j) {
      const __m512 bj = _mm512_set1_ps(bp[j]);
      lo[j] = _mm512_fmadd_ps(a0, bj, lo[j]);
      hi[j] = _mm512_fmadd_ps(a1, bj, hi[j]);
    }
  }
  const __mmask16 m0 = lanes(rows);
  const __mmask16 m1 = lanes(rows - 16);
#pragma GCC unroll 8
  for (Index j = 0; j < kNr; ++j, c += ldc) {
    if (j >= cols) break;
    if (!first) {
      lo[j] = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, c), lo[j]);
      hi[j] = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, c + 16), hi[j]);
    }
    _mm512_mask_storeu_ps(c, m0, lo[j]);
    _mm512_mask_storeu_ps(c + 16, m1, hi[j]);
  }
}

/// The kernel on raw column-major operands (leading dimensions lda, ldb, ldc).
INITCHECK_AVX512 void column_groups(const float* a, Index lda, const float* b, Index ldb, float* c,
                                    Index ldc, Index m, Index k, std::span<const Index> starts,
                                    int first, int last, float* workspace) {
  float* packed_a = workspace;
  float* packed_b = workspace + round_up(std::min(m, kMc), kMr) * std::min(k, kKc);
  for (Index p0 = 0; p0 < k; p0 += kKc) {
    const Index kc = std::min(kKc, k - p0);
    float* out = packed_b;
    for (int g = first; g < last; ++g) {
      pack_b(b, ldb, p0, kc, starts[static_cast<std::size_t>(g)], group_cols(starts, g), out);
      out += round_up(group_cols(starts, g), kNr) * kc;
    }
    for (Index i0 = 0; i0 < m; i0 += kMc) {
      const Index mc = std::min(kMc, m - i0);
      pack_a(a, lda, i0, mc, p0, kc, packed_a);
      const float* bp = packed_b;
      for (int g = first; g < last; ++g) {
        const Index c0 = starts[static_cast<std::size_t>(g)];
        const Index cols = group_cols(starts, g);
        for (Index j = 0; j < cols; j += kNr, bp += kNr * kc) {
          for (Index r = 0; r < mc; r += kMr) {
            tile(kc, packed_a + r * kc, bp, c + (i0 + r) + (c0 + j) * ldc, ldc,
                 std::min(kMr, mc - r), std::min(kNr, cols - j), p0 == 0);
          }
        }
      }
    }
  }
}

#else  // never called: avx512_gemm_available() is false

void column_groups(const float* /*a*/, Index /*lda*/, const float* /*b*/, Index /*ldb*/,
                   float* /*c*/, Index /*ldc*/, Index /*m*/, Index /*k*/,
                   std::span<const Index> /*starts*/, int /*first*/, int /*last*/,
                   float* /*workspace*/) {}

#endif  // INITCHECK_NN_AVX512_GEMM

}  // namespace

bool avx512_gemm_available() {
#if INITCHECK_NN_AVX512_GEMM
  static const bool available = [] {
    __builtin_cpu_init();
    return static_cast<bool>(__builtin_cpu_supports("avx512f"));  // also: the OS saves zmm
  }();
  return available;
#else
  return false;
#endif
}

Index avx512_gemm_workspace(Index m, Index k, std::span<const Index> starts, int first, int last) {
  const Index kc = std::min(k, kKc);
  return round_up(std::min(m, kMc), kMr) * kc + packed_b_floats(starts, first, last, kc);
}

void avx512_gemm_column_groups(const Eigen::Ref<const Eigen::MatrixXf>& a,
                               const Eigen::Ref<const Eigen::MatrixXf>& b,
                               Eigen::Ref<Eigen::MatrixXf> c, std::span<const Index> starts,
                               int first, int last, float* workspace) {
  if (!avx512_gemm_available()) {
    throw std::logic_error("avx512_gemm_column_groups: this CPU or build has no AVX-512F");
  }
  column_groups(a.data(), a.outerStride(), b.data(), b.outerStride(), c.data(), c.outerStride(),
                a.rows(), a.cols(), starts, first, last, workspace);
}

}  // namespace initcheck::nn::detail
