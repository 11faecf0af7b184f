#include "initcheck/precision/rounding.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <vector>

#include "initcheck/precision/detail/kernel_isa.hpp"
#include "initcheck/rng/engine.hpp"

// Counts global allocations so the hot path can be shown not to allocate. A replacement global
// operator new needs a mutable global counter and malloc/free, hence the NOLINTs.
namespace {
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
std::atomic<std::int64_t> g_allocations{0};
}  // namespace
[[gnu::noinline]] void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  // NOLINTNEXTLINE(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept {
  std::free(p);  // NOLINT(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)
}
[[gnu::noinline]] void operator delete(void* p, std::size_t /*size*/) noexcept {
  std::free(p);  // NOLINT(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)
}

namespace initcheck::precision {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

float p2(int e) {
  return std::ldexp(1.0f, e);
}
std::uint32_t bits(float x) {
  return std::bit_cast<std::uint32_t>(x);
}
float from_bits(std::uint32_t u) {
  return std::bit_cast<float>(u);
}
float h(float x) {
  return round_to_format(Format::fp16, x);
}
float b(float x) {
  return round_to_format(Format::bf16, x);
}

// Every comparison below is exact (EXPECT_EQ on floats or on bit patterns): rounding is exact by
// definition, so any tolerance would hide a bug.

TEST(RoundFp16, TiesToEven) {
  EXPECT_EQ(h(1.0f + p2(-11)), 1.0f);               // tie between 1 (even) and 1 + 2⁻¹⁰
  EXPECT_EQ(h(1.0f + 3 * p2(-11)), 1.0f + p2(-9));  // tie between 1 + 2⁻¹⁰ (odd) and 1 + 2⁻⁹
  EXPECT_EQ(h(1.0f + p2(-11) + p2(-23)), 1.0f + p2(-10));  // just above the tie
  EXPECT_EQ(h(2049.0f), 2048.0f);                          // ulp 2 at [2048, 4096): tie → even
  EXPECT_EQ(h(2051.0f), 2052.0f);
}

TEST(RoundFp16, OverflowBoundary) {
  EXPECT_EQ(h(65504.0f), 65504.0f);
  EXPECT_EQ(h(65519.99f), 65504.0f);
  EXPECT_EQ(h(std::nextafter(65520.0f, 0.0f)), 65504.0f);
  EXPECT_EQ(h(65520.0f), kInf);  // tie between 65504 (odd mantissa) and 2¹⁶ (even) → inf
  EXPECT_EQ(h(1e10f), kInf);
  EXPECT_EQ(h(std::numeric_limits<float>::max()), kInf);
  EXPECT_EQ(h(-65520.0f), -kInf);
  EXPECT_EQ(h(-65504.0f), -65504.0f);
}

TEST(RoundFp16, SubnormalRange) {
  EXPECT_EQ(h(p2(-14)), p2(-14));  // min normal
  EXPECT_EQ(h(p2(-24)), p2(-24));  // min subnormal
  EXPECT_EQ(h(p2(-25)), 0.0f);     // tie with 0 → 0 (even)
  EXPECT_EQ(h(p2(-25) * 1.0001f), p2(-24));
  EXPECT_EQ(h(p2(-24) * 1.5f), p2(-23));  // tie between 1 and 2 quanta → 2
  EXPECT_EQ(h(p2(-24) * 2.5f), p2(-23));  // tie between 2 and 3 → 2
  EXPECT_EQ(h(p2(-24) * 3.5f), p2(-22));  // tie between 3 and 4 → 4
  EXPECT_EQ(h(p2(-26)), 0.0f);
  EXPECT_EQ(h(p2(-149)), 0.0f);     // fp32 subnormal input
  for (int q = 1; q < 1024; ++q) {  // every fp16 subnormal is kept
    const float v = static_cast<float>(q) * p2(-24);
    ASSERT_EQ(h(v), v) << q;
    ASSERT_EQ(h(-v), -v) << q;
  }
  EXPECT_EQ(h(1023.5f * p2(-24)), p2(-14));  // largest subnormal + ½ quantum → min normal
  EXPECT_EQ(h(std::nextafter(p2(-14), 0.0f)), p2(-14));
}

TEST(RoundFp16, NegativeSymmetric) {
  for (const float x : {1.0f + p2(-11), 1.0f + 3 * p2(-11), 65519.99f, p2(-25) * 1.0001f,
                        p2(-24) * 1.5f, 0.1f, 3.14159265f, 1e-5f}) {
    EXPECT_EQ(bits(h(-x)), bits(h(x)) | 0x80000000u) << x;
  }
}

TEST(RoundBf16, KnownAnswers) {
  EXPECT_EQ(b(3.3895314e38f), 3.3895314e38f);           // max 0x7f7f
  EXPECT_EQ(b(from_bits(0x7f7f7fffu)), 3.3895314e38f);  // below the tie
  EXPECT_EQ(b(from_bits(0x7f7f8000u)), kInf);           // tie: 0x7f7f is odd → inf
  EXPECT_EQ(b(std::numeric_limits<float>::max()), kInf);
  EXPECT_EQ(b(1.0f + p2(-8)), 1.0f);               // tie → even
  EXPECT_EQ(b(1.0f + 3 * p2(-8)), 1.0f + p2(-6));  // tie → even (up)
  EXPECT_EQ(b(1.0f + p2(-8) + p2(-23)), 1.0f + p2(-7));
  EXPECT_EQ(b(p2(-133)), p2(-133));                // min subnormal
  EXPECT_EQ(b(p2(-134)), 0.0f);                    // tie with 0 → 0
  EXPECT_EQ(b(3 * p2(-134)), p2(-132));            // tie 1 ↔ 2 quanta → 2
  EXPECT_EQ(b(from_bits(0x007fffffu)), p2(-126));  // largest fp32 subnormal → min normal
  EXPECT_EQ(b(-1.0f - 3 * p2(-8)), -1.0f - p2(-6));
}

TEST(Rounding, SpecialValuesKept) {
  for (const Format f : {Format::fp32, Format::bf16, Format::fp16}) {
    EXPECT_EQ(round_to_format(f, kInf), kInf);
    EXPECT_EQ(round_to_format(f, -kInf), -kInf);
    EXPECT_EQ(bits(round_to_format(f, -0.0f)), 0x80000000u);
    EXPECT_EQ(bits(round_to_format(f, 0.0f)), 0u);
    EXPECT_EQ(round_to_format(f, 1.0f), 1.0f);
  }
}

// A NaN whose payload lives only in the low bits would become inf under plain truncation.
TEST(Rounding, NanStaysNan) {
  for (const std::uint32_t u : {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0xff800001u, 0x7f800fffu,
                                0x7f801000u, 0x7f80ffffu, 0x7fbfffffu, 0x7fffffffu}) {
    for (const Format f : {Format::fp32, Format::bf16, Format::fp16}) {
      const float r = round_to_format(f, from_bits(u));
      EXPECT_TRUE(std::isnan(r)) << std::hex << u;
      EXPECT_EQ(bits(r) >> 31, u >> 31) << std::hex << u;  // sign kept
      std::vector<float> v(37, from_bits(u));              // the vector kernels too
      round_to_format(f, std::span<float>(v));
      for (const float x : v) ASSERT_EQ(bits(x), bits(r));
    }
  }
  EXPECT_EQ(bits(round_to_format(Format::fp32, from_bits(0x7f800001u))),
            0x7f800001u);                                   // fp32: untouched
  EXPECT_EQ(bits(h(from_bits(0x7f800001u))), 0x7fc00000u);  // quieted, payload truncated
  EXPECT_EQ(bits(b(from_bits(0xff8000ffu))), 0xffc00000u);
}

struct CraftedCase {
  Format format;
  PrecisionEvents expected;
};

TEST(Rounding, CountersOnCraftedArray) {
  const std::vector<float> input = {0.0f,  -0.0f, 1.0f,     1e-8f, -1e-6f,  7e4f,     kInf,
                                    -kInf, NAN,   p2(-130), 65504, 3.4e38f, -p2(-140)};
  // fp16: 1e-8 < 2⁻²⁵ and the two fp32 subnormals flush; 1e-6 is fp16-subnormal; 7e4 and 3.4e38
  // overflow. bf16: 2⁻¹³⁰ is a bf16 subnormal, 2⁻¹⁴⁰ < 2⁻¹³⁴ flushes, 3.4e38 > max + ulp/2
  // overflows. fp32: nothing changes, the two fp32 subnormals are counted. Exact zeros never count.
  const std::vector<CraftedCase> cases = {
      {Format::fp16, {13, 3, 1, 2, 4, 1}},
      {Format::bf16, {13, 1, 1, 1, 3, 1}},
      {Format::fp32, {13, 0, 2, 0, 2, 1}},
  };
  for (const CraftedCase& c : cases) {
    SCOPED_TRACE(std::string(format_name(c.format)));
    std::vector<float> data = input;
    const PrecisionEvents ev = round_to_format(c.format, std::span<float>(data));
    EXPECT_EQ(ev, c.expected);
    EXPECT_EQ(ev.underflow(), c.expected.flushed_to_zero + c.expected.subnormal);
    for (std::size_t i = 0; i < input.size(); ++i) {
      EXPECT_EQ(bits(data[i]), bits(round_to_format(c.format, input[i]))) << i;
    }
  }
}

TEST(Rounding, EventsAccumulate) {
  PrecisionEvents a{10, 1, 2, 3, 4, 5};
  const PrecisionEvents c{1, 1, 1, 1, 1, 1};
  a += c;
  EXPECT_EQ(a, (PrecisionEvents{11, 2, 3, 4, 5, 6}));
  EXPECT_EQ(a + c, (PrecisionEvents{12, 3, 4, 5, 6, 7}));
}

// Events computed from their definitions, element by element, from the scalar results.
PrecisionEvents count_by_definition(Format f, const std::vector<float>& in) {
  const float min_normal = format_limits(f).min_normal;
  PrecisionEvents ev;
  for (const float x : in) {
    const float r = round_to_format(f, x);
    ++ev.total;
    ev.nan += std::isnan(x) ? 1 : 0;
    ev.infinite += std::isinf(r) ? 1 : 0;
    ev.overflow += std::isfinite(x) && std::isinf(r) ? 1 : 0;
    ev.flushed_to_zero += x != 0 && !std::isnan(x) && r == 0 ? 1 : 0;
    ev.subnormal += r != 0 && std::fabs(r) < min_normal ? 1 : 0;
  }
  return ev;
}

// Random bit patterns over the whole float range, mixed with values near the fp16 range; every
// compiled kernel (generic / AVX2 / AVX-512, whichever the CPU runs) must agree bit for bit with
// the scalar function, and its counters with the definitions. The odd length exercises loop tails.
TEST(Rounding, VectorKernelsMatchScalarAndDefinitions) {
  rng::Engine engine(2024);
  std::vector<float> input(100'003);
  for (std::size_t i = 0; i < input.size(); ++i) {
    const std::uint32_t u = engine.next_u32();
    // Half: uniform bit patterns; half: exponent field in [90, 153] (fp16 subnormal..overflow).
    input[i] = from_bits(i % 2 == 0 ? u : (u & 0x807fffffu) | ((90u + (u >> 23) % 64u) << 23));
  }
  using detail::KernelIsa;
  int tested = 0;
  for (const KernelIsa isa :
       {KernelIsa::generic, KernelIsa::avx2, KernelIsa::avx512, KernelIsa::avx512_f16c}) {
    if (!detail::kernel_isa_available(isa)) continue;
    ++tested;
    for (const Format f : {Format::fp32, Format::bf16, Format::fp16}) {
      SCOPED_TRACE(std::string(format_name(f)) + " isa " + std::to_string(static_cast<int>(isa)));
      std::vector<float> data = input;
      const PrecisionEvents ev = detail::round_to_format_with(isa, f, std::span<float>(data));
      EXPECT_EQ(ev, count_by_definition(f, input));
      for (std::size_t i = 0; i < input.size(); ++i) {
        ASSERT_EQ(bits(data[i]), bits(round_to_format(f, input[i]))) << std::hex << bits(input[i]);
      }
    }
  }
  EXPECT_GE(tested, 1);
}

TEST(Rounding, EigenOverloadHandlesStridedBlocks) {
  Eigen::MatrixXf m(7, 5);
  for (Eigen::Index j = 0; j < m.cols(); ++j) {
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      m(i, j) = 1.0f + static_cast<float>(i * 5 + j) * 1e-4f;
    }
  }
  const Eigen::MatrixXf original = m;
  const PrecisionEvents ev = round_to_format(Format::fp16, m.block(1, 1, 4, 3));
  EXPECT_EQ(ev.total, 12);
  for (Eigen::Index j = 0; j < m.cols(); ++j) {
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      const bool inside = i >= 1 && i < 5 && j >= 1 && j < 4;
      EXPECT_EQ(m(i, j), inside ? h(original(i, j)) : original(i, j)) << i << "," << j;
    }
  }
  Eigen::MatrixXf whole = original;
  EXPECT_EQ(round_to_format(Format::bf16, whole).total, 35);
  EXPECT_EQ(whole(6, 4), b(original(6, 4)));
}

TEST(Rounding, HotPathDoesNotAllocate) {
  std::vector<float> data(std::size_t{1024} * 256, 0.3f);
  Eigen::MatrixXf m = Eigen::MatrixXf::Constant(64, 32, 0.3f);
  const std::int64_t before = g_allocations.load();
  std::int64_t total = 0;
  for (const Format f : {Format::fp32, Format::bf16, Format::fp16}) {
    total += round_to_format(f, std::span<float>(data)).total;
    total += round_to_format(f, m.block(0, 0, 10, 10)).total;
  }
  EXPECT_EQ(g_allocations.load(), before);
  EXPECT_EQ(total, 3 * (1024 * 256 + 100));
}

}  // namespace
}  // namespace initcheck::precision
