// Issue #14 item 3: one table of request fields (claims/request_fields.hpp) behind the `check`
// flags, the sweep keys, the JSON encoding and the reproduce command. Every field is set to a
// non-default value in some request below, and each request round-trips unchanged through a
// results line, a sweep file, and its reproduce command run by the built binary with --json.
// A field added to CheckRequest but not to the table does not compile (request_fields.cpp counts
// the struct's fields); one added to the table but to no request here fails
// EveryFieldIsSetSomewhere.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_run.hpp"
#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/request_fields.hpp"
#include "initcheck/io/safetensors.hpp"
#include "initcheck/sweep/results_json.hpp"
#include "initcheck/sweep/sweep_spec.hpp"

namespace initcheck::claims {
namespace {

using cli::testing::CliRun;
using cli::testing::run_initcheck;
using nlohmann::json;

/// A directory of two weight files of an MLP 3 → 4 → 2 (for the `weights` request), written once.
const std::string& weight_dir() {
  static const std::string dir = [] {
    const std::string d =
        ::testing::TempDir() + "/initcheck_round_trip_weights_" + std::to_string(getpid());
    std::filesystem::create_directories(d);
    for (const char* name : {"/a.safetensors", "/b.safetensors"}) {
      io::write_safetensors(d + name, {{"0.weight", {4, 3}, std::vector<float>(12, 0.5F)},
                                       {"2.weight", {2, 4}, std::vector<float>(8, -0.5F)}});
    }
    return d;
  }();
  return dir;
}

/// Valid requests (each cheap to run) that leave the fields they ignore at their defaults, so a
/// reproduce command (which omits ignored flags) carries all of the request.
std::vector<CheckRequest> covering_requests() {
  CheckRequest conv;
  conv.init = "kaiming_uniform(a=0.5)";
  conv.activation = "leaky_relu(0.5)";
  conv.arch = "conv";
  conv.depth = 2;
  conv.width = 3;
  conv.batch = 4;
  conv.kernel = 1;
  conv.spatial = 2;
  conv.norm = "batchnorm";
  conv.precision = "bf16";
  conv.input = "unnormalized";
  conv.tolerance = 2.5;
  conv.alpha = 1e-3;
  conv.claims = {"variance", "mean"};
  conv.seed = 18446744073709551615ULL;
  conv.replicates = 2;
  conv.budget = 0.25;

  CheckRequest widths;
  widths.init = "normal(std=0.5)";
  widths.activation = "tanh";
  widths.widths = {3, 4, 2};
  widths.batch = 2;
  widths.max_networks = 4;
  widths.claims = {"variance"};

  CheckRequest resnet;
  resnet.init = "kaiming_normal";
  resnet.activation = "relu";
  resnet.arch = "resnet";
  resnet.depth = 2;
  resnet.width = 4;
  resnet.batch = 2;
  resnet.branch_scale = "1/sqrt(2*depth)";
  resnet.norm = "rmsnorm";
  resnet.norm_placement = "pre";
  resnet.replicates = 2;
  resnet.claims = {"variance"};

  // Given weights: `check` states the files' shape in the request and leaves init empty.
  CheckRequest weights;
  weights.weights = weight_dir();
  weights.init = "";
  weights.activation = "relu";
  weights.widths = {3, 4, 2};
  weights.batch = 2;
  weights.claims = {"variance"};

  CheckRequest transformer;
  transformer.init = "lecun_normal";
  transformer.activation = "gelu";
  transformer.arch = "transformer";
  transformer.depth = 2;
  transformer.width = 4;
  transformer.batch = 2;
  transformer.branch_scale = "0.5";
  transformer.tokens = 3;
  transformer.heads = 2;
  transformer.mlp_ratio = 1.5;
  transformer.mask = "causal";
  transformer.residual = "no";
  transformer.norm = "layernorm";
  transformer.norm_placement = "post";
  transformer.replicates = 2;
  transformer.claims = {"variance"};
  return {conv, widths, resnet, weights, transformer};
}

/// The `request` object of the results line of a cell holding `request` (no claims run).
json request_json(const CheckRequest& request) {
  sweep::CellResult cell;
  cell.request = request;
  const std::string line = sweep::cell_to_json({"s.yaml", 1, 1, ""}, cell);
  return json::parse(line).at("request");
}

TEST(RequestRoundTrip, EveryFieldIsSetSomewhere) {
  const std::vector<CheckRequest> requests = covering_requests();
  for (const RequestField& field : kRequestFields) {
    bool set = false;
    for (const CheckRequest& r : requests) set = set || !field_is_default(field, r);
    EXPECT_TRUE(set) << field.key << " keeps its default in every request of this test";
  }
}

TEST(RequestRoundTrip, KeysAndFlagsAreOneName) {
  std::set<std::string_view> keys;
  for (const RequestField& field : kRequestFields) {
    EXPECT_TRUE(keys.insert(field.key).second) << field.key << " twice";
    std::string flag = "--";
    flag += field.key;
    for (char& c : flag) c = c == '_' ? '-' : c;
    EXPECT_EQ(field.flag, flag);
    EXPECT_EQ(find_request_field(field.key), &field);
  }
  EXPECT_EQ(find_request_field("name"), nullptr);
}

TEST(RequestRoundTrip, ThroughAResultsLine) {
  for (const CheckRequest& request : covering_requests()) {
    sweep::SweepResults results;
    results.info = {"s.yaml", 1, 1, ""};
    sweep::CellResult& cell = results.cells.emplace_back();
    cell.request = request;
    results.info.fingerprint = sweep::results_fingerprint(results);
    std::ostringstream out;
    sweep::write_results_jsonl(out, results);
    std::istringstream in(out.str());
    const sweep::SweepResults back = sweep::parse_results_jsonl(in, "r.jsonl");
    ASSERT_EQ(back.cells.size(), 1U);
    EXPECT_TRUE(back.cells[0].request == request) << reproduce_command(request);
  }
}

TEST(RequestRoundTrip, ThroughASweepFile) {
  for (const CheckRequest& request : covering_requests()) {
    if (!request.weights.empty()) continue;  // `weights` is not a sweep key (only `check` reads it)
    // A request's JSON is a sweep block (YAML reads JSON), less what a block may not hold:
    // `seed` (derived from the master seed), fields the request ignores (`widths` replaces
    // `width` and `depth`) and empty lists.
    json block = request_json(request);
    for (const RequestField& field : kRequestFields) {
      const std::string key(field.key);
      if (field.sweep == SweepRole::none || !field_applies(field, request) ||
          (block[key].is_array() && block[key].empty())) {
        block.erase(key);
      }
    }
    std::istringstream in(json{{"blocks", json::array({block})}}.dump());
    const sweep::SweepSpec spec = sweep::parse_sweep(in, "s.yaml");
    ASSERT_EQ(spec.cells.size(), 1U);
    CheckRequest expected = request;
    expected.seed = spec.cells[0].request.seed;
    EXPECT_TRUE(spec.cells[0].request == expected) << block.dump();
  }
}

TEST(RequestRoundTrip, AResultsLineHasAWeightsKeyOnlyWhenWeightsAreGiven) {
  // Lines written before `weights` existed hold no such key, and still read.
  json drawn = request_json(CheckRequest{});
  EXPECT_FALSE(drawn.contains("weights")) << drawn.dump();
  const std::vector<CheckRequest> covering = covering_requests();
  const auto given = std::find_if(covering.begin(), covering.end(),
                                  [](const CheckRequest& r) { return !r.weights.empty(); });
  ASSERT_NE(given, covering.end());
  EXPECT_EQ(request_json(*given).at("weights"), weight_dir());
  sweep::SweepResults results;
  results.info = {"s.yaml", 1, 1, ""};
  results.cells.emplace_back();
  results.info.fingerprint = sweep::results_fingerprint(results);
  std::ostringstream out;
  sweep::write_results_jsonl(out, results);
  std::istringstream in(out.str());
  EXPECT_TRUE(sweep::parse_results_jsonl(in, "r.jsonl").cells.at(0).request == CheckRequest{});
}

TEST(RequestRoundTrip, ThroughTheReproduceCommandAndCheckJson) {
  for (const CheckRequest& request : covering_requests()) {
    const std::string command = reproduce_command(request);
    const std::string prefix = "initcheck ";
    ASSERT_EQ(command.rfind(prefix, 0), 0U) << command;
    const CliRun r = run_initcheck(command.substr(prefix.size()) + " --json");
    ASSERT_TRUE(r.code == 0 || r.code == 1 || r.code == 3) << command << "\n" << r.err;
    const json out = json::parse(r.out);
    EXPECT_EQ(out.at("request"), request_json(request)) << command;
    EXPECT_EQ(out.at("command"), command);
  }
}

}  // namespace
}  // namespace initcheck::claims
