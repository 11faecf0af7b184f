#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/report/gain_table.hpp"
#include "initcheck/report/output_dir_lock.hpp"
#include "initcheck/report/report_files.hpp"
#include "initcheck/sweep/results_json.hpp"

namespace initcheck::cli {
namespace {

struct MergeOptions {
  std::string out = "reports";
  std::vector<std::string> files;
  bool force = false;
};

int run_merge(const MergeOptions& opts) {
  std::vector<sweep::SweepResults> parts;
  for (const std::string& file : opts.files) {
    std::ifstream in(file);
    if (!in || std::filesystem::is_directory(file)) {
      throw InputError("cannot read results file '" + file + "'");
    }
    parts.push_back(sweep::parse_results_jsonl(in, file));
  }
  const sweep::SweepResults merged = sweep::merge_results(parts, opts.files);
  const std::vector<report::OutputFile> files = report::render_report(merged, report::gain_rows());
  const report::OutputDirLock lock(opts.out, report::OutputDirLock::Mode::exclusive);
  report::write_report(opts.out, files, opts.force);
  std::cout << "initcheck: merged " << opts.files.size() << " files into "
            << (std::filesystem::path(opts.out) / report::kReportFileName).string() << " ("
            << merged.cells.size() << " configurations)\n";
  return 0;
}

}  // namespace

Subcommand add_merge_command(CLI::App& app) {
  auto opts = std::make_shared<MergeOptions>();
  CLI::App* sub = app.add_subcommand(
      "merge",
      "Combine the results-i-of-N.jsonl files of `initcheck report --shard` runs into the report\n"
      "a single run would write (byte for byte); exit 2 naming file:line and the key on a line\n"
      "that was edited or is inconsistent");
  sub->add_option("--out", opts->out, "Output directory")->capture_default_str();
  sub->add_flag("--force", opts->force, "Overwrite files that initcheck did not generate");
  sub->add_option("files", opts->files, "Shard results files (JSON lines)")->required();
  return {sub, [opts] { return run_merge(*opts); }};
}

}  // namespace initcheck::cli
