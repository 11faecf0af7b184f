#pragma once
/// Sweep results as JSON lines: one object per cell, self-describing (every line carries the
/// sweep's identity), lossless (doubles round-trip exactly; inf, -inf and nan are written as
/// the strings "inf", "-inf", "nan"), deterministic (keys sorted).
///
/// Line layout (keys): format ("initcheck-results-v1"), sweep {file, seed, cells, fingerprint},
/// index, block, request {CheckRequest fields, claims/request_fields.hpp}, command (reproduce
/// command; informational), error (string, only for invalid configurations), overall, claims
/// [ClaimResult...], curves, digest (FNV-1a 64 of the line without the digest, 16 hex digits: binds
/// every field, the request included, to the results the run wrote for it).

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "initcheck/sweep/sweep_results.hpp"

namespace initcheck::sweep {

/// The value of the `format` key every line carries (identifies files initcheck wrote).
inline constexpr const char* kResultsFormat = "initcheck-results-v1";

/// Writes one line per cell, in the order of `results.cells`.
void write_results_jsonl(std::ostream& out, const SweepResults& results);

/// The JSON text of one cell (no trailing newline).
std::string cell_to_json(const SweepInfo& info, const CellResult& cell);

/// The JSON of `initcheck check --json` (indented by 2): `configuration` (the one-line
/// description), then the keys of a results line with the same encoding — `request` (every
/// CheckRequest field), `command` (the reproduce command) — then `replicates`,
/// `drift_replicates` and `pair_replicates` (networks run), then `overall`, `claims` and `curves`
/// as in a results line.
std::string check_to_json(const claims::CheckRequest& request, const claims::CheckResult& result,
                          const std::string& configuration);

/// Parses a JSON-lines file written by write_results_jsonl. Blank lines are skipped. Throws
/// InputError naming `source:line` and the key on malformed JSON, missing keys or wrong types,
/// when lines disagree about the sweep, on content initcheck never writes (an invalid request on
/// a cell that ran, CI lower > upper, a NaN or inverted band, a claim listed twice, a verdict
/// milder than its CI and band imply, an `overall` that does not combine the claims), and when
/// the digest does not match the line. An empty input gives empty `cells` and default `info`.
SweepResults parse_results_jsonl(std::istream& in, const std::string& source);

/// Combines shard results into the results of the whole sweep. Throws InputError when the
/// parts come from different sweeps (seed, file, fingerprint or cell count differ), when a
/// cell appears twice, when cells are missing (naming how many and the first index), or when
/// the cells' requests do not hash to the sweep's fingerprint.
/// `sources` names each part in messages (same size as `parts`).
SweepResults merge_results(const std::vector<SweepResults>& parts,
                           const std::vector<std::string>& sources);

/// The fingerprint `initcheck report` records for `results`' cells (sweep_info of their requests).
std::string results_fingerprint(const SweepResults& results);

}  // namespace initcheck::sweep
