#pragma once
/// Internal: the per-network thread pool that runs a pass's batch slices.

#include <atomic>
#include <cstdint>
#include <exception>
#include <thread>

namespace initcheck::engine::detail {

/// Runs f(0), …, f(slices − 1) on the calling thread plus (when parallel) one persistent worker
/// that spins briefly and then sleeps on an atomic. The caller takes the even slices, the
/// worker the odd ones; each slice runs exactly once, so a result that depends only on the
/// slice index is the same with or without the worker. run() allocates only if a slice throws.
class SliceRunner {
 public:
  explicit SliceRunner(bool parallel);
  /// Stops and joins the worker (it may be asleep; it is not running a slice).
  ~SliceRunner();
  SliceRunner(const SliceRunner&) = delete;
  SliceRunner& operator=(const SliceRunner&) = delete;
  SliceRunner(SliceRunner&&) = delete;
  SliceRunner& operator=(SliceRunner&&) = delete;

  /// True when slices run on two threads.
  [[nodiscard]] bool parallel() const { return worker_.joinable(); }

  /// Runs every slice and returns when all have finished. A thread whose slice throws runs no
  /// further slices; run() waits for the other thread and then rethrows (the calling thread's
  /// exception when both threw).
  template <typename F>
  void run(int slices, F& f) {
    if (!parallel() || slices < 2) {
      for (int s = 0; s < slices; ++s) f(s);
      return;
    }
    run_parallel(slices, &f, [](void* p, int s) { (*static_cast<F*>(p))(s); });
  }

 private:
  using Call = void (*)(void*, int);
  void run_parallel(int slices, void* task, Call call);
  /// The worker: waits for a new generation, runs its slices, publishes `done_`.
  void loop();
  /// Runs slices first, first + 2, … < slices_ of the current task.
  void run_share(int first) const;

  std::atomic<std::uint32_t> generation_{0};
  std::atomic<std::uint32_t> done_{0};
  std::atomic<bool> stop_{false};
  // The current task, written by run_parallel before it publishes a generation.
  void* task_ = nullptr;
  Call call_ = nullptr;
  int slices_ = 0;
  std::exception_ptr worker_error_;  ///< written by the worker before it publishes done_
  std::jthread worker_;
};

}  // namespace initcheck::engine::detail
