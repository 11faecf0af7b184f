#include "initcheck/report/detail/cell_families.hpp"

#include <map>
#include <tuple>
#include <utility>

namespace initcheck::report::detail {

bool plain_mlp(const CellResult& c) {
  const claims::CheckRequest& r = c.request;
  return c.ok() && r.arch == "mlp" && r.widths.empty() && r.norm == "none" &&
         r.input == "standard_normal";
}

ShapeKey shape_of(const CellResult& c) {
  const claims::CheckRequest& r = c.request;
  return {r.depth, r.width, r.batch, r.precision, r.tolerance};
}

std::string describe_shape(const ShapeKey& k) {
  return "mlp, depth " + std::to_string(k.depth) + ", width " + std::to_string(k.width) +
         ", batch " + std::to_string(k.batch) + ", " + k.precision +
         ", no normalization, N(0,1) input";
}

std::vector<const CellResult*> largest_shape_family(const std::vector<const CellResult*>& cells) {
  std::vector<ShapeKey> order;
  std::map<ShapeKey, std::vector<const CellResult*>> groups;
  std::map<ShapeKey, std::set<std::pair<std::string, std::string>>> pairs;
  for (const CellResult* c : cells) {
    const ShapeKey k = shape_of(*c);
    if (!groups.contains(k)) order.push_back(k);
    groups[k].push_back(c);
    pairs[k].emplace(c->request.activation, c->request.init);
  }
  const ShapeKey* best = nullptr;
  for (const ShapeKey& k : order) {
    if (best == nullptr) {
      best = &k;
      continue;
    }
    const auto score = [&](const ShapeKey& key) {
      return std::make_tuple(pairs[key].size(), key.depth, key.width);
    };
    if (score(k) > score(*best)) best = &k;
  }
  return best == nullptr ? std::vector<const CellResult*>{} : groups[*best];
}

std::vector<const CellResult*> select(const sweep::SweepResults& results,
                                      const std::function<bool(const CellResult&)>& keep) {
  std::vector<const CellResult*> out;
  for (const CellResult& c : results.cells) {
    if (keep(c)) out.push_back(&c);
  }
  return out;
}

bool plain_fp32(const CellResult& c, const std::string& arch) {
  const claims::CheckRequest& r = c.request;
  // Transformer blocks always carry their LayerNorm (pre or post: part of the line's label).
  const bool plain_norm = r.norm == "none" || r.arch == "transformer";
  return c.ok() && r.arch == arch && r.widths.empty() && plain_norm &&
         r.input == "standard_normal" && r.precision == "fp32";
}

FamilyKey family_of(const CellResult& c) {
  const claims::CheckRequest& r = c.request;
  return {r.width, r.batch, r.tolerance, r.kernel, r.spatial, r.tokens};
}

std::string series_label(const claims::CheckRequest& r) {
  if (r.arch == "transformer") {
    return r.init + ", " + r.norm_placement + "-LN, branch scale " + r.branch_scale +
           (r.residual == "no" ? ", no residual" : "");
  }
  return r.arch == "resnet" ? r.init + ", branch scale " + r.branch_scale : r.init;
}

std::vector<const CellResult*> largest_family(const std::vector<const CellResult*>& cells) {
  std::vector<FamilyKey> order;
  std::map<FamilyKey, std::vector<const CellResult*>> groups;
  std::map<FamilyKey, std::set<std::pair<std::string, std::string>>> pairs;
  for (const CellResult* c : cells) {
    const FamilyKey k = family_of(*c);
    if (!groups.contains(k)) order.push_back(k);
    groups[k].push_back(c);
    pairs[k].emplace(c->request.activation, series_label(c->request));
  }
  const FamilyKey* best = nullptr;
  const auto score = [&](const FamilyKey& key) {
    return std::make_tuple(pairs[key].size(), groups[key].size(), key.width);
  };
  for (const FamilyKey& k : order) {
    if (best == nullptr || score(k) > score(*best)) best = &k;
  }
  return best == nullptr ? std::vector<const CellResult*>{} : groups[*best];
}

std::string describe_family(const std::string& arch, const FamilyKey& k,
                            const std::set<int>& depths) {
  std::string out = arch + ", width " + std::to_string(k.width);
  if (arch == "conv") {
    out += " (kernel " + std::to_string(k.kernel) + ", " + std::to_string(k.spatial) + "×" +
           std::to_string(k.spatial) + " input)";
  }
  out += depths.size() == 1 ? ", depth " : ", depths ";
  bool first = true;
  for (int d : depths) {
    out += (first ? "" : ", ") + std::to_string(d);
    first = false;
  }
  if (arch == "transformer") {
    return out + ", " + std::to_string(k.batch) + " sequences of " + std::to_string(k.tokens) +
           " tokens, fp32, LayerNorm (pre or post), N(0,1) input";
  }
  return out + ", batch " + std::to_string(k.batch) + ", fp32, no normalization, N(0,1) input";
}

}  // namespace initcheck::report::detail
