// Runs that would take far longer than asked are refused up front (issue #13): the smallest run
// of `check` (its first look and the drift networks, at the planner's nominal flop rate) may
// exceed --budget, which bounds the later looks, but not 20-fold; and network counts are capped.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "cli_run.hpp"

namespace initcheck::cli::testing {
namespace {

using Clock = std::chrono::steady_clock;

TEST(ComputeLimit, HopelesslySlowCheckIsRefusedAtOnce) {
  // Three orthogonal 16384² layers: a QR of ≈ 80·16384³ flop-equivalents per layer and network.
  const std::string args =
      "check --init orthogonal --activation tanh --widths 16384,16384,16384 --max-memory 1T";
  const Clock::time_point start = Clock::now();
  const CliRun r = run_initcheck(args);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  for (const char* part : {"configuration too slow", "16 networks", " h of compute",
                           "(20 x --budget); raise --budget"}) {
    EXPECT_NE(r.err.find(part), std::string::npos) << part << "\n" << r.err;
  }
  EXPECT_LT(seconds, 1.0);  // refused before any network is built
}

TEST(ComputeLimit, NetworkCountsAreCapped) {
  const CliRun replicates = run_initcheck(
      "check --init kaiming_normal --activation relu --depth 1 --width 4 --replicates 2147483647");
  EXPECT_EQ(replicates.code, 2) << replicates.err;
  EXPECT_NE(replicates.err.find("--replicates must be 0 (planned) or in [2, 1000000]"),
            std::string::npos)
      << replicates.err;
  const CliRun cap = run_initcheck(
      "check --init kaiming_normal --activation relu --depth 1 --width 4 --max-networks 1000001");
  EXPECT_EQ(cap.code, 2) << cap.err;
  EXPECT_NE(cap.err.find("--max-networks must be in [0, 1000000]"), std::string::npos) << cap.err;
}

}  // namespace
}  // namespace initcheck::cli::testing
