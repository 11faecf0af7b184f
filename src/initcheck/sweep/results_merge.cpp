#include <algorithm>
#include <map>

#include "initcheck/core/error.hpp"
#include "initcheck/sweep/detail/results_line.hpp"
#include "initcheck/sweep/results_json.hpp"
#include "initcheck/sweep/runner.hpp"

namespace initcheck::sweep {

SweepResults merge_results(const std::vector<SweepResults>& parts,
                           const std::vector<std::string>& sources) {
  SweepResults merged;
  bool have_info = false;
  std::string info_source;
  std::map<std::size_t, std::string> seen;  // cell index → source
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const SweepResults& part = parts[p];
    const std::string& source = sources.at(p);
    if (part.cells.empty()) continue;
    if (!have_info) {
      merged.info = part.info;
      info_source = source;
      have_info = true;
    } else if (!(part.info == merged.info)) {
      throw InputError("cannot merge '" + source + "' (" + detail::describe_sweep(part.info) +
                       ") with '" + info_source + "' (" + detail::describe_sweep(merged.info) +
                       ")");
    }
    for (const CellResult& cell : part.cells) {
      const auto [it, inserted] = seen.emplace(cell.index, source);
      if (!inserted) {
        throw InputError("cell " + std::to_string(cell.index) + " appears in both '" + it->second +
                         "' and '" + source + "'");
      }
      merged.cells.push_back(cell);
    }
  }
  if (!have_info) throw InputError("nothing to merge: the result files contain no cells");
  if (seen.size() != merged.info.cells) {
    std::size_t first_missing = 0;
    while (seen.contains(first_missing)) ++first_missing;
    throw InputError(std::to_string(merged.info.cells - seen.size()) + " of " +
                     std::to_string(merged.info.cells) + " cells are missing (first: index " +
                     std::to_string(first_missing) + "); did every shard finish?");
  }
  std::sort(merged.cells.begin(), merged.cells.end(),
            [](const CellResult& a, const CellResult& b) { return a.index < b.index; });
  // The fingerprint hashes every cell's request: it binds the requests to the sweep, across
  // shards (a line whose request was edited and its digest recomputed still fails here).
  const std::string fingerprint = results_fingerprint(merged);
  if (fingerprint != merged.info.fingerprint) {
    throw InputError("the cells' requests hash to fingerprint " + fingerprint +
                     ", not the sweep's " + merged.info.fingerprint +
                     ": a request was edited after initcheck wrote it");
  }
  return merged;
}

std::string results_fingerprint(const SweepResults& results) {
  SweepSpec spec;
  spec.seed = results.info.seed;
  for (const CellResult& cell : results.cells) {
    SweepCell& copy = spec.cells.emplace_back();
    copy.block = cell.block;
    copy.request = cell.request;
  }
  return sweep_info(spec, results.info.file).fingerprint;
}

}  // namespace initcheck::sweep
