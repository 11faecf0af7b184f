#pragma once
// The planted-bug catalogue (docs/statistics.md "power is shown, not assumed"; issue list of
// planted bugs): each entry is a scheme or configuration with a known mistake and the claim that
// must flag it as violated. Used by the library tests (tests/claims) and, through the printed
// reproduce command, by the `initcheck check` exit-code tests (tests/cli).

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "check_helpers.hpp"
#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/claim_id.hpp"

namespace initcheck::claims::testing {

struct PlantedBug {
  std::string name;
  CheckRequest request;
  ClaimId flagged_by;
  int replicates = 0;  ///< 0 = sample plan
};

inline void PrintTo(const PlantedBug& b, std::ostream* os) {
  *os << b.name;
}

/// `r` restricted to the comma-separated claim ids.
inline CheckRequest with(CheckRequest r, const std::string& claims_csv) {
  r.claims.clear();
  std::size_t start = 0;
  while (start <= claims_csv.size()) {
    const std::size_t comma = std::min(claims_csv.find(',', start), claims_csv.size());
    r.claims.push_back(claims_csv.substr(start, comma - start));
    start = comma + 1;
  }
  return r;
}

inline std::vector<PlantedBug> planted_bugs() {
  std::vector<PlantedBug> bugs;
  // U(±√(2/fan_in)) instead of U(±√(6/fan_in)): Var is 1/3 of He's → ×1/3 per layer.
  bugs.push_back({"uniform_missing_sqrt3",
                  with(mlp("uniform(bound=sqrt(2/fan_in))", "relu", 6, 128), "variance"),
                  ClaimId::variance});
  // N(0, 2/fan_in) truncated at ±2σ without dividing by 0.8796: Var × 0.774 per layer.
  bugs.push_back({"truncated_normal_without_correction",
                  with(mlp("truncated_normal(sigma=sqrt(2/fan_in))", "relu", 12, 128), "variance"),
                  ClaimId::variance});
  bugs.push_back({"xavier_with_relu", with(mlp("xavier_normal", "relu", 10, 128), "variance"),
                  ClaimId::variance});
  bugs.push_back({"torch_default_a_sqrt5", with(mlp("torch_default", "relu", 5, 128), "variance"),
                  ClaimId::variance});
  {
    CheckRequest r = mlp("kaiming_normal(mode=fan_out)", "relu", 0, 0);
    r.widths = {1024, 512, 256, 128, 64};
    bugs.push_back({"fan_out_forward_on_shrinking_widths", with(r, "variance"), ClaimId::variance});
  }
  {
    CheckRequest r = mlp("normal(std=sqrt(2/in_units))", "relu", 3, 16);
    r.arch = "conv";
    r.spatial = 8;
    r.batch = 8;
    bugs.push_back({"conv_fan_without_receptive_field", with(r, "variance"), ClaimId::variance});
  }
  // leaky_relu(0.5) gain √(2/(1+a)) instead of √(2/(1+a²)): ×0.833 per layer.
  bugs.push_back({"leaky_relu_gain_a_not_a_squared",
                  with(mlp("normal(std=sqrt(2/(1+0.5))/sqrt(fan_in))", "leaky_relu(0.5)", 12, 128),
                       "variance"),
                  ClaimId::variance});
  // PyTorch's selu gain 3/4 with fan_in: Var(W) = 0.5625/fan_in instead of LeCun's 1/fan_in.
  bugs.push_back({"selu_gain_three_quarters",
                  with(mlp("kaiming_normal(nonlinearity=selu)", "selu", 30, 128), "variance"),
                  ClaimId::variance});
  {
    CheckRequest r = mlp("kaiming_normal", "relu", 10, 64);
    r.arch = "resnet";
    bugs.push_back({"unscaled_residual_branches", with(r, "variance"), ClaimId::variance});
  }
  // std 2 % too large per layer at depth 100: second moment ×1.0404 per layer → ×52.
  bugs.push_back({"gain_two_percent_large_depth_100",
                  with(mlp("normal(std=1.02*sqrt(2/fan_in))", "relu", 100, 256), "variance"),
                  ClaimId::variance, 48});
  {
    CheckRequest r = mlp("normal(std=0.01)", "relu", 8, 128);
    r.precision = "fp16";
    bugs.push_back({"normal_0_01_in_fp16_underflows", with(r, "precision"), ClaimId::precision});
  }
  {
    CheckRequest r = mlp("normal(std=1)", "relu", 8, 128);
    r.precision = "fp16";
    bugs.push_back({"normal_1_in_fp16_overflows", with(r, "precision"), ClaimId::precision});
  }
  return bugs;
}

}  // namespace initcheck::claims::testing
