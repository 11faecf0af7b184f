#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "commands.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/engine/memory_estimate.hpp"
#include "initcheck/report/gain_table.hpp"
#include "initcheck/report/output_dir_lock.hpp"
#include "initcheck/report/plots.hpp"
#include "initcheck/report/report_files.hpp"
#include "initcheck/sweep/cell_validation.hpp"
#include "initcheck/sweep/claims_checker.hpp"
#include "initcheck/sweep/results_json.hpp"
#include "initcheck/sweep/runner.hpp"
#include "initcheck/sweep/sweep_spec.hpp"
#include "memory_limit.hpp"

namespace initcheck::cli {
namespace {

struct ReportOptions {
  std::string sweep = "reports/default.yaml";
  std::string out = "reports";
  std::uint64_t seed = 0;
  CLI::Option* seed_option = nullptr;
  int jobs = 0;
  std::string shard;
  bool force = false;
  bool allow_invalid = false;
  std::string max_memory;
  CLI::Option* max_memory_option = nullptr;
};

constexpr int kExitInternal = 4;
/// Invalid cells listed on stderr; the rest are counted on the last line.
constexpr std::size_t kMaxListed = 20;

/// Finds the invalid cells before any work. Without --allow-invalid, throws InputError (exit 2,
/// one line: the first invalid cell and the count); with it, lists them as warnings (they are
/// skipped). Also exit 2 when no cell is left to check.
void refuse_invalid_cells(sweep::SweepSpec& spec, bool allow_invalid) {
  const std::size_t invalid = sweep::mark_invalid_cells(spec);
  if (invalid == 0) return;
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < spec.cells.size() && lines.size() < kMaxListed; ++i) {
    if (!spec.cells[i].invalid.empty()) lines.push_back(sweep::invalid_cell_message(spec, i));
  }
  const std::string counts =
      std::to_string(invalid) + " of " + std::to_string(spec.cells.size()) + " cells invalid";
  if (!allow_invalid) {
    throw InputError(lines.front() + " [" + counts + "; --allow-invalid lists and skips them]");
  }
  if (invalid == spec.cells.size()) {
    throw InputError(lines.front() + " [every cell of the sweep is invalid: " + counts + "]");
  }
  for (const std::string& line : lines) std::cerr << "initcheck: warning: " << line << "\n";
  if (invalid > lines.size()) {
    std::cerr << "initcheck: warning: ... and " << invalid - lines.size()
              << " more invalid cells\n";
  }
  std::cerr << "initcheck: skipping " << invalid << " invalid cell" << (invalid == 1 ? "" : "s")
            << " (--allow-invalid); checking the other " << spec.cells.size() - invalid << "\n";
}

/// Names each cell whose check failed with an internal error (a bug) on stderr; returns
/// kExitInternal if there was one, else 0.
int report_internal_errors(const sweep::SweepResults& results) {
  int code = 0;
  for (const sweep::CellResult& cell : results.cells) {
    if (!cell.internal) continue;
    std::cerr << "initcheck: internal error in cell " << cell.index + 1 << " (" << cell.block
              << "), recorded in the results with the other cells: " << cell.error << "\n";
    code = kExitInternal;
  }
  return code;
}

/// Memory one sweep cell holds until the report is written: its request, its result with the
/// per-layer curves, its JSON line (4–18 kB each in reports/results.jsonl) and the parsed copy
/// the report renders from.
constexpr double kBytesPerCell = 32.0 * 1024;

/// Throws InputError when a grid of `cells` cannot be held within `limit` bytes.
void check_grid_memory(double cells, double limit) {
  const double need = cells * kBytesPerCell;
  if (limit <= 0.0 || need <= limit) return;
  std::array<char, 32> count{};
  std::snprintf(count.data(), count.size(), "%.0f", cells);
  throw InputError("sweep too large: its " + std::string(count.data()) +
                   " cells need an estimated " + engine::format_bytes(need) +
                   " of memory for their results alone (" + engine::format_bytes(kBytesPerCell) +
                   " per cell), more than the limit of " + engine::format_bytes(limit) +
                   " (--max-memory; default: the machine's available memory)");
}

int run_report(const ReportOptions& opts) {
  const double limit = memory_limit(opts.max_memory_option->count() > 0, opts.max_memory);
  const bool sharded = !opts.shard.empty();
  const sweep::Shard shard = sharded ? sweep::parse_shard(opts.shard) : sweep::Shard{};
  sweep::SweepSpec spec =
      sweep::load_sweep(opts.sweep, [limit](double cells) { check_grid_memory(cells, limit); });
  if (opts.seed_option->count() > 0) sweep::reseed(spec, opts.seed);
  refuse_invalid_cells(spec, opts.allow_invalid);
  const sweep::SweepInfo info = sweep::sweep_info(spec, opts.sweep);

  // Refuse an unwritable --out or clobbering a user's file before spending time on the sweep.
  std::vector<std::string> targets;
  if (sharded) {
    targets.push_back(report::shard_file_name(shard));
  } else {
    targets = {report::kReportFileName, report::kResultsFileName, report::kManifestFileName};
    for (const std::string& name : report::plot_file_names()) targets.push_back(name);
  }
  const report::OutputDirLock lock(opts.out, sharded ? report::OutputDirLock::Mode::shared
                                                     : report::OutputDirLock::Mode::exclusive);
  report::prepare_output_dir(opts.out, targets, opts.force);

  sweep::RunOptions run;
  run.jobs = opts.jobs;
  run.shard = shard;
  run.progress = ::isatty(STDERR_FILENO) != 0 ? &std::cerr : nullptr;
  // What the results leave is shared by the cells running at once; a cell that needs more is
  // reported as an error row.
  const int jobs = opts.jobs > 0
                       ? opts.jobs
                       : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const double per_cell =
      limit > 0.0 ? std::max(limit - static_cast<double>(spec.cells.size()) * kBytesPerCell, 1.0) /
                        static_cast<double>(jobs)
                  : 0.0;
  const sweep::SweepResults results =
      sweep::run_sweep(spec, info, sweep::claims_checker(per_cell), run);

  std::ostringstream jsonl;
  sweep::write_results_jsonl(jsonl, results);
  if (sharded) {
    report::write_output_file(opts.out, {targets.front(), jsonl.str()}, opts.force);
    std::cout << "initcheck: wrote " << results.cells.size() << " of " << info.cells << " cells to "
              << (std::filesystem::path(opts.out) / targets.front()).string() << "\n";
    return report_internal_errors(results);
  }
  // Render from the parsed JSON, exactly as `initcheck merge` does, so both agree byte for byte.
  std::istringstream in(jsonl.str());
  const sweep::SweepResults parsed = sweep::parse_results_jsonl(in, report::kResultsFileName);
  const std::vector<report::OutputFile> files = report::render_report(parsed, report::gain_rows());
  report::write_report(opts.out, files, opts.force);
  std::cout << "initcheck: wrote "
            << (std::filesystem::path(opts.out) / report::kReportFileName).string() << " ("
            << parsed.cells.size() << " configurations, " << files.size() - 2 << " plots)\n";
  return report_internal_errors(results);
}

}  // namespace

Subcommand add_report_command(CLI::App& app) {
  auto opts = std::make_shared<ReportOptions>();
  CLI::App* sub = app.add_subcommand(
      "report",
      "Run a sweep and write the Markdown stability report, its SVG plots and results.jsonl\n"
      "(exit 0 when written, whatever the verdicts; 2 on bad input or an invalid cell, before\n"
      "any work; 4 if a cell hit an internal error, after writing the other cells)");
  sub->footer(R"(Sweep file: YAML, or TOML (a .toml file, or one whose first line is a [table] or
key = value). JSON Schema for editors: docs/sweep.schema.json (installed as
share/initcheck/sweep.schema.json). Top-level keys:
  seed          integer   master seed; a cell's seed derives from it and the cell (default 1)
  defaults      map       block keys applied to every block; a block's own key wins
  blocks        list      required, non-empty: maps of block keys
Block keys. A list of values is a grid axis: a block is the cartesian product of its axes,
the last key varying fastest. Defaults are `check`'s:
  init          string    required (block or defaults): init spec, e.g. normal(std=0.01)
  activation    string    required (block or defaults): relu, leaky_relu(a), tanh, gelu, ...
  arch          string    mlp | conv | resnet | transformer (default mlp)
  depth         integer   weight layers (mlp, conv), residual blocks (resnet) or transformer
                          blocks (default 10)
  width         integer   every layer's width, channels for conv, d_model for transformer
                          (default 512)
  widths        integers  [n0, ..., nL]: sets width and depth, so not with either of them;
                          a list of such lists is an axis (default: unset)
  batch         integer   input batch size (default 128)
  kernel        integer   conv kernel size, conv only (default 3)
  spatial       integer   conv input height = width, conv only (default 16)
  branch_scale  string    residual branch scale, an expression over depth; resnet or
                          transformer only (default 1)
  tokens        integer   tokens per sequence, transformer only (default 16)
  heads         integer   attention heads, must divide the width; transformer only (default 4)
  mlp_ratio     number    MLP hidden width / width, transformer only (default 4)
  mask          string    attention mask none | causal, transformer only (default none)
  residual      string    yes | no: no drops each sub-block's skip, LN(a*F(x)) post-norm;
                          transformer only (default yes)
  norm          string    none | batchnorm | layernorm | rmsnorm (default none)
  norm_placement  string  resnet or transformer only: where the norm sits. none = after
                          every linear layer inside the branch; pre = on the branch input,
                          x + a*F(N(x)); post = after the sum, N(x + a*F(x)); pre/post need
                          layernorm or rmsnorm; a transformer needs pre or post (default none)
  precision     string    fp32 | bf16 | fp16 (default fp32)
  input         string    standard_normal | dataset_normalized | unnormalized |
                          dataset_unnormalized (default standard_normal)
  tolerance     number    K: std within [1/K, K] (default 2)
  alpha         number    family-wise level of each cell (default 1e-6)
  replicates    integer   networks to run, fixed; 0 = planned (default 0)
  max_networks  integer   cap on networks of the sequential looks; 0 = 384 (default 0)
  budget        number    nominal seconds the sequential looks may spend (default 5)
  claims        strings   claim ids checked in every cell of the block, one list, not an
                          axis (default: every applicable claim)
  name          string    the block's label in the report (default: block N)
Example (YAML):
  blocks:
    - name: plain MLPs
      init: [kaiming_normal, xavier_normal]
      activation: [relu, tanh]
      depth: [10, 50]
      width: 256
      claims: [variance, growth]
The same in TOML:
  [[blocks]]
  name = "plain MLPs"
  init = ["kaiming_normal", "xavier_normal"]
  activation = ["relu", "tanh"]
  depth = [10, 50]
  width = 256
  claims = ["variance", "growth"]
Unknown, duplicate or non-scalar keys, wrong types, syntax errors and a second YAML document
are exit 2 (one line, FILE:LINE). A cell is invalid if `check` would refuse it (bad value,
unknown claim, a listed claim that does not apply) or it repeats an earlier cell.)");
  sub->add_option("--sweep", opts->sweep, "Sweep file (YAML or TOML; keys below)")
      ->capture_default_str();
  sub->add_option("--out", opts->out, "Output directory")->capture_default_str();
  opts->seed_option =
      sub->add_option("--seed", opts->seed, "Master seed (overrides the sweep file's)");
  sub->add_option("--jobs", opts->jobs,
                  "Worker threads (0 = all cores); output never depends on it")
      ->check(CLI::Validator(
          [](const std::string& v) {
            return v.starts_with('-') ? v + " is negative; expected 0 (all cores) or a number "
                                            "of threads"
                                      : std::string{};
          },
          std::string{}))
      ->capture_default_str();
  sub->add_option("--shard", opts->shard,
                  "Run only cells with index % N == i-1 and write results-i-of-N.jsonl (merge "
                  "them with `initcheck merge`)");
  opts->max_memory_option =
      sub->add_option("--max-memory", opts->max_memory,
                      std::string("Refuse (exit 2) a sweep whose results would exceed SIZE; a "
                                  "cell needing more than its share (SIZE / --jobs) is an error "
                                  "row, not run. SIZE ") +
                          kMemorySizeHelp)
          ->type_name("SIZE");
  sub->add_flag("--force", opts->force, "Overwrite files that initcheck did not generate");
  sub->add_flag("--allow-invalid", opts->allow_invalid,
                "List invalid sweep cells, skip them (recorded as invalid in the report) and "
                "check the others; without it an invalid cell is exit 2");
  return {sub, [opts] { return run_report(*opts); }};
}

}  // namespace initcheck::cli
