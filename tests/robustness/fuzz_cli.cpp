// Robustness harness (issue #13): runs the built `initcheck` on random mutations of valid command
// lines, init specs, sweep files and shard results, and fails on any run that exits 4 (internal
// error), dies of a signal, hangs past the per-run timeout, exits outside 0-3, or exits 2 without
// exactly one stderr line `initcheck: error: <problem>`. Case i of a seed is deterministic; every
// failure is printed as a shell command that reproduces it.
//
// Usage: fuzz_cli --binary PATH [--seed N] [--runs N] [--time-limit S] [--timeout S] [--jobs N]
//                 [--classes all|flags,values,text,spec,yaml,toml,merge,sizes,weights]
//                 [--start I] [--work DIR] [--memory-limit MiB] [--dry-run]

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "case_generator.hpp"

namespace fs = std::filesystem;
using initcheck::fuzz::Case;
using initcheck::fuzz::MutationClass;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string binary;
  std::uint64_t seed = 1;
  std::uint64_t runs = 1000;
  std::uint64_t start = 0;
  double time_limit = 60;  ///< seconds; no new run starts after it
  double timeout = 20;     ///< seconds per run before it counts as a hang
  int jobs = 2;
  std::vector<MutationClass> classes = initcheck::fuzz::all_mutation_classes();
  std::string work;
  long memory_limit_mib = 4096;  ///< RLIMIT_AS of each run (0: none); bad_alloc beats swapping
  bool dry_run = false;          ///< print the cases' commands instead of running them
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr
      << "fuzz_cli: " << problem << "\n"
      << "usage: fuzz_cli --binary PATH [--seed N] [--runs N] [--time-limit S] [--timeout S]"
         " [--jobs N] [--classes LIST] [--start I] [--work DIR] [--memory-limit MiB] [--dry-run]\n";
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--dry-run") {
      o.dry_run = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value after " + flag);
    const std::string value = argv[++i];
    try {
      if (flag == "--binary")
        o.binary = value;
      else if (flag == "--seed")
        o.seed = std::stoull(value);
      else if (flag == "--runs")
        o.runs = std::stoull(value);
      else if (flag == "--start")
        o.start = std::stoull(value);
      else if (flag == "--time-limit")
        o.time_limit = std::stod(value);
      else if (flag == "--timeout")
        o.timeout = std::stod(value);
      else if (flag == "--jobs")
        o.jobs = std::max(1, std::stoi(value));
      else if (flag == "--classes")
        o.classes = initcheck::fuzz::parse_classes(value);
      else if (flag == "--work")
        o.work = value;
      else if (flag == "--memory-limit")
        o.memory_limit_mib = std::stol(value);
      else
        usage("unknown option " + flag);
    } catch (const std::invalid_argument& e) {
      usage("bad value '" + value + "' for " + flag + ": " + e.what());
    } catch (const std::out_of_range&) {
      usage("value '" + value + "' for " + flag + " is out of range");
    }
  }
  if (o.binary.empty()) usage("--binary is required");
  o.binary = fs::absolute(o.binary).string();
  return o;
}

/// A word as bash reads it back: bare when safe, '...' when printable, $'...' otherwise.
std::string shell_quote(const std::string& s) {
  const bool bare = !s.empty() && s.find_first_not_of(
                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789_./=,:+-%@") == std::string::npos;
  if (bare) return s;
  bool printable = true;
  for (unsigned char ch : s) printable = printable && ch >= 0x20 && ch < 0x7F;
  if (printable) {
    std::string out = "'";
    for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return out + "'";
  }
  std::string out = "$'";
  for (unsigned char ch : s) {
    if (ch == '\\' || ch == '\'') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch >= 0x20 && ch < 0x7F) {
      out += static_cast<char>(ch);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", ch);
      out += buf;
    }
  }
  return out + "'";
}

/// Printable, length-capped rendering of captured output for the failure list.
std::string excerpt(const std::string& s, std::size_t max = 300) {
  std::string out;
  for (unsigned char ch : s.substr(0, max)) {
    if (ch == '\n')
      out += "\\n";
    else if (ch < 0x20 || ch == 0x7F)
      out += "?";
    else
      out += static_cast<char>(ch);
  }
  return out + (s.size() > max ? "...(" + std::to_string(s.size()) + " bytes)" : "");
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

/// Exit 2's contract: exactly one line `initcheck: error: <message naming the problem>`, with no
/// control characters in it (a raw newline or escape sequence from the input breaks it).
bool is_one_line_error(const std::string& err) {
  static const std::string kPrefix = "initcheck: error: ";
  if (err.size() < kPrefix.size() + 2 || err.back() != '\n') return false;
  const std::string line = err.substr(0, err.size() - 1);
  if (line.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  bool letter = false;
  for (unsigned char ch : line) {
    if ((ch < 0x20 && ch != '\t') || ch == 0x7F) return false;
    letter = letter || std::isalpha(ch) != 0;
  }
  return letter && line.size() >= kPrefix.size() + 8;
}

struct Running {
  std::uint64_t index = 0;
  Case c;
  fs::path dir;
  pid_t pid = -1;
  Clock::time_point started;
};

pid_t spawn(const Options& o, const Running& r) {
  std::vector<std::string> args = {o.binary};
  args.insert(args.end(), r.c.args.begin(), r.c.args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = r.dir.string() + ".out";
  const std::string err = r.dir.string() + ".err";
  const pid_t pid = fork();
  if (pid != 0) {
    if (pid > 0) setpgid(pid, pid);
    return pid;
  }
  setpgid(0, 0);
  if (chdir(r.dir.c_str()) != 0) _exit(126);
  const int in_fd = open("/dev/null", O_RDONLY);
  const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in_fd < 0 || out_fd < 0 || err_fd < 0) _exit(126);
  dup2(in_fd, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  if (o.memory_limit_mib > 0) {
    const rlim_t bytes = static_cast<rlim_t>(o.memory_limit_mib) << 20U;
    const rlimit limit{bytes, bytes};
    setrlimit(RLIMIT_AS, &limit);
  }
  execv(argv[0], argv.data());
  const std::string why =
      "fuzz_cli: cannot execute " + o.binary + ": " + std::strerror(errno) + "\n";
  (void)!write(2, why.data(), why.size());
  _exit(127);
}

/// Longer failing commands are printed as the script that holds them.
constexpr std::size_t kMaxCommandChars = 2000;

struct Failure {
  std::uint64_t index;
  std::string kind;
  std::string classes;
  std::string command;
  std::string stderr_excerpt;
};

std::string class_list(const Case& c) {
  std::string out;
  for (MutationClass m : c.applied)
    out += (out.empty() ? "" : ",") + std::string(initcheck::fuzz::class_name(m));
  return out.empty() ? "none" : out;
}

/// Runs `initcheck report --shard i/2` on the tiny shard sweep: merge cases start from these.
initcheck::fuzz::ShardFiles make_shards(const Options& o, const fs::path& work) {
  const fs::path dir = work / "shards";
  fs::create_directories(dir);
  write_file(dir / "sweep.yaml", initcheck::fuzz::shard_sweep_yaml());
  initcheck::fuzz::ShardFiles files;
  for (int i = 1; i <= 2; ++i) {
    const std::string cmd = "cd " + shell_quote(dir.string()) + " && " + shell_quote(o.binary) +
                            " report --sweep sweep.yaml --out . --jobs 1 --shard " +
                            std::to_string(i) + "/2 >/dev/null";
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("could not make shard files: " + cmd);
    const std::string text = read_file(dir / ("results-" + std::to_string(i) + "-of-2.jsonl"));
    (i == 1 ? files.first : files.second) = text;
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  if (o.dry_run) {
    const initcheck::fuzz::ShardFiles none;
    for (std::uint64_t i = o.start; i < o.start + o.runs; ++i) {
      const Case c = initcheck::fuzz::generate_case(o.seed, i, o.classes, none);
      std::cout << "case " << i << " [" << class_list(c) << "]: initcheck";
      for (const std::string& a : c.args) std::cout << " " << shell_quote(a);
      std::cout << "\n";
      for (const auto& [name, text] : c.files)
        std::cout << "  " << name << ": " << excerpt(text, 2000) << "\n";
    }
    return 0;
  }
  fs::path work = o.work;
  if (work.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "initcheck_fuzz.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) usage("cannot create a temporary directory");
    work = tmpl;
  }
  fs::create_directories(work);
  work = fs::canonical(work);

  initcheck::fuzz::ShardFiles shards;
  try {
    shards = make_shards(o, work);
  } catch (const std::exception& e) {
    std::cerr << "fuzz_cli: " << e.what() << "\n";
    return 2;
  }

  std::cout << "fuzz_cli: seed " << o.seed << ", runs " << o.start << ".." << (o.start + o.runs - 1)
            << ", classes ";
  for (std::size_t i = 0; i < o.classes.size(); ++i) {
    std::cout << (i ? "," : "") << initcheck::fuzz::class_name(o.classes[i]);
  }
  std::cout << ", work " << work.string() << "\n" << std::flush;

  const Clock::time_point begin = Clock::now();
  auto elapsed = [&](Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
  };
  std::vector<Running> running;
  std::vector<Failure> failures;
  std::map<int, std::uint64_t> by_exit;
  std::map<std::string, std::uint64_t> runs_by_class;
  std::map<std::string, std::uint64_t> failures_by_class;
  std::uint64_t next = o.start;
  std::uint64_t finished = 0;
  double slowest = 0;
  std::uint64_t slowest_index = 0;

  auto finish = [&](Running& r, int status, bool timed_out) {
    ++finished;
    const double seconds = elapsed(r.started);
    if (seconds > slowest) {
      slowest = seconds;
      slowest_index = r.index;
    }
    const std::string err = read_file(r.dir.string() + ".err");
    std::string kind;
    if (timed_out) {
      kind = "timeout after " + std::to_string(static_cast<int>(o.timeout)) + " s";
    } else if (WIFSIGNALED(status)) {
      kind = std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
             strsignal(WTERMSIG(status)) + ")";
    } else {
      const int code = WEXITSTATUS(status);
      ++by_exit[code];
      if (code == 127 && err.rfind("fuzz_cli: cannot execute", 0) == 0)
        kind = "not run: " + excerpt(err);  // a harness problem (e.g. the binary being rebuilt)
      else if (code == 4)
        kind = "exit 4 (internal error)";
      else if (code > 3)
        kind = "exit " + std::to_string(code);
      else if (code == 2 && !is_one_line_error(err))
        kind = "exit 2 without a one-line error message";
    }
    for (MutationClass m : r.c.applied) ++runs_by_class[initcheck::fuzz::class_name(m)];
    if (r.c.applied.empty()) ++runs_by_class["none"];
    if (kind.empty()) {
      std::error_code ignored;  // cleanup is best effort: a run may leave odd permissions
      fs::remove_all(r.dir, ignored);
      fs::remove(r.dir.string() + ".out", ignored);
      fs::remove(r.dir.string() + ".err", ignored);
      return;
    }
    // Keep only the case's input files, so the printed command reproduces the run.
    std::error_code ignored;
    for (const fs::directory_entry& e : fs::directory_iterator(r.dir, ignored)) {
      bool input = false;
      for (const auto& [name, text] : r.c.files) {
        input = input || e.path().filename() == *fs::path(name).begin();  // w/… keeps w
      }
      if (!input) fs::remove_all(e.path(), ignored);
    }
    std::string command = "cd " + shell_quote(r.dir.string()) + " && " + shell_quote(o.binary);
    for (const std::string& a : r.c.args) command += " " + shell_quote(a);
    // Over-long commands go to a script next to the inputs; the list names the script.
    write_file(r.dir.string() + ".sh", command + "\n");
    if (command.size() > kMaxCommandChars) {
      command = "bash " + shell_quote(r.dir.string() + ".sh") + "  # " +
                std::to_string(command.size()) + "-character command";
    }
    const std::string classes = class_list(r.c);
    std::cout << "FAIL case " << r.index << " [" << kind << "] mutations: " << classes << "\n  "
              << command << "\n  stderr: " << excerpt(err) << "\n"
              << std::flush;
    for (MutationClass m : r.c.applied) ++failures_by_class[initcheck::fuzz::class_name(m)];
    if (r.c.applied.empty()) ++failures_by_class["none"];
    failures.push_back({r.index, kind, classes, command, excerpt(err)});
  };

  const std::uint64_t end = o.start + o.runs;
  bool out_of_time = false;
  while (next < end || !running.empty()) {
    out_of_time = out_of_time || elapsed(begin) > o.time_limit;
    while (!out_of_time && next < end && static_cast<int>(running.size()) < o.jobs) {
      Running r;
      r.index = next++;
      r.c = initcheck::fuzz::generate_case(o.seed, r.index, o.classes, shards);
      r.dir = work / ("run-" + std::to_string(r.index));
      fs::create_directories(r.dir);
      for (const auto& [name, text] : r.c.files) write_file(r.dir / name, text);
      r.started = Clock::now();
      r.pid = spawn(o, r);
      if (r.pid < 0) {
        std::cerr << "fuzz_cli: fork failed: " << std::strerror(errno) << "\n";
        return 2;
      }
      running.push_back(std::move(r));
    }
    if (out_of_time && next < end && running.empty()) break;
    bool reaped = false;
    for (std::size_t i = 0; i < running.size();) {
      int status = 0;
      const pid_t done = waitpid(running[i].pid, &status, WNOHANG);
      bool timed_out = false;
      if (done == 0 && elapsed(running[i].started) > o.timeout) {
        kill(-running[i].pid, SIGKILL);
        waitpid(running[i].pid, &status, 0);
        timed_out = true;
      } else if (done == 0) {
        ++i;
        continue;
      }
      finish(running[i], status, timed_out);
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
      reaped = true;
    }
    if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }

  std::cout << "\nfuzz_cli: " << finished << " runs in " << static_cast<int>(elapsed(begin))
            << " s";
  if (next < end) std::cout << " (time limit reached before the " << o.runs << " requested)";
  std::cout << "; slowest run " << slowest << " s (case " << slowest_index << ")\n  exit codes:";
  for (const auto& [code, n] : by_exit) std::cout << " " << code << ":" << n;
  std::cout << "\n  runs by mutation class:";
  for (const auto& [name, n] : runs_by_class) std::cout << " " << name << ":" << n;
  std::cout << "\n  failures: " << failures.size();
  if (!failures.empty()) {
    std::cout << " (by mutation class:";
    for (const auto& [name, n] : failures_by_class) std::cout << " " << name << ":" << n;
    std::cout << ")\n";
    for (const Failure& f : failures)
      std::cout << "  case " << f.index << " [" << f.kind << "]: " << f.command << "\n";
  } else {
    std::cout << "\n";
    fs::remove_all(work / "shards");
    if (o.work.empty()) fs::remove_all(work);
  }
  return failures.empty() ? 0 : 1;
}
