// `initcheck check --weights DIR` (issue #16, the PyTorch bridge): files holding exactly the
// weights the engine draws for a built-in scheme must give that scheme's verdicts, and every
// misuse is exit 2 with one line naming the problem.
//
// Statistics: every run uses seed 0 and fixed files, so each verdict is deterministic. The
// matched scheme (kaiming_normal with relu) runs at --alpha 1e-9: a true configuration is
// reported violated with probability ≤ 1e-9 per run (docs/statistics.md, "Error budget of a test
// run"). The planted bugs (truncated normal without correction: ×0.774 per layer, 0.077 at depth
// 10; xavier with relu: ×1/2 per layer) lie far outside the band [1/4, 4] of the second moment,
// so the 192 networks decide them with power ≈ 1.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_run.hpp"
#include "initcheck/claims/check_request.hpp"
#include "initcheck/io/safetensors.hpp"
#include "scheme_weight_files.hpp"

namespace initcheck::cli {
namespace {

using nlohmann::json;
using testing::CliRun;
using testing::run_initcheck;
using testing::scratch_path;

constexpr int kFiles = 192;  // the networks the built-in's looks use here (96, then 192)
const std::string kShape = "--depth 10 --width 64";
const std::string kClaims = "--claims variance,growth,mean,gradient --alpha 1e-9";

/// DIR holding kFiles files of the weights `check --init INIT --activation relu` + kShape draws
/// with seed 0 (replicate r = file r).
std::string scheme_files(const std::string& init) {
  claims::CheckRequest request;
  request.init = init;
  request.depth = 10;
  request.width = 64;
  std::string suffix = "_";  // appended: GCC 12 warns (false -Wrestrict) on "_" + std::string
  suffix += std::to_string(std::hash<std::string>{}(init));
  std::string dir = scratch_path(suffix);
  engine::testing::write_scheme_weight_files(claims::make_network_config(request), 0, kFiles, dir);
  return dir;
}

std::vector<std::string> verdicts(const std::string& json_text) {
  std::vector<std::string> out;
  const json doc = json::parse(json_text);  // a named value: the loop must not outlive it
  for (const json& claim : doc.at("claims")) {
    out.push_back(claim.at("id").get<std::string>() + ":" +
                  (claim.at("applicable").get<bool>() ? claim.at("verdict").get<std::string>()
                                                      : "not checked"));
  }
  return out;
}

/// `check --weights` on the scheme's own draws and `check --init` give the same verdicts (and
/// exit code `expected`).
void expect_same_verdicts(const std::string& init, int expected) {
  const std::string dir = scheme_files(init);
  const CliRun given =
      run_initcheck("check --weights " + dir + " --activation relu " + kClaims + " --json");
  const CliRun drawn =
      run_initcheck("check --init '" + init + "' --activation relu " + kShape + " " + kClaims +
                    " --json");  // the built-in's own plan: sequential looks up to kFiles
  EXPECT_EQ(given.code, expected) << given.err;
  EXPECT_EQ(drawn.code, expected) << drawn.err;
  ASSERT_FALSE(given.out.empty()) << given.err;
  ASSERT_FALSE(drawn.out.empty()) << drawn.err;
  EXPECT_EQ(verdicts(given.out), verdicts(drawn.out)) << given.out;
  const json g = json::parse(given.out);
  EXPECT_EQ(g.at("replicates"), kFiles);
  EXPECT_EQ(g.at("request").at("weights"), dir);
  EXPECT_EQ(g.at("request").at("init"), "");
  EXPECT_EQ(g.at("request").at("widths").size(), 11U);
  const std::string command = g.at("command");
  EXPECT_NE(command.find("--weights " + dir), std::string::npos) << command;
  EXPECT_EQ(command.find("--init"), std::string::npos) << command;
  EXPECT_EQ(command.find("--widths"), std::string::npos) << command;
  std::filesystem::remove_all(dir);
}

TEST(CheckWeights, KaimingFilesHoldLikeKaiming) {
  expect_same_verdicts("kaiming_normal", 0);
}

TEST(CheckWeights, UncorrectedTruncatedNormalFilesAreViolatedLikeTheBuiltIn) {
  expect_same_verdicts("truncated_normal(sigma=sqrt(2/fan_in))", 1);
}

TEST(CheckWeights, XavierFilesWithReluAreViolatedLikeXavier) {
  expect_same_verdicts("xavier_normal", 1);
}

TEST(CheckWeights, TooFewFilesLeaveAClaimInconclusiveSayingHowManyWould) {
  const std::string dir = scheme_files("normal(std=sqrt(2.3/fan_in))");
  for (int r = 4; r < kFiles; ++r) {
    std::filesystem::remove(dir + "/seed_" + std::to_string(r) + ".safetensors");
  }
  // 4 networks, a per-layer gain of 1.15 (second moment ×4.05 at depth 10, on the band's edge
  // 4): their interval straddles the edge, so the verdict is inconclusive (deterministic: seed 0
  // and fixed files).
  const CliRun r = run_initcheck("check --weights " + dir + " --activation relu --claims variance");
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("weight files (seeds) would decide it"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reproduce: initcheck check --weights " + dir), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("— 4 networks"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}

TEST(CheckWeights, MisuseIsExit2WithOneLine) {
  const std::string dir = scheme_files("kaiming_normal");
  const std::string w = "check --weights " + dir + " --activation relu ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {w + "--init kaiming_normal", "--init conflicts with --weights"},
      {w + "--depth 3", "--depth conflicts with --weights"},
      {w + "--widths 64,64", "--widths conflicts with --weights"},
      {w + "--arch conv", "--arch conflicts with --weights"},
      {w + "--max-networks 10", "--max-networks conflicts with --weights"},
      {w + "--spatial 4", "--spatial applies only to --arch conv"},
      {w + "--replicates 193", "--replicates 193 needs as many weight files"},
      {"check --activation relu", "--init is required (or --weights DIR)"},
      {"check --weights " + dir + "/missing --activation relu", "not a directory"},
  };
  for (const auto& [args, message] : cases) {
    const CliRun r = run_initcheck(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_EQ(testing::line_count(r.err), 1) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << args << "\n" << r.err;
  }
  // A corrupted file: exit 2 naming it.
  std::filesystem::resize_file(dir + "/seed_7.safetensors", 100);
  const CliRun r = run_initcheck(w);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("seed_7.safetensors"), std::string::npos) << r.err;
  EXPECT_EQ(testing::line_count(r.err), 1) << r.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace initcheck::cli
