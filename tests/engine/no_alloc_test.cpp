// Network::forward (and backward) do not allocate after warm-up.
//
// Two mechanisms: (1) EIGEN_RUNTIME_NO_MALLOC with set_is_malloc_allowed(false) — only effective
// when eigen_assert is (i.e. without NDEBUG) and only for Eigen code compiled in this file; and
// (2) a counting malloc: this test binary interposes malloc/calloc/realloc (forwarding to glibc's
// __libc_* functions), so *every* heap allocation on any thread (Eigen, std::vector, operator
// new, the nn GEMM arena) during the measured call is counted. Disabled under sanitizers, which
// interpose malloc themselves.
#define EIGEN_RUNTIME_NO_MALLOC
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <span>

#include "initcheck/engine/network.hpp"
#include "initcheck/rng/distributions.hpp"
#include "test_support.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define INITCHECK_COUNTING_MALLOC 0
#else
#define INITCHECK_COUNTING_MALLOC 1
#endif

// The interposed allocator needs mutable global counters, glibc's reserved __libc_* entry points
// and glibc's (reserved) parameter names, which the definitions repeat to match stdlib.h.
// NOLINTBEGIN(cppcoreguidelines-avoid-non-const-global-variables,bugprone-reserved-identifier)
namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
[[maybe_unused]] void note() {  // unused when the allocator is not interposed
  if (g_counting.load(std::memory_order_relaxed)) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  }
}
}  // namespace

#if INITCHECK_COUNTING_MALLOC
extern "C" {
void* __libc_malloc(std::size_t __size);
void* __libc_calloc(std::size_t __nmemb, std::size_t __size);
void* __libc_realloc(void* __ptr, std::size_t __size);
void* __libc_memalign(std::size_t __alignment, std::size_t __size);
void* malloc(std::size_t __size) {
  note();
  return __libc_malloc(__size);
}
void* calloc(std::size_t __nmemb, std::size_t __size) {
  note();
  return __libc_calloc(__nmemb, __size);
}
void* realloc(void* __ptr, std::size_t __size) {
  note();
  return __libc_realloc(__ptr, __size);
}
void* aligned_alloc(std::size_t __alignment, std::size_t __size) {
  note();
  return __libc_memalign(__alignment, __size);
}
int posix_memalign(void** __memptr, std::size_t __alignment, std::size_t __size) {
  note();
  *__memptr = __libc_memalign(__alignment, __size);
  return *__memptr == nullptr ? 12 : 0;  // ENOMEM
}
}
#endif
// NOLINTEND(cppcoreguidelines-avoid-non-const-global-variables,bugprone-reserved-identifier)

namespace initcheck::engine {
namespace {

long allocations_during(const auto& f) {
  g_allocations.store(0);
  g_counting.store(true);
  Eigen::internal::set_is_malloc_allowed(false);
  f();
  Eigen::internal::set_is_malloc_allowed(true);
  g_counting.store(false);
  return g_allocations.load();
}

void check(const model::NetworkConfig& c, int threads, bool backward, bool pairs = false) {
#if !INITCHECK_COUNTING_MALLOC
  GTEST_SKIP() << "counting malloc disabled under sanitizers";
#endif
  TraceOptions o;
  o.threads = threads;
  o.backward = backward;
  o.gram = true;
  o.pair_cosines = pairs;
  Network net(c, o, rng::Engine(1));
  rng::Engine e(2);
  const Eigen::MatrixXf x = make_input(c, e);
  const Eigen::MatrixXf r = Eigen::MatrixXf::Ones(net.output_rows(), net.output_cols());
  Trace trace;
  net.forward(x, trace);  // warm-up: sizes the trace, grows per-thread GEMM arenas
  if (backward) net.backward(r, trace);
  net.forward(x, trace);
  if (backward) net.backward(r, trace);
  EXPECT_EQ(allocations_during([&] { net.forward(x, trace); }), 0);
  if (backward) {
    EXPECT_EQ(allocations_during([&] { net.backward(r, trace); }), 0);
  }
}

model::NetworkConfig make(model::Architecture arch, model::Norm norm, precision::Format format) {
  model::NetworkConfig c =
      testing::mlp_config(48, 3, 40, std::make_shared<testing::TorchUniformScheme>(true), "gelu");
  c.arch = arch;
  c.norm = norm;
  c.precision = format;
  if (arch == model::Architecture::conv) {
    c.widths = {3, 8, 8, 8};
    c.spatial = 8;
    c.batch = 6;
  }
  return c;
}

#if INITCHECK_COUNTING_MALLOC
TEST(EngineNoAlloc, CountingMallocSeesAllocations) {
  // Calibration: the counter does see an allocation (so 0 below means something).
  EXPECT_GE(allocations_during([] {
              Eigen::internal::set_is_malloc_allowed(true);
              std::vector<float> v(1000);
              v[3] = 1.0F;
              EXPECT_EQ(v[3], 1.0F);
            }),
            1);
}
#endif

TEST(EngineNoAlloc, MlpForwardBackward) {
  check(make(model::Architecture::mlp, model::Norm::none, precision::Format::fp32), 1, true);
}
TEST(EngineNoAlloc, MlpTwoThreadsFp16) {
  check(make(model::Architecture::mlp, model::Norm::none, precision::Format::fp16), 2, false);
}
TEST(EngineNoAlloc, MlpBatchNormTwoThreads) {
  check(make(model::Architecture::mlp, model::Norm::batchnorm, precision::Format::bf16), 2, true);
}
TEST(EngineNoAlloc, ConvLayerNorm) {
  check(make(model::Architecture::conv, model::Norm::layernorm, precision::Format::fp32), 2, true);
}
TEST(EngineNoAlloc, PairCosinesMlpConvResnet) {
  check(make(model::Architecture::mlp, model::Norm::none, precision::Format::fp16), 2, false, true);
  check(make(model::Architecture::conv, model::Norm::none, precision::Format::fp32), 2, false,
        true);
  check(make(model::Architecture::resnet, model::Norm::none, precision::Format::fp32), 1, false,
        true);
}
TEST(EngineNoAlloc, ResnetBatchNorm) {
  check(make(model::Architecture::resnet, model::Norm::batchnorm, precision::Format::fp32), 1,
        true);
}

TEST(EngineNoAlloc, ResnetStreamNorms) {
  for (const model::NormPlacement placement :
       {model::NormPlacement::pre, model::NormPlacement::post}) {
    model::NetworkConfig c =
        make(model::Architecture::resnet, model::Norm::rmsnorm, precision::Format::bf16);
    c.norm_placement = placement;
    check(c, 1, true);
    check(c, 2, false);
  }
}

TEST(EngineNoAlloc, Transformer) {
  for (const bool post : {false, true}) {
    model::NetworkConfig c = testing::transformer_config(
        16, 3, 5, 6, std::make_shared<testing::TorchUniformScheme>(false), post);
    c.precision = precision::Format::bf16;
    check(c, 1, true);
    check(c, 2, false);
    check(c, 2, false, true);  // token cosines
  }
}

}  // namespace
}  // namespace initcheck::engine
