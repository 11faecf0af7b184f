#include "initcheck/claims/claim_id.hpp"

#include <algorithm>
#include <string>

#include "initcheck/core/error.hpp"

namespace initcheck::claims {
namespace {

struct ClaimText {
  ClaimId id;
  std::string_view name;
  std::string_view statement;
  std::string_view measure;
};

constexpr std::array<ClaimText, 10> kTexts = {{
    {ClaimId::variance, "variance", "Mean 0 std 1 lasts a long time",
     "per-layer second-moment gain with CI, product over depth within [1/K², K²]"},
    {ClaimId::growth, "growth", "10^5 = 100000 … 0.1^5 = 0.00001",
     "measured second-moment trajectory vs the mean-field prediction, layer by layer"},
    {ClaimId::drift, "drift",
     "These do not hold over many layers, as these are randomly sampled and small variations "
     "cause this to break",
     "P(one network's std_L/std_0 ∉ [1/K, K]) ≤ δ over replicates, vs Hanin–Rolnick"},
    {ClaimId::precision, "precision", "STD close to 0 … more underflow, especially in fp16",
     "per-layer fraction of values flushed to zero, made subnormal or overflowed ≤ ε"},
    {ClaimId::mean, "mean", "Mean 0 is mostly there for 0x0=0 and 0+0=0",
     "per-layer |pre-activation mean| ≤ 0.1·std"},
    {ClaimId::dominance, "dominance", "you lose the property of 1 weight not contributing too much",
     "participation ratio of a unit's input contributions ≥ n/4"},
    {ClaimId::batchnorm, "batchnorm", "Batch norm forces mean 0, std 1",
     "per-channel batch mean 0 and variance σ²/(σ²+ε) after every BatchNorm"},
    {ClaimId::bn_input, "bn-input",
     "You want what is passed into Batchnorm to only have small variances from mean 0 std 1. "
     "You can lose information when you normalize otherwise.",
     "relative error of the BatchNorm output vs an fp64 reference; variance vs σ²/(σ²+ε)"},
    {ClaimId::batch_stats, "batch-stats", "We normalize all of the dataset, not each batch",
     "per-batch mean/std of dataset-normalized inputs vs t and χ² intervals"},
    {ClaimId::gradient, "gradient", "We can get into the actual gradients as well",
     "per-layer backward gain of the gradient second moment with CI"},
}};

const ClaimText& text(ClaimId id) {
  return *std::find_if(kTexts.begin(), kTexts.end(),
                       [id](const ClaimText& t) { return t.id == id; });
}

}  // namespace

std::string_view claim_name(ClaimId id) {
  return text(id).name;
}
std::string_view claim_statement(ClaimId id) {
  return text(id).statement;
}
std::string_view claim_measure(ClaimId id) {
  return text(id).measure;
}

ClaimId parse_claim(std::string_view name) {
  for (const ClaimText& t : kTexts) {
    if (t.name == name) return t.id;
  }
  std::string valid;
  for (const ClaimText& t : kTexts) valid += (valid.empty() ? "" : ", ") + std::string(t.name);
  throw InputError("unknown claim '" + std::string(name) + "'; expected one of: " + valid);
}

std::vector<ClaimId> parse_claim_list(std::string_view csv) {
  std::vector<ClaimId> out;
  std::size_t start = 0;
  while (start <= csv.size()) {
    const std::size_t comma = std::min(csv.find(',', start), csv.size());
    std::string_view item = csv.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) throw InputError("empty claim id in list '" + std::string(csv) + "'");
    const ClaimId id = parse_claim(item);
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    start = comma + 1;
  }
  return out;
}

}  // namespace initcheck::claims
