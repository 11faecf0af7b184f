// The engine-private SliceRunner: every slice exactly once, the same result on one or two
// threads, exceptions reach the caller, and the worker shuts down in any state.
#include "initcheck/engine/detail/slice_runner.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace initcheck::engine::detail {
namespace {

constexpr int kMaxSlices = 7;

/// How often each slice ran in one run(slices) call.
std::array<int, kMaxSlices> run_counts(SliceRunner& runner, int slices) {
  std::array<std::atomic<int>, kMaxSlices> counts{};
  auto count = [&](int s) { counts.at(static_cast<std::size_t>(s)).fetch_add(1); };
  runner.run(slices, count);
  std::array<int, kMaxSlices> out{};
  for (std::size_t s = 0; s < out.size(); ++s) out[s] = counts[s].load();
  return out;
}

TEST(SliceRunner, RunsEverySliceExactlyOnce) {
  for (const bool parallel : {false, true}) {
    SliceRunner runner(parallel);
    EXPECT_EQ(runner.parallel(), parallel);
    for (int repeat = 0; repeat < 5; ++repeat) {  // the runner is reused across passes
      for (int slices = 0; slices <= kMaxSlices; ++slices) {
        const std::array<int, kMaxSlices> counts = run_counts(runner, slices);
        for (int s = 0; s < kMaxSlices; ++s) {
          EXPECT_EQ(counts[static_cast<std::size_t>(s)], s < slices ? 1 : 0)
              << "parallel " << parallel << ", slices " << slices << ", slice " << s;
        }
      }
    }
  }
}

/// A float sum per slice, written to the slice's own output: what a pass does.
std::vector<float> slice_sums(SliceRunner& runner, int slices) {
  std::vector<float> out(static_cast<std::size_t>(slices));
  auto sum = [&](int s) {
    float acc = 0.0F;
    for (int i = 0; i < 10000; ++i) acc += 1.0F / static_cast<float>(i + 1 + 7 * s);
    out[static_cast<std::size_t>(s)] = acc;
  };
  runner.run(slices, sum);
  return out;
}

TEST(SliceRunner, ResultDoesNotDependOnTheThreadCount) {
  SliceRunner one(false);
  SliceRunner two(true);
  for (int slices = 1; slices <= kMaxSlices; ++slices) {
    EXPECT_EQ(slice_sums(one, slices), slice_sums(two, slices)) << "slices " << slices;
  }
}

TEST(SliceRunner, RunsOnTwoThreadsWhenParallel) {
  SliceRunner runner(true);
  std::array<std::thread::id, 2> ids;
  auto record = [&](int s) { ids.at(static_cast<std::size_t>(s)) = std::this_thread::get_id(); };
  runner.run(2, record);
  EXPECT_EQ(ids[0], std::this_thread::get_id());
  EXPECT_NE(ids[1], std::this_thread::get_id());
}

TEST(SliceRunner, RethrowsASliceExceptionAndStaysUsable) {
  for (const bool parallel : {false, true}) {
    SliceRunner runner(parallel);
    for (const int bad : {0, 1}) {  // the caller's slice, the worker's slice
      std::atomic<int> finished{0};
      auto task = [&](int s) {
        if (s == bad) throw std::runtime_error("slice failed");
        finished.fetch_add(1);
      };
      EXPECT_THROW(runner.run(2, task), std::runtime_error) << parallel << " " << bad;
      if (parallel) {
        EXPECT_EQ(finished.load(), 1);  // the other thread's slice still ran
      }
      const std::array<int, kMaxSlices> counts = run_counts(runner, 2);
      EXPECT_EQ(counts[0], 1);
      EXPECT_EQ(counts[1], 1);
    }
  }
}

TEST(SliceRunner, CallersExceptionWinsWhenBothSlicesThrow) {
  SliceRunner runner(true);
  auto task = [](int s) {
    if (s == 0) throw std::invalid_argument("caller");
    throw std::runtime_error("worker");
  };
  EXPECT_THROW(runner.run(2, task), std::invalid_argument);
  EXPECT_EQ(run_counts(runner, 2)[1], 1);
}

TEST(SliceRunner, ShutsDownIdleSpinningOrAsleep) {
  { SliceRunner never_used(true); }
  {
    SliceRunner just_ran(true);  // the worker is still spinning
    run_counts(just_ran, 2);
  }
  SliceRunner asleep(true);
  run_counts(asleep, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // well past the spin phase
  EXPECT_EQ(run_counts(asleep, 2)[1], 1);                      // wakes for new work
  // ~SliceRunner joins; a hang here fails the test by ctest's timeout.
}

}  // namespace
}  // namespace initcheck::engine::detail
