// engine::estimate_memory against the heap peak of a real run (README, "Exit codes and limits").
//
// This binary interposes malloc/calloc/realloc/free (forwarding to glibc's __libc_* functions)
// and tracks the bytes in use (malloc_usable_size) and their peak, so every heap allocation of
// the measured run counts: Eigen, std::vector, operator new, the GEMM arena. Disabled under
// sanitizers, which interpose malloc themselves.
#include "initcheck/engine/memory_estimate.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "initcheck/engine/replicates.hpp"
#include "test_support.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define INITCHECK_PEAK_MALLOC 0
#else
#define INITCHECK_PEAK_MALLOC 1
#endif

// The interposed allocator needs mutable global counters, glibc's reserved __libc_* entry points
// and glibc's (reserved) parameter names, which the definitions repeat to match stdlib.h.
// NOLINTBEGIN(cppcoreguidelines-avoid-non-const-global-variables,bugprone-reserved-identifier)
namespace {
std::atomic<long long> g_in_use{0};
std::atomic<long long> g_peak{0};
[[maybe_unused]] void* noted(void* p) {  // unused when the allocator is not interposed
  if (p != nullptr) {
    const long long now = g_in_use.fetch_add(static_cast<long long>(malloc_usable_size(p))) +
                          static_cast<long long>(malloc_usable_size(p));
    long long peak = g_peak.load();
    while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
    }
  }
  return p;
}
[[maybe_unused]] void forget(void* p) {
  if (p != nullptr) g_in_use.fetch_sub(static_cast<long long>(malloc_usable_size(p)));
}
}  // namespace

#if INITCHECK_PEAK_MALLOC
extern "C" {
void* __libc_malloc(std::size_t __size);
void* __libc_calloc(std::size_t __nmemb, std::size_t __size);
void* __libc_realloc(void* __ptr, std::size_t __size);
void* __libc_memalign(std::size_t __alignment, std::size_t __size);
void __libc_free(void* __ptr);
void* malloc(std::size_t __size) {
  return noted(__libc_malloc(__size));
}
void* calloc(std::size_t __nmemb, std::size_t __size) {
  return noted(__libc_calloc(__nmemb, __size));
}
void* realloc(void* __ptr, std::size_t __size) {
  forget(__ptr);
  return noted(__libc_realloc(__ptr, __size));
}
void* aligned_alloc(std::size_t __alignment, std::size_t __size) {
  return noted(__libc_memalign(__alignment, __size));
}
int posix_memalign(void** __memptr, std::size_t __alignment, std::size_t __size) {
  *__memptr = noted(__libc_memalign(__alignment, __size));
  return *__memptr == nullptr ? 12 : 0;  // ENOMEM
}
void free(void* __ptr) {
  forget(__ptr);
  __libc_free(__ptr);
}
}
#endif
// NOLINTEND(cppcoreguidelines-avoid-non-const-global-variables,bugprone-reserved-identifier)

namespace initcheck::engine {
namespace {

/// Heap bytes allocated at the peak of run_replicates, above what was in use before. Run on a
/// fresh thread so its thread-local GEMM arena is allocated (and counted) from scratch.
double measured_peak(const model::NetworkConfig& config, const TraceOptions& options,
                     int replicates) {
  std::vector<Trace> traces;
  long long base = 0;
  std::thread run([&] {
    base = g_in_use.load();
    g_peak.store(base);
    traces = run_replicates(config, options, 7, replicates, 1);
  });
  run.join();
  return static_cast<double>(g_peak.load() - base);
}

// Tolerance ±10% (measured: −4.5%): the estimate counts every buffer of the engine's plan, but not
// the allocator's per-chunk overhead (16 B), small vectors (per-layer events, slot tables,
// std::thread bookkeeping) and the exact GEMM packing blocks (cache-dependent sizes); at this
// shape (≈ 4 MB, a dozen big buffers) those are a few percent. The limit it guards is the
// machine's memory, so a 10% error only moves the refusal threshold by as much.
TEST(MemoryEstimate, MatchesMeasuredPeakOfASmallRun) {
  if (!INITCHECK_PEAK_MALLOC) GTEST_SKIP() << "malloc is interposed by a sanitizer";
  model::NetworkConfig config =
      testing::mlp_config(256, 4, 64, std::make_shared<testing::GaussianScheme>(2.0 / 256));
  TraceOptions options;
  options.backward = true;
  const int replicates = 6;
  const double estimate = replicates_bytes(estimate_memory(config, options), replicates, 1);
  const double peak = measured_peak(config, options, replicates);
  EXPECT_GT(peak, 1e6);  // the run really allocated its buffers
  EXPECT_NEAR(estimate / peak, 1.0, 0.15) << "estimate " << estimate << " B, peak " << peak << " B";
}

// The weights dominate a wide network: the estimate grows with width² and doubles with backward.
TEST(MemoryEstimate, WeightsAndGradientsDominateWideNetworks) {
  TraceOptions forward_only;
  forward_only.backward = false;
  TraceOptions backward;
  const model::NetworkConfig wide =
      testing::mlp_config(16384, 10, 128, std::make_shared<testing::GaussianScheme>(1.0 / 16384));
  const double weights = 10.0 * 16384.0 * 16384.0 * sizeof(float);
  EXPECT_GT(estimate_memory(wide, forward_only).network, weights);
  EXPECT_LT(estimate_memory(wide, forward_only).network, 1.1 * weights);
  EXPECT_GT(estimate_memory(wide, backward).network, 2.0 * weights);
  EXPECT_LT(estimate_memory(wide, backward).network, 2.2 * weights);
}

TEST(MemoryEstimate, FormatsBytesInBinaryUnits) {
  EXPECT_EQ(format_bytes(900), "900 B");
  EXPECT_EQ(format_bytes(512.0 * 1024 * 1024), "512 MiB");
  EXPECT_EQ(format_bytes(8.0 * 1024 * 1024 * 1024), "8.00 GiB");
  EXPECT_EQ(format_bytes(45.2e9), "42.1 GiB");
}

// Every architecture and input family within ±25% of its measured peak (conv overestimates by
// ≈ 18%: its GEMM packing is sized for a whole im2col chunk; the dataset input underestimates by
// ≈ 8%: Eigen's double-precision blocking buffers of the dataset draw are not counted).
TEST(MemoryEstimate, EveryFamilyWithinAQuarterOfItsMeasuredPeak) {
  if (!INITCHECK_PEAK_MALLOC) GTEST_SKIP() << "malloc is interposed by a sanitizer";
  const auto scheme = std::make_shared<testing::GaussianScheme>(2.0);
  struct Case {
    const char* name;
    model::NetworkConfig config;
    bool backward;
  };
  std::vector<Case> cases;
  cases.push_back({"mlp forward only", testing::mlp_config(512, 6, 128, scheme), false});
  cases.push_back({"mlp deep", testing::mlp_config(64, 200, 32, scheme), true});
  model::NetworkConfig bn = testing::mlp_config(256, 4, 64, scheme);
  bn.norm = model::Norm::batchnorm;
  cases.push_back({"batchnorm", bn, true});
  model::NetworkConfig dataset = testing::mlp_config(256, 4, 64, scheme);
  dataset.input = model::InputKind::dataset_normalized;
  cases.push_back({"dataset input", dataset, true});
  model::NetworkConfig conv = testing::mlp_config(32, 3, 16, scheme);
  conv.arch = model::Architecture::conv;
  cases.push_back({"conv", conv, true});
  model::NetworkConfig resnet = testing::mlp_config(128, 5, 64, scheme);
  resnet.arch = model::Architecture::resnet;
  cases.push_back({"resnet", resnet, true});
  model::NetworkConfig pre_ln = resnet;
  pre_ln.norm = model::Norm::layernorm;
  pre_ln.norm_placement = model::NormPlacement::pre;
  cases.push_back({"resnet pre-LN", pre_ln, true});
  model::NetworkConfig post_rms = resnet;
  post_rms.norm = model::Norm::rmsnorm;
  post_rms.norm_placement = model::NormPlacement::post;
  cases.push_back({"resnet post-RMSNorm forward only", post_rms, false});
  const auto plain = std::make_shared<testing::GaussianScheme>(1.0);
  cases.push_back({"transformer pre-LN", testing::transformer_config(64, 6, 16, 32, plain), true});
  cases.push_back({"transformer post-LN forward only",
                   testing::transformer_config(64, 6, 16, 32, plain, true), false});
  for (const Case& c : cases) {
    TraceOptions options;
    options.backward = c.backward;
    const double estimate = replicates_bytes(estimate_memory(c.config, options), 4, 1);
    const double peak = measured_peak(c.config, options, 4);
    EXPECT_NEAR(estimate / peak, 1.0, 0.25)
        << c.name << ": estimate " << estimate << " B, peak " << peak << " B";
  }
}

}  // namespace
}  // namespace initcheck::engine
