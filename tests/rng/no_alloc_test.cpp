// The samplers work in fixed-size stack buffers: no heap allocation per call. Checked by
// replacing the global operator new of this test binary with a counting one.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <vector>

#include "initcheck/rng/distributions.hpp"

// A replacement operator new/delete must manage raw malloc memory; the checks below are moot.
// NOLINTBEGIN(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)
namespace {
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): the allocation counter.
std::atomic<std::size_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t /*size*/) noexcept {
  std::free(p);
}
// NOLINTEND(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)

namespace initcheck::rng {
namespace {

TEST(NoAlloc, FillsDoNotAllocate) {
  std::vector<float> xf(100003);
  std::vector<double> xd(1001);
  Engine e(1);
  const std::size_t before = g_allocations.load();
  fill_normal(e, std::span<float>(xf));
  fill_normal(e, std::span<double>(xd));
  fill_uniform(e, std::span<float>(xf), -1.0, 1.0);
  fill_truncated_normal(e, std::span<float>(xf), 1.0, 2.0);
  fill_truncated_normal(e, std::span<float>(xf), 1.0, 0.25);
  EXPECT_TRUE(std::isfinite(standard_normal(e)));
  EXPECT_EQ(g_allocations.load(), before);
  // The counter works (the volatile store keeps the allocation from being elided).
  void* volatile probe = ::operator new(16);
  ::operator delete(probe);
  EXPECT_EQ(g_allocations.load(), before + 1);
}

}  // namespace
}  // namespace initcheck::rng
