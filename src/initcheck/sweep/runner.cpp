#include "initcheck/sweep/runner.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <exception>
#include <filesystem>
#include <iterator>
#include <mutex>
#include <thread>
#include <vector>

#include "initcheck/core/error.hpp"

namespace initcheck::sweep {
namespace {

std::uint64_t fnv1a(std::uint64_t h, std::string_view text) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// A one-line progress bar redrawn with '\r'; finished with a newline.
class ProgressBar {
 public:
  ProgressBar(std::ostream* out, std::size_t total) : out_(out), total_(total) { draw(); }

  void tick() {
    if (out_ == nullptr) return;
    const std::lock_guard<std::mutex> lock(mutex_);
    ++done_;
    draw();
    if (done_ == total_) *out_ << '\n' << std::flush;
  }

 private:
  void draw() {
    if (out_ == nullptr) return;
    constexpr std::size_t kWidth = 40;
    const std::size_t filled = total_ == 0 ? kWidth : done_ * kWidth / total_;
    *out_ << "\rinitcheck: [" << std::string(filled, '#') << std::string(kWidth - filled, ' ')
          << "] " << done_ << '/' << total_ << " cells" << std::flush;
  }

  std::ostream* out_;
  std::size_t total_;
  std::size_t done_ = 0;
  std::mutex mutex_;
};

}  // namespace

Shard parse_shard(std::string_view text) {
  const auto bad = [&text]() -> InputError {
    return InputError("bad --shard '" + std::string(text) +
                      "': expected i/N with integers 1 <= i <= N (e.g. 2/4)");
  };
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) throw bad();
  auto parse_int = [&](std::string_view part) {
    int value = 0;
    const char* end = part.data() + part.size();
    const auto [ptr, ec] = std::from_chars(part.data(), end, value);
    if (part.empty() || ec != std::errc() || ptr != end) throw bad();
    return value;
  };
  Shard shard{parse_int(text.substr(0, slash)), parse_int(text.substr(slash + 1))};
  if (shard.count < 1 || shard.index < 1 || shard.index > shard.count) throw bad();
  return shard;
}

void reseed(SweepSpec& spec, std::uint64_t master_seed) {
  spec.seed = master_seed;
  for (SweepCell& cell : spec.cells) cell.request.seed = cell_seed(master_seed, cell.request);
}

SweepInfo sweep_info(const SweepSpec& spec, const std::string& file) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const SweepCell& cell : spec.cells) {
    h = fnv1a(h, cell.block);
    h = fnv1a(h, std::string_view("\n", 1));
    h = fnv1a(h, claims::reproduce_command(cell.request));
    h = fnv1a(h, std::string_view("\n", 1));
  }
  // 16 lowercase hex digits, zero-padded (printf "%016llx").
  char digits[16];
  const auto printed = std::to_chars(std::begin(digits), std::end(digits), h, 16);
  std::string hex(static_cast<std::size_t>(std::end(digits) - printed.ptr), '0');
  hex.append(std::begin(digits), printed.ptr);
  return {normalized_sweep_path(file), spec.seed, spec.cells.size(), hex};
}

std::string normalized_sweep_path(const std::string& file) {
  namespace fs = std::filesystem;
  if (file.empty()) return file;
  fs::path path = fs::path(file).lexically_normal();
  if (path.is_absolute()) {
    std::error_code ec;
    const fs::path cwd = fs::current_path(ec);
    const fs::path relative = ec ? fs::path() : path.lexically_relative(cwd);
    if (!relative.empty() && *relative.begin() != "..") path = relative;
  }
  return path.generic_string();
}

SweepResults run_sweep(const SweepSpec& spec, const SweepInfo& info, const Checker& checker,
                       const RunOptions& options) {
  std::vector<std::size_t> indices;
  for (std::size_t i = 0; i < spec.cells.size(); ++i) {
    if (options.shard.contains(i)) indices.push_back(i);
  }
  SweepResults results;
  results.info = info;
  results.cells.resize(indices.size());
  int jobs =
      options.jobs > 0 ? options.jobs : static_cast<int>(std::thread::hardware_concurrency());
  jobs = std::clamp(jobs, 1, std::max(1, static_cast<int>(indices.size())));

  ProgressBar progress(options.progress, indices.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t k = next.fetch_add(1); k < indices.size(); k = next.fetch_add(1)) {
      const SweepCell& cell = spec.cells[indices[k]];
      CellResult& row = results.cells[k];
      row.index = indices[k];
      row.block = cell.block;
      row.request = cell.request;
      if (!cell.invalid.empty()) {
        row.error = cell.invalid;
      } else {
        try {
          row.result = checker(cell.request);
        } catch (const InputError& e) {
          row.error = e.what();
          row.result = {};
        } catch (const std::exception& e) {
          row.error = std::string("internal error: ") + e.what();
          row.internal = true;
          row.result = {};
        } catch (...) {
          row.error = "internal error: unknown exception";
          row.internal = true;
          row.result = {};
        }
      }
      progress.tick();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(jobs - 1));
  for (int t = 1; t < jobs; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();

  return results;
}

}  // namespace initcheck::sweep
