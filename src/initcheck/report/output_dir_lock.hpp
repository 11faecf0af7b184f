#pragma once
/// One writer per report directory: two `initcheck report` (or `merge`) runs into the same
/// directory would interleave their file replacements, so the second one is refused at once.

#include <filesystem>

namespace initcheck::report {

/// An advisory lock (flock) on a report directory, held for the object's lifetime and released
/// by the kernel if the process dies. Exclusive for a full report or a merge; shared for a
/// `--shard` run, whose results file is its own, so shard runs may share a directory with each
/// other but not with a full write.
class OutputDirLock {
 public:
  enum class Mode { exclusive, shared };

  /// Creates `dir` if needed (create_output_dir) and locks it without waiting; throws
  /// InputError naming the directory when another run holds a conflicting lock.
  OutputDirLock(const std::filesystem::path& dir, Mode mode);
  ~OutputDirLock();
  OutputDirLock(const OutputDirLock&) = delete;
  OutputDirLock& operator=(const OutputDirLock&) = delete;
  OutputDirLock(OutputDirLock&&) = delete;
  OutputDirLock& operator=(OutputDirLock&&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace initcheck::report
