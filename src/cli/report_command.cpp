#include <unistd.h>

#include <cstdint>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "commands.hpp"
#include "initcheck/report/gain_table.hpp"
#include "initcheck/report/plots.hpp"
#include "initcheck/report/report_files.hpp"
#include "initcheck/sweep/claims_checker.hpp"
#include "initcheck/sweep/results_json.hpp"
#include "initcheck/sweep/runner.hpp"
#include "initcheck/sweep/sweep_spec.hpp"

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
};

int run_report(const ReportOptions& opts) {
  const bool sharded = !opts.shard.empty();
  const sweep::Shard shard = sharded ? sweep::parse_shard(opts.shard) : sweep::Shard{};
  sweep::SweepSpec spec = sweep::load_sweep(opts.sweep);
  if (opts.seed_option->count() > 0) sweep::reseed(spec, opts.seed);
  const sweep::SweepInfo info = sweep::sweep_info(spec, opts.sweep);

  // Refuse an unwritable --out or clobbering a user's file before spending time on the sweep.
  std::vector<std::string> targets;
  if (sharded) {
    targets.push_back(report::shard_file_name(shard));
  } else {
    targets = {report::kReportFileName, report::kResultsFileName, report::kManifestFileName};
    for (const std::string& name : report::plot_file_names()) targets.push_back(name);
  }
  report::prepare_output_dir(opts.out, targets, opts.force);

  sweep::RunOptions run;
  run.jobs = opts.jobs;
  run.shard = shard;
  run.progress = ::isatty(STDERR_FILENO) != 0 ? &std::cerr : nullptr;
  const sweep::SweepResults results = sweep::run_sweep(spec, info, sweep::claims_checker(), run);

  std::ostringstream jsonl;
  sweep::write_results_jsonl(jsonl, results);
  if (sharded) {
    report::write_output_file(opts.out, {targets.front(), jsonl.str()}, opts.force);
    std::cout << "initcheck: wrote " << results.cells.size() << " of " << info.cells << " cells to "
              << (std::filesystem::path(opts.out) / targets.front()).string() << "\n";
    return 0;
  }
  // Render from the parsed JSON, exactly as `initcheck merge` does, so both agree byte for byte.
  std::istringstream in(jsonl.str());
  const sweep::SweepResults parsed = sweep::parse_results_jsonl(in, report::kResultsFileName);
  const std::vector<report::OutputFile> files = report::render_report(parsed, report::gain_rows());
  report::write_report(opts.out, files, opts.force);
  std::cout << "initcheck: wrote "
            << (std::filesystem::path(opts.out) / report::kReportFileName).string() << " ("
            << parsed.cells.size() << " configurations, " << files.size() - 2 << " plots)\n";
  return 0;
}

}  // namespace

Subcommand add_report_command(CLI::App& app) {
  auto opts = std::make_shared<ReportOptions>();
  CLI::App* sub = app.add_subcommand(
      "report",
      "Run a sweep and write the Markdown stability report, its SVG plots and results.jsonl\n"
      "(exit 0 when written, whatever the verdicts; 2 on bad input)");
  sub->add_option("--sweep", opts->sweep, "Sweep file (YAML)")->capture_default_str();
  sub->add_option("--out", opts->out, "Output directory")->capture_default_str();
  opts->seed_option =
      sub->add_option("--seed", opts->seed, "Master seed (overrides the sweep file's)");
  sub->add_option("--jobs", opts->jobs,
                  "Worker threads (0 = all cores); output never depends on it")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--shard", opts->shard,
                  "Run only cells with index % N == i-1 and write results-i-of-N.jsonl (merge "
                  "them with `initcheck merge`)");
  sub->add_flag("--force", opts->force, "Overwrite files that initcheck did not generate");
  return {sub, [opts] { return run_report(*opts); }};
}

}  // namespace initcheck::cli
