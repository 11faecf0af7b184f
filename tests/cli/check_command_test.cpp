// `initcheck check` exit codes (DESIGN.md §4): 0 holds, 1 violated, 2 bad input with a one-line
// message, 3 inconclusive. Runs the built binary (INITCHECK_BINARY). Verdicts are statistical
// tests at α = 1e-6 per configuration with the default seed 0 (deterministic).

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

CliRun run(const std::string& args) {
  const std::string base = ::testing::TempDir() + "/initcheck_cli_" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const std::string cmd =
      std::string(INITCHECK_BINARY) + " check " + args + " >" + base + ".out 2>" + base + ".err";
  const int status = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream o(base + ".out");
  std::ifstream e(base + ".err");
  std::stringstream so;
  std::stringstream se;
  so << o.rdbuf();
  se << e.rdbuf();
  r.out = so.str();
  r.err = se.str();
  return r;
}

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(CheckCommand, MatchedConfigurationHolds) {
  const CliRun r =
      run("--init kaiming_normal --activation relu --depth 6 --width 64 --batch 32 "
          "--claims variance,growth,gradient");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("variance"), std::string::npos);
  EXPECT_NE(r.out.find("overall: holds"), std::string::npos);
}

TEST(CheckCommand, PlantedBugIsViolatedWithAdvice) {
  const CliRun r = run(
      "--init xavier_normal --activation relu --depth 10 --width 64 --batch 32 --claims variance");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("kaiming_normal"), std::string::npos);  // the advice names the fix
  EXPECT_NE(r.out.find("reproduce: initcheck check"), std::string::npos);
}

TEST(CheckCommand, InconclusiveExitsThree) {
  // Drift at depth 20 width 256 (p ≈ 3 % vs δ = 1 %) cannot be resolved by the budget.
  const CliRun r = run(
      "--init kaiming_normal --activation relu --depth 20 --width 256 --batch 16 --claims drift");
  EXPECT_EQ(r.code, 3) << r.out << r.err;
}

TEST(CheckCommand, JsonOutput) {
  const CliRun r =
      run("--init kaiming_normal --activation relu --depth 3 --width 32 --batch 16 --claims "
          "variance --json");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.front(), '{');
  EXPECT_NE(r.out.find("\"overall\": \"holds\""), std::string::npos);
  EXPECT_NE(r.out.find("\"id\": \"variance\""), std::string::npos);
}

TEST(CheckCommand, BadInputExitsTwoWithOneLine) {
  for (const char* args :
       {"--init kaiming_normal --activation rleu", "--init nope --activation relu",
        "--init 'normal(std=' --activation relu",
        "--init kaiming_normal --activation relu --width 0",
        "--init kaiming_normal --activation relu --tolerance nan",
        "--init kaiming_normal --activation relu --widths 64,x",
        "--init kaiming_normal --activation relu --claims variance,bogus",
        "--init kaiming_normal --activation relu --depth 0", "--activation relu"}) {
    const CliRun r = run(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out << r.err;
    EXPECT_EQ(lines(r.err), 1) << args << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << args;
  }
}

}  // namespace
