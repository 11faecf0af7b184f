// Runs that cannot fit are refused up front (issue #13, item 2): `check` and `report` estimate
// their memory (engine/memory_estimate.hpp) and exit 2 with the estimate and the limit
// (--max-memory, default: MemAvailable) before allocating anything.

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "cli_run.hpp"

namespace initcheck::cli::testing {
namespace {

using Clock = std::chrono::steady_clock;

/// Exit 2 within a second (nothing was allocated or run), one stderr line with both sizes;
/// returns the run for further checks.
CliRun expect_refused(const std::string& args, const char* limit_text) {
  const Clock::time_point start = Clock::now();
  const CliRun r = run_initcheck(args);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("an estimated"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(limit_text), std::string::npos) << r.err;
  EXPECT_LT(seconds, 1.0) << args;
  return r;
}

TEST(MemoryLimit, WideDeepCheckIsRefused) {
  // 10 layers of 16384² floats, twice (weights and gradients), per thread: ≈ 20 GiB each.
  expect_refused(
      "check --init kaiming_normal --activation relu --width 16384 --depth 10 --max-memory 24G",
      "limit of 24.0 GiB");
}

TEST(MemoryLimit, OneHugeMatrixIsRefused) {
  // One 65536² weight matrix is 16 GiB, its gradient another 16.
  expect_refused(
      "check --init kaiming_normal --activation relu --width 65536 --depth 1 --batch 1 "
      "--max-memory 24G",
      "limit of 24.0 GiB");
}

TEST(MemoryLimit, DefaultLimitIsTheAvailableMemory) {
  const CliRun r = run_initcheck(
      "check --init kaiming_normal --activation relu --width 65536 --depth 1 --batch 1");
  if (r.code != 2) GTEST_SKIP() << "this machine has more than 64 GiB available";
  EXPECT_NE(r.err.find("default: the machine's available memory"), std::string::npos) << r.err;
}

TEST(MemoryLimit, DefaultLimitRespectsTheProcessUlimit) {
  // Under `ulimit -v` of 2,000,000 KiB (1.91 GiB) the default limit is that, not the machine's
  // memory: 4 layers of 8192² floats with gradients need ≈ 2 GiB per thread.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitized binary reserves terabytes of address space: no ulimit -v";
#endif
  const std::string err = scratch_path(".err");
  const std::string cmd = std::string("ulimit -v 2000000 && ") + INITCHECK_BINARY +
                          " check --init kaiming_normal --activation relu --width 8192 --depth 4"
                          " >/dev/null 2>" +
                          err;
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  const std::string message = read_file(err);
  EXPECT_EQ(WEXITSTATUS(status), 2) << message;
  EXPECT_NE(message.find("more than the limit of 1.91 GiB"), std::string::npos) << message;
}

TEST(MemoryLimit, SmallChecksRunUnderTheirLimit) {
  const CliRun r = run_initcheck(
      "check --init kaiming_normal --activation relu --width 16 --depth 2 --batch 8 "
      "--replicates 2 --claims variance --max-memory 512M");
  EXPECT_NE(r.code, 2) << r.err;
  EXPECT_NE(r.out.find("variance"), std::string::npos) << r.out;
}

TEST(MemoryLimit, SizesAreParsedStrictly) {
  for (const char* size : {"12Q", "''", "0", "-1", "G", "1e9", "8GG", "1.5.2G"}) {
    const CliRun r = run_initcheck(
        std::string("check --init kaiming_normal --activation relu --max-memory ") + size);
    EXPECT_EQ(r.code, 2) << size << ": " << r.err;
    EXPECT_EQ(line_count(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("--max-memory"), std::string::npos) << r.err;
  }
}

TEST(MemoryLimit, HugeSweepGridIsRefusedBeforeItIsBuilt) {
  // 6·9·20·10·10·10·5·20 = 108,000,000 cells.
  const std::string sweep = scratch_path(".yaml");
  std::ofstream(sweep) << "blocks:\n"
                          "  - init: [kaiming_normal, xavier_normal, lecun_normal, orthogonal,\n"
                          "           kaiming_uniform, xavier_uniform]\n"
                          "    activation: [relu, tanh, gelu, silu, selu, elu, softplus, mish,\n"
                          "                 linear]\n"
                          "    depth: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,\n"
                          "            17, 18, 19, 20]\n"
                          "    width: [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]\n"
                          "    batch: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]\n"
                          "    tolerance: [1.5, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
                          "    alpha: [0.01, 0.001, 0.0001, 0.00001, 0.000001]\n"
                          "    budget: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,\n"
                          "             17, 18, 19, 20]\n";
  const CliRun r = expect_refused(
      "report --sweep " + sweep + " --out " + scratch_path("_out") + " --max-memory 24G",
      "limit of 24.0 GiB");
  EXPECT_NE(r.err.find("108000000 cells"), std::string::npos) << r.err;
}

TEST(MemoryLimit, SweepCellTooLargeIsReportedNotRun) {
  const std::string sweep = scratch_path(".yaml");
  std::ofstream(sweep) << "blocks:\n"
                          "  - init: kaiming_normal\n"
                          "    activation: relu\n"
                          "    depth: 10\n"
                          "    width: 16384\n";
  const std::string out = scratch_path("_out");
  const CliRun r =
      run_initcheck("report --sweep " + sweep + " --out " + out + " --jobs 1 --max-memory 8G");
  EXPECT_NE(r.code, 4) << r.err;
  EXPECT_NE(r.code, -1) << r.err;
  // Recorded as the cell's error (or, where invalid cells stop the report, named on stderr).
  const std::string results = read_file(out + "/results.jsonl");
  EXPECT_NE((results + r.err).find("configuration too large"), std::string::npos)
      << r.err << results;
}

}  // namespace
}  // namespace initcheck::cli::testing
