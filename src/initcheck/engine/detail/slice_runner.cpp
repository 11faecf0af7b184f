#include "initcheck/engine/detail/slice_runner.hpp"

#include <utility>

namespace initcheck::engine::detail {
namespace {

/// Spins before a thread sleeps on an atomic (a pass's slices take microseconds to milliseconds).
constexpr int kSpin = 1 << 14;

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/// Waits until `value` differs from `old`: spins kSpin times, then sleeps.
void wait_while_equal(const std::atomic<std::uint32_t>& value, std::uint32_t old) {
  for (int spin = 0; value.load(std::memory_order_acquire) == old; ++spin) {
    if (spin < kSpin) {
      cpu_relax();
    } else {
      value.wait(old, std::memory_order_acquire);
    }
  }
}

}  // namespace

SliceRunner::SliceRunner(bool parallel) {
  if (parallel) worker_ = std::jthread([this] { loop(); });
}

SliceRunner::~SliceRunner() {
  if (worker_.joinable()) {
    stop_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_one();
  }
}

void SliceRunner::run_share(int first) const {
  for (int s = first; s < slices_; s += 2) call_(task_, s);
}

void SliceRunner::run_parallel(int slices, void* task, Call call) {
  task_ = task;
  call_ = call;
  slices_ = slices;
  const std::uint32_t gen = generation_.load(std::memory_order_relaxed) + 1;
  generation_.store(gen, std::memory_order_release);
  generation_.notify_one();
  std::exception_ptr error;
  try {
    run_share(0);
  } catch (...) {
    error = std::current_exception();
  }
  wait_while_equal(done_, gen - 1);  // the worker publishes done_ = gen when its share is done
  const std::exception_ptr worker_error = std::exchange(worker_error_, nullptr);
  if (error) std::rethrow_exception(error);
  if (worker_error) std::rethrow_exception(worker_error);
}

void SliceRunner::loop() {
  std::uint32_t seen = 0;
  for (;;) {
    wait_while_equal(generation_, seen);
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_relaxed)) return;
    try {
      run_share(1);
    } catch (...) {
      worker_error_ = std::current_exception();
    }
    done_.store(seen, std::memory_order_release);
    done_.notify_one();
  }
}

}  // namespace initcheck::engine::detail
