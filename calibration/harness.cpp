// calibration_harness: measures the statistical contract of `initcheck check` — at family level
// α, a configuration on which every claim is TRUE is reported violated with probability ≤ α —
// and the power against planted per-layer variance errors. A program, not a unit test: its runs
// are measurements (scripts/calibration.sh runs the full set; ctest runs a small slice).
//
// Calibration: every (configuration, TRUE claim, α) cell runs check_configuration with that one
// claim (so it spends the whole α) on seeds offset + 0 … offset + runs − 1, offset fixed by the
// configuration's and the claim's index (the α levels share seeds: common random numbers; each
// level's runs stay iid). Output is deterministic for given flags, whatever --threads is.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "catalogue.hpp"
#include "initcheck/claims/check.hpp"
#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/layer_gain_check.hpp"
#include "initcheck/stats/proportion_interval.hpp"

namespace {

using initcheck::calibration::catalogue;
using initcheck::calibration::CatalogueEntry;
using initcheck::claims::ClaimId;
using initcheck::stats::Verdict;

/// Seeds of one (configuration, claim) cell: offset = kSeedStride · (10·config + claim) + run.
/// Runs are capped below the stride so cells never share a seed.
constexpr std::uint64_t kSeedStride = 1'000'000;
constexpr int kMaxRuns = 999'999;
/// --assert: one-sided CP lower bound at level 1 − 1e-9 (two-sided interval at 1 − 2e-9).
constexpr double kAssertLevel = 1.0 - 2e-9;

struct Options {
  int runs = 0;        ///< runs per (configuration, claim, α) cell; 0 = use claim_runs
  int claim_runs = 0;  ///< total runs per (claim, α), split over the configurations
  std::vector<double> alphas = {0.05, 0.01, 0.001};
  bool power = false;
  std::vector<ClaimId> claims;  ///< empty = all
  std::string configs;          ///< substring filter on entry names
  int threads = 0;
  bool assert_calibrated = false;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "calibration_harness: " << message << " (see --help)\n";
  std::exit(2);
}

void print_help() {
  std::cout <<
      R"(Usage: calibration_harness [--runs N | --claim-runs N] [--alpha LIST] [--power]
                           [--claims LIST] [--configs SUBSTRING] [--threads T] [--assert]
Calibration (default): runs each claim on the catalogue of correct configurations where it is
TRUE and counts false violations per (claim, alpha); prints Markdown tables.
  --runs N          runs per (configuration, claim, alpha) cell (default 100)
  --claim-runs N    instead: N runs per (claim, alpha) in total, split evenly (rounded up)
                    over the configurations where the claim is true
  --alpha LIST      comma-separated family levels in (0, 1) (default 0.05,0.01,0.001)
  --claims LIST     only these claim ids (comma-separated)
  --configs SUBSTR  only catalogue entries whose name contains SUBSTR
  --threads T       worker threads (0 = all cores; results never depend on it)
  --assert          exit 1 if any (claim, alpha) or cell has its one-sided Clopper-Pearson
                    lower bound at level 1 - 1e-9 above alpha (a calibration failure)
  --power           power mode instead: planted per-layer variance errors (--runs N each,
                    default 100); check_layer_gains at depth 4 width 64 and the `variance`
                    claim at depth 20 width 128 (at each --alpha)
)";
}

int parse_int(const std::string& flag, const std::string& text, int lo, int hi) {
  try {
    std::size_t used = 0;
    const long v = std::stol(text, &used);
    if (used == text.size() && v >= lo && v <= hi) return static_cast<int>(v);
  } catch (const std::exception&) {
  }
  usage_error(flag + " needs an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
              "], got '" + text + "'");
}

std::vector<double> parse_alphas(const std::string& text) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    double v = 0.0;
    std::size_t used = 0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || !(v > 0.0 && v < 1.0)) {
      usage_error("--alpha needs comma-separated levels in (0, 1), got '" + text + "'");
    }
    out.push_back(v);
  }
  if (out.empty()) usage_error("--alpha needs at least one level");
  return out;
}

Options parse_options(int argc, char** argv) {
  Options o;
  bool runs_set = false;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    bool has_value = false;
    if (const auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    auto next = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= argc) usage_error(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h") {
      print_help();
      std::exit(0);
    } else if (flag == "--runs") {
      o.runs = parse_int(flag, next(), 1, kMaxRuns);
      runs_set = true;
    } else if (flag == "--claim-runs") {
      o.claim_runs = parse_int(flag, next(), 1, kMaxRuns);
    } else if (flag == "--alpha") {
      o.alphas = parse_alphas(next());
    } else if (flag == "--power" && !has_value) {
      o.power = true;
    } else if (flag == "--claims") {
      try {
        o.claims = initcheck::claims::parse_claim_list(next());
      } catch (const std::exception& e) {
        usage_error(std::string("--claims: ") + e.what());
      }
    } else if (flag == "--configs") {
      o.configs = next();
    } else if (flag == "--threads") {
      o.threads = parse_int(flag, next(), 0, 1024);
    } else if (flag == "--assert" && !has_value) {
      o.assert_calibrated = true;
    } else {
      usage_error("unknown flag '" + std::string(argv[i]) + "'");
    }
  }
  if (runs_set && o.claim_runs > 0) usage_error("--runs and --claim-runs are exclusive");
  if (!runs_set && o.claim_runs == 0) o.runs = 100;
  return o;
}

/// Runs job(i) for i in [0, n) on `threads` workers; job writes only its own slot.
template <class Job>
void parallel_for(std::size_t n, int threads, const Job& job) {
  const unsigned hw = std::max(1U, std::thread::hardware_concurrency());
  const auto workers = std::min<std::size_t>(threads > 0 ? static_cast<unsigned>(threads) : hw,
                                             std::max<std::size_t>(n, 1));
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (std::size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < n; i = next++) job(i);
    });
  }
  for (auto& t : pool) t.join();
}

/// Outcome counts of one set of runs.
struct Tally {
  std::size_t runs = 0;
  std::size_t violated = 0;
  std::size_t inconclusive = 0;
  std::size_t errors = 0;  ///< runs that threw (reported; --assert fails on them)
};

enum Outcome : std::uint8_t { kHolds, kInconclusive, kViolated, kError };

void add(Tally& t, Outcome o) {
  ++t.runs;
  t.violated += o == kViolated ? 1 : 0;
  t.inconclusive += o == kInconclusive ? 1 : 0;
  t.errors += o == kError ? 1 : 0;
}

std::string fmt(double v, const char* spec = "%.3g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, v);
  return buf;
}

std::string cp_text(std::size_t x, std::size_t n) {
  const auto ci = initcheck::stats::clopper_pearson_interval(x, n, 0.95);
  return "[" + fmt(ci.lower, "%.2e") + ", " + fmt(ci.upper, "%.2e") + "]";
}

/// One-sided CP lower bound at level 1 − 1e-9 exceeds α: a calibration failure.
bool miscalibrated(const Tally& t, double alpha) {
  if (t.runs == 0) return false;
  return initcheck::stats::clopper_pearson_interval(t.violated, t.runs, kAssertLevel).lower > alpha;
}

/// "| runs | false violations | observed rate | 95 % CP | consistent | inconclusive |" cells.
std::string tally_cells(const Tally& t, double alpha) {
  const auto n = static_cast<double>(t.runs);
  const auto ci95 = initcheck::stats::clopper_pearson_interval(t.violated, t.runs, 0.95);
  std::string row = " " + std::to_string(t.runs) + " | " + std::to_string(t.violated) + " | " +
                    fmt(static_cast<double>(t.violated) / n, "%.4f") + " | " +
                    cp_text(t.violated, t.runs) + " | " + (ci95.lower <= alpha ? "yes" : "**NO**") +
                    (miscalibrated(t, alpha) ? " (fails at 1−1e-9)" : "") + " | " +
                    fmt(static_cast<double>(t.inconclusive) / n, "%.3f") + " |";
  if (t.errors > 0) row += " " + std::to_string(t.errors) + " errors |";
  return row;
}

bool wanted(const Options& o, ClaimId id) {
  return o.claims.empty() || std::find(o.claims.begin(), o.claims.end(), id) != o.claims.end();
}

int run_calibration(const Options& o) {
  struct Cell {
    std::size_t entry;
    ClaimId claim;
    int runs;
  };
  const auto& cat = catalogue();
  std::vector<std::size_t> entries;
  for (std::size_t i = 0; i < cat.size(); ++i) {
    if (cat[i].name.find(o.configs) != std::string::npos) entries.push_back(i);
  }
  std::map<ClaimId, int> configs_per_claim;
  for (const std::size_t i : entries) {
    for (const ClaimId c : cat[i].truths) {
      if (wanted(o, c)) ++configs_per_claim[c];
    }
  }
  std::vector<Cell> cells;
  for (const std::size_t i : entries) {
    for (const ClaimId c : cat[i].truths) {
      if (!wanted(o, c)) continue;
      const int k = configs_per_claim[c];
      const int runs = o.runs > 0 ? o.runs : std::min(kMaxRuns, (o.claim_runs + k - 1) / k);
      cells.push_back({i, c, runs});
    }
  }
  if (cells.empty()) usage_error("no (configuration, claim) matches --configs/--claims");

  std::vector<initcheck::model::NetworkConfig> configs(cat.size());
  for (const std::size_t i : entries) {
    configs[i] = initcheck::claims::make_network_config(cat[i].request);
  }
  // Flatten (α, cell, run) into jobs.
  struct Job {
    std::size_t alpha;
    std::size_t cell;
    int run;
  };
  std::vector<Job> jobs;
  for (std::size_t a = 0; a < o.alphas.size(); ++a) {
    for (std::size_t c = 0; c < cells.size(); ++c) {
      for (int r = 0; r < cells[c].runs; ++r) jobs.push_back({a, c, r});
    }
  }
  std::vector<Outcome> outcome(jobs.size(), kError);
  std::vector<std::string> first_error(jobs.size());
  parallel_for(jobs.size(), o.threads, [&](std::size_t j) {
    const Job& job = jobs[j];
    const Cell& cell = cells[job.cell];
    initcheck::claims::CheckOptions opt;
    opt.claims = {cell.claim};
    opt.alpha = o.alphas[job.alpha];
    opt.seed = kSeedStride * (10 * cell.entry + static_cast<std::size_t>(cell.claim)) +
               static_cast<std::uint64_t>(job.run);
    opt.threads = 1;  // parallelism is over runs
    try {
      const auto r = initcheck::claims::check_configuration(configs[cell.entry], opt);
      const Verdict v = r.claims[static_cast<std::size_t>(cell.claim)].verdict;
      outcome[j] = v == Verdict::violated       ? kViolated
                   : v == Verdict::inconclusive ? kInconclusive
                                                : kHolds;
    } catch (const std::exception& e) {
      outcome[j] = kError;
      first_error[j] = e.what();
    }
  });

  // Tally per cell and per claim.
  std::vector<std::vector<Tally>> per_cell(o.alphas.size(), std::vector<Tally>(cells.size()));
  std::vector<std::map<ClaimId, Tally>> per_claim(o.alphas.size());
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    add(per_cell[jobs[j].alpha][jobs[j].cell], outcome[j]);
    add(per_claim[jobs[j].alpha][cells[jobs[j].cell].claim], outcome[j]);
    if (outcome[j] == kError) {
      std::cerr << "error: " << cat[cells[jobs[j].cell].entry].name << " "
                << initcheck::claims::claim_name(cells[jobs[j].cell].claim) << " run "
                << jobs[j].run << ": " << first_error[j] << "\n";
    }
  }

  bool failed = false;
  const std::string header =
      " runs | false violations | observed rate | 95 % Clopper–Pearson | consistent with ≤ α? "
      "(CP lower ≤ α) | inconclusive share |";
  std::cout << "## Calibration: false violations on TRUE claims, pooled over configurations\n\n"
            << "| claim | α |" << header << "\n|---|---|---|---|---|---|---|---|\n";
  for (const ClaimId c : initcheck::claims::kAllClaims) {
    for (std::size_t a = 0; a < o.alphas.size(); ++a) {
      const auto it = per_claim[a].find(c);
      if (it == per_claim[a].end()) continue;
      std::cout << "| " << initcheck::claims::claim_name(c) << " | " << fmt(o.alphas[a], "%g")
                << " |" << tally_cells(it->second, o.alphas[a]) << "\n";
      failed = failed || miscalibrated(it->second, o.alphas[a]) || it->second.errors > 0;
    }
  }
  std::cout << "\n## Calibration per configuration\n\n| configuration | claim | α |" << header
            << "\n|---|---|---|---|---|---|---|---|---|\n";
  for (std::size_t c = 0; c < cells.size(); ++c) {
    for (std::size_t a = 0; a < o.alphas.size(); ++a) {
      const Tally& t = per_cell[a][c];
      std::cout << "| " << cat[cells[c].entry].name << " | "
                << initcheck::claims::claim_name(cells[c].claim) << " | " << fmt(o.alphas[a], "%g")
                << " |" << tally_cells(t, o.alphas[a]) << "\n";
      failed = failed || miscalibrated(t, o.alphas[a]) || t.errors > 0;
    }
  }
  std::cout << "\nWhy the claims are true (theory):\n\n";
  for (const std::size_t i : entries) {
    const bool used =
        std::any_of(cells.begin(), cells.end(), [&](const Cell& c) { return c.entry == i; });
    if (used) std::cout << "- " << cat[i].name << ": " << cat[i].why << "\n";
  }
  if (o.assert_calibrated) {
    std::cout << "\nassert: " << (failed ? "FAILED" : "ok")
              << " (one-sided Clopper–Pearson lower bound at level 1 − 1e-9 ≤ α for every row"
              << ", no errors)\n";
  }
  return o.assert_calibrated && failed ? 1 : 0;
}

/// Planted relative variance error e: normal(std=sqrt(2·(1+e)/fan_in)) with relu.
initcheck::claims::CheckRequest planted(double e, int depth, std::int64_t width) {
  initcheck::claims::CheckRequest r;
  r.init = "normal(std=sqrt(2*" + fmt(1.0 + e, "%.2f") + "/fan_in))";
  r.activation = "relu";
  r.depth = depth;
  r.width = width;
  r.batch = 32;
  return r;
}

int run_power(const Options& o) {
  const int runs = o.runs > 0 ? o.runs : 100;
  const std::vector<double> errors = {-0.30, -0.20, -0.10, -0.05, -0.02, -0.01,
                                      0.01,  0.02,  0.05,  0.10,  0.20,  0.30};

  // (a) check_layer_gains, default options, depth 4 width 64.
  std::cout << "## Power: check_layer_gains (depth 4, width 64, default options: α = 1e-9, "
               "planned for 5 % at power 0.999)\n\n"
               "| planted e | runs | not holds | rate | 95 % Clopper–Pearson | networks |\n"
               "|---|---|---|---|---|---|\n";
  for (const double e : errors) {
    const auto config = initcheck::claims::make_network_config(planted(e, 4, 64));
    std::vector<Outcome> out(static_cast<std::size_t>(runs), kError);
    std::vector<int> networks(static_cast<std::size_t>(runs), 0);
    parallel_for(out.size(), o.threads, [&](std::size_t r) {
      initcheck::claims::LayerGainOptions lg;
      lg.seed = r;
      lg.threads = 1;
      const auto res = initcheck::claims::check_layer_gains(config, lg);
      out[r] = res.verdict == Verdict::holds ? kHolds : kViolated;
      networks[r] = res.networks;
    });
    const auto fails = static_cast<std::size_t>(std::count(out.begin(), out.end(), kViolated));
    std::cout << "| " << fmt(100 * e, "%+.0f") << " % | " << runs << " | " << fails << " | "
              << fmt(static_cast<double>(fails) / runs, "%.3f") << " | "
              << cp_text(fails, out.size()) << " | " << networks[0] << " |\n";
  }

  // (b) the `variance` claim, depth 20 width 128: Π g = (1+e)^20 against [1/4, 4].
  std::cout << "\n## Power: `variance` claim (depth 20, width 128, batch 32)\n\n"
               "Π g_l = (1+e)^20; the claim is TRUE when it lies in [1/4, 4] (|e| ≲ 7 %), so "
               "there `violated` is a false violation (rate ≤ α).\n\n"
               "| planted e | (1+e)^20 | claim | α | runs | violated | rate | 95 % "
               "Clopper–Pearson | inconclusive share |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const double e : errors) {
    const auto config = initcheck::claims::make_network_config(planted(e, 20, 128));
    const double product = std::pow(1.0 + e, 20);
    const bool truth = product >= 0.25 && product <= 4.0;
    for (const double alpha : o.alphas) {
      std::vector<Outcome> out(static_cast<std::size_t>(runs), kError);
      parallel_for(out.size(), o.threads, [&](std::size_t r) {
        initcheck::claims::CheckOptions opt;
        opt.claims = {ClaimId::variance};
        opt.alpha = alpha;
        opt.seed = r;
        opt.threads = 1;
        const Verdict v = initcheck::claims::check_configuration(config, opt)
                              .claims[static_cast<std::size_t>(ClaimId::variance)]
                              .verdict;
        out[r] = v == Verdict::violated       ? kViolated
                 : v == Verdict::inconclusive ? kInconclusive
                                              : kHolds;
      });
      const auto bad = static_cast<std::size_t>(std::count(out.begin(), out.end(), kViolated));
      const auto inc = static_cast<std::size_t>(std::count(out.begin(), out.end(), kInconclusive));
      std::cout << "| " << fmt(100 * e, "%+.0f") << " % | " << fmt(product, "%.3g") << " | "
                << (truth ? "true" : "false") << " | " << fmt(alpha, "%g") << " | " << runs << " | "
                << bad << " | " << fmt(static_cast<double>(bad) / runs, "%.3f") << " | "
                << cp_text(bad, out.size()) << " | " << fmt(static_cast<double>(inc) / runs, "%.3f")
                << " |\n";
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  try {
    return o.power ? run_power(o) : run_calibration(o);
  } catch (const std::exception& e) {
    std::cerr << "calibration_harness: " << e.what() << "\n";
    return 1;
  }
}
