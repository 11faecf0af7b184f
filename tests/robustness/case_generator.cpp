#include "case_generator.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <vector>

namespace initcheck::fuzz {
namespace {

/// splitmix64: small, and the same sequence on every platform (std:: distributions are not).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  }
  /// Uniform in [0, n) (0 when n = 0; the modulo bias is irrelevant here).
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
  int range(int lo, int hi) {
    return lo + static_cast<int>(below(static_cast<std::size_t>(hi - lo + 1)));
  }
  bool percent(int p) { return below(100) < static_cast<std::size_t>(p); }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  std::uint64_t state_;
};

using Strings = std::vector<std::string>;

// ---------------------------------------------------------------------------------------------
// Valid building blocks.

const Strings kActivations = {
    "relu", "leaky_relu", "leaky_relu(0.2)", "tanh",     "sigmoid", "gelu",  "silu",
    "selu", "elu",        "elu(0.5)",        "softplus", "mish",    "linear"};
const Strings kClaims = {"variance", "growth",    "drift",     "mean",     "dominance",
                         "gradient", "precision", "batchnorm", "bn-input", "batch-stats"};
const Strings kNorms = {"none", "batchnorm", "layernorm", "rmsnorm"};
const Strings kPrecisions = {"fp32", "bf16", "fp16"};
const Strings kInputs = {"standard_normal", "dataset_normalized", "unnormalized",
                         "dataset_unnormalized"};
const Strings kNumbers = {"0.5", "1", "2", "0.01", "1.5", "0.2", "3", "0.1"};
const Strings kExpressions = {"sqrt(2/fan_in)",
                              "exact_gain/sqrt(fan_in)",
                              "1/sqrt(fan_avg)",
                              "gain/sqrt(fan_out)",
                              "sqrt(1/in_units)",
                              "0.1*layer/depth+0.5",
                              "1/sqrt(receptive_field*in_units)"};
const Strings kNonlinearities = {"relu", "linear",     "conv2d", "sigmoid",
                                 "tanh", "leaky_relu", "selu"};

std::string number_or_expression(Rng& rng) {
  return rng.percent(50) ? rng.pick(kNumbers) : rng.pick(kExpressions);
}

std::string join(const Strings& parts, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

/// A valid init spec, e.g. `kaiming_normal(mode=fan_out, a=0.2)`.
std::string valid_spec(Rng& rng) {
  Strings params;
  auto maybe = [&](const std::string& p) {
    if (rng.percent(50)) params.push_back(p);
  };
  std::string name;
  switch (rng.below(13)) {
    case 0:
    case 1:
      name = rng.percent(50) ? "kaiming_normal" : "kaiming_uniform";
      maybe(std::string("mode=") + (rng.percent(50) ? "fan_in" : "fan_out"));
      maybe("nonlinearity=" + rng.pick(kNonlinearities));
      maybe("a=" + rng.pick(Strings{"0", "0.2", "sqrt(5)"}));
      break;
    case 2:
      name = rng.percent(50) ? "xavier_normal" : "xavier_uniform";
      maybe("gain=" + rng.pick(kNumbers));
      break;
    case 3: name = rng.percent(50) ? "lecun_normal" : "lecun_uniform"; break;
    case 4:
      name = "variance_scaling";
      maybe("scale=" + rng.pick(kNumbers));
      maybe("mode=" + rng.pick(Strings{"fan_in", "fan_out", "fan_avg"}));
      maybe("distribution=" + rng.pick(Strings{"truncated_normal", "normal", "uniform"}));
      break;
    case 5: name = "torch_default"; break;
    case 6:
      name = "orthogonal";
      maybe("gain=" + rng.pick(kNumbers));
      break;
    case 7:
    case 8:
      name = "normal";
      params.push_back("std=" + number_or_expression(rng));
      maybe("mean=" + rng.pick(Strings{"0", "0.1"}));
      break;
    case 9:
      name = "uniform";
      params.push_back("bound=" + number_or_expression(rng));
      break;
    case 10:
    case 11:
      name = "truncated_normal";
      params.push_back("sigma=" + number_or_expression(rng));
      maybe("cut=" + rng.pick(Strings{"1", "2", "3"}));
      break;
    default: name = "zeros"; break;
  }
  for (std::size_t i = params.size(); i > 1; --i) std::swap(params[i - 1], params[rng.below(i)]);
  if (params.empty()) return name;
  return name + "(" + join(params, rng.percent(50) ? ", " : ",") + ")";
}

// ---------------------------------------------------------------------------------------------
// Command lines.

/// What an option's value is, which decides the mutations that fit it.
enum class Kind { size, number, word, spec, expression, path, flag };

struct Option {
  std::string flag;
  std::string value;  ///< unused for Kind::flag
  Kind kind;
};

struct Command {
  std::string sub;
  std::vector<Option> options;
  Strings positionals;
  Strings files;  ///< names of the input files this command reads (sweep or shards)
};

/// Linux refuses to exec an argument of 128 KiB or more (MAX_ARG_STRLEN); stay below it.
constexpr std::size_t kMaxArgBytes = 120000;

Strings flatten(const Command& c) {
  Strings out;
  if (!c.sub.empty()) out.push_back(c.sub);
  for (const Option& o : c.options) {
    if (!o.flag.empty()) out.push_back(o.flag);
    if (o.kind != Kind::flag) out.push_back(o.value);
  }
  for (const std::string& p : c.positionals) out.push_back(p);
  for (std::string& a : out) a.resize(std::min(a.size(), kMaxArgBytes));
  return out;
}

std::string int_str(int v) {
  return std::to_string(v);
}

/// `check` on a tiny network: each run takes well under a second.
Command valid_check(Rng& rng) {
  Command c{"check", {}, {}, {}};
  auto add = [&](const std::string& flag, const std::string& value, Kind kind) {
    c.options.push_back({flag, value, kind});
  };
  add("--init", valid_spec(rng), Kind::spec);
  add("--activation", rng.pick(kActivations), Kind::spec);
  const std::size_t arch = rng.below(10);
  if (arch < 6) {
    if (rng.percent(50)) add("--arch", "mlp", Kind::word);
    const int depth = rng.range(1, 5);
    if (rng.percent(20)) {
      Strings widths;
      for (int l = 0; l <= depth; ++l) widths.push_back(int_str(rng.range(1, 24)));
      add("--widths", join(widths, ","), Kind::size);
    } else {
      add("--depth", int_str(depth), Kind::size);
      add("--width", int_str(rng.range(1, 24)), Kind::size);
    }
    add("--batch", int_str(rng.range(1, 12)), Kind::size);
  } else if (arch < 8) {
    add("--arch", "conv", Kind::word);
    add("--depth", int_str(rng.range(1, 3)), Kind::size);
    add("--width", int_str(rng.range(1, 4)), Kind::size);
    add("--spatial", int_str(rng.range(1, 6)), Kind::size);
    add("--kernel", int_str(rng.range(1, 3)), Kind::size);
    add("--batch", int_str(rng.range(1, 3)), Kind::size);
  } else {
    add("--arch", "resnet", Kind::word);
    add("--depth", int_str(rng.range(1, 4)), Kind::size);
    add("--width", int_str(rng.range(1, 16)), Kind::size);
    add("--batch", int_str(rng.range(1, 8)), Kind::size);
    if (rng.percent(50))
      add("--branch-scale", rng.pick(Strings{"1", "1/sqrt(depth)", "0.5"}), Kind::expression);
    if (rng.percent(30)) add("--norm-placement", rng.pick(Strings{"pre", "post"}), Kind::word);
  }
  if (rng.percent(60)) {
    add("--replicates", int_str(rng.range(2, 6)), Kind::size);
  } else {
    add("--budget", rng.pick(Strings{"0.05", "0.1", "0.2"}), Kind::size);
    add("--max-networks", int_str(rng.range(4, 24)), Kind::size);
  }
  if (rng.percent(30)) add("--norm", rng.pick(kNorms), Kind::word);
  if (rng.percent(30)) add("--precision", rng.pick(kPrecisions), Kind::word);
  if (rng.percent(20)) add("--input", rng.pick(kInputs), Kind::word);
  if (rng.percent(20)) add("--tolerance", rng.pick(Strings{"1.5", "2", "3"}), Kind::number);
  if (rng.percent(20)) add("--alpha", rng.pick(Strings{"1e-6", "0.01", "0.001"}), Kind::number);
  if (rng.percent(30)) {
    Strings claims;
    for (const std::string& id : kClaims) {
      if (rng.percent(30)) claims.push_back(id);
    }
    if (claims.empty()) claims.push_back(rng.pick(kClaims));
    add("--claims", join(claims, ","), Kind::word);
  }
  if (rng.percent(30)) add("--seed", int_str(rng.range(0, 1000)), Kind::number);
  if (rng.percent(20)) add("--json", "", Kind::flag);
  return c;
}

Command valid_theory(Rng& rng) {
  return {"theory",
          {{"--init", valid_spec(rng), Kind::spec},
           {"--activation", rng.pick(kActivations), Kind::spec},
           {"--depth", int_str(rng.range(1, 30)), Kind::size},
           {"--width", int_str(rng.range(1, 256)), Kind::size}},
          {},
          {}};
}

// ---------------------------------------------------------------------------------------------
// Sweep files: a small YAML tree, emitted as text.

struct Yaml {
  enum class Type { scalar, list, map } type = Type::scalar;
  std::string text;  ///< scalar, emitted as is (already quoted where needed)
  std::vector<Yaml> items;
  std::vector<std::pair<std::string, Yaml>> entries;
};

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out + "\"";
}

Yaml scalar(const std::string& s) {
  const bool plain =
      !s.empty() && s.find_first_of(":,[]{}#&*!|>'\"%@`()= \t\n") == std::string::npos;
  return {Yaml::Type::scalar, plain ? s : quoted(s), {}, {}};
}
Yaml list(std::vector<Yaml> items) {
  return {Yaml::Type::list, "", std::move(items), {}};
}
Yaml map(std::vector<std::pair<std::string, Yaml>> entries) {
  return {Yaml::Type::map, "", {}, std::move(entries)};
}

std::string flow(const Yaml& y) {
  if (y.type == Yaml::Type::scalar) return y.text;
  Strings parts;
  if (y.type == Yaml::Type::list) {
    for (const Yaml& i : y.items) parts.push_back(flow(i));
    return "[" + join(parts, ", ") + "]";
  }
  for (const auto& [k, v] : y.entries) parts.push_back(k + ": " + flow(v));
  return "{" + join(parts, ", ") + "}";
}

void emit_entries(const std::vector<std::pair<std::string, Yaml>>& entries, int indent,
                  const std::string& first_prefix, std::string& out);

/// `key: value` at `indent`; maps and lists of maps in block style, the rest in flow style.
void emit_entry(const std::string& key, const Yaml& v, const std::string& prefix,
                std::string& out) {
  const int indent = static_cast<int>(prefix.size());
  const bool block_list = v.type == Yaml::Type::list &&
                          std::any_of(v.items.begin(), v.items.end(),
                                      [](const Yaml& i) { return i.type == Yaml::Type::map; });
  if (v.type == Yaml::Type::map && !v.entries.empty()) {
    out += prefix + key + ":\n";
    emit_entries(v.entries, indent + 2, std::string(static_cast<std::size_t>(indent + 2), ' '),
                 out);
  } else if (block_list) {
    out += prefix + key + ":\n";
    for (const Yaml& item : v.items) {
      const std::string dash = std::string(static_cast<std::size_t>(indent + 2), ' ') + "- ";
      if (item.type == Yaml::Type::map && !item.entries.empty()) {
        emit_entries(item.entries, indent + 4, dash, out);
      } else {
        out += dash + flow(item) + "\n";
      }
    }
  } else {
    out += prefix + key + ": " + flow(v) + "\n";
  }
}

void emit_entries(const std::vector<std::pair<std::string, Yaml>>& entries, int indent,
                  const std::string& first_prefix, std::string& out) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string prefix =
        i == 0 ? first_prefix : std::string(static_cast<std::size_t>(indent), ' ');
    emit_entry(entries[i].first, entries[i].second, prefix, out);
  }
}

std::string emit(const Yaml& root) {
  std::string out;
  if (root.type != Yaml::Type::map) return flow(root) + "\n";
  emit_entries(root.entries, 0, "", out);
  return out;
}

Yaml one_or_two(Rng& rng, const std::function<std::string()>& make) {
  if (rng.percent(60)) return scalar(make());
  return list({scalar(make()), scalar(make())});
}

/// A sweep block of 1-4 tiny cells.
Yaml valid_block(Rng& rng, int index) {
  std::vector<std::pair<std::string, Yaml>> e;
  if (rng.percent(50)) e.emplace_back("name", scalar("block " + int_str(index)));
  e.emplace_back("init", one_or_two(rng, [&] { return valid_spec(rng); }));
  e.emplace_back("activation", one_or_two(rng, [&] { return rng.pick(kActivations); }));
  const std::size_t arch = rng.below(10);
  if (arch < 7) {
    if (rng.percent(25)) {
      const int depth = rng.range(1, 3);
      Strings w;
      for (int l = 0; l <= depth; ++l) w.push_back(int_str(rng.range(1, 16)));
      std::vector<Yaml> ws;
      for (const std::string& s : w) ws.push_back(scalar(s));
      e.emplace_back("widths", list({list(ws)}));
    } else {
      e.emplace_back("depth", rng.percent(70)
                                  ? scalar(int_str(rng.range(1, 4)))
                                  : list({scalar("1"), scalar(int_str(rng.range(2, 4)))}));
      e.emplace_back("width", scalar(int_str(rng.range(1, 16))));
    }
  } else {
    e.emplace_back("arch", scalar(arch < 9 ? "conv" : "resnet"));
    e.emplace_back("depth", scalar(int_str(rng.range(1, 3))));
    e.emplace_back("width", scalar(int_str(rng.range(1, 4))));
    if (arch < 9) e.emplace_back("spatial", scalar(int_str(rng.range(1, 4))));
    e.emplace_back("batch", scalar(int_str(rng.range(1, 2))));
  }
  if (rng.percent(60)) {
    std::vector<Yaml> claims;
    for (const std::string& id : kClaims) {
      if (rng.percent(30)) claims.push_back(scalar(id));
    }
    if (claims.empty()) claims.push_back(scalar("variance"));
    e.emplace_back("claims", list(claims));
  }
  if (rng.percent(15)) e.emplace_back("norm", scalar(rng.pick(kNorms)));
  if (rng.percent(15)) e.emplace_back("precision", scalar(rng.pick(kPrecisions)));
  if (rng.percent(10)) e.emplace_back("input", scalar(rng.pick(kInputs)));
  if (rng.percent(10)) e.emplace_back("tolerance", scalar("3"));
  return map(e);
}

Yaml valid_sweep(Rng& rng) {
  std::vector<std::pair<std::string, Yaml>> root;
  if (rng.percent(50)) root.emplace_back("seed", scalar(int_str(rng.range(0, 100000))));
  root.emplace_back("defaults", map({{"batch", scalar(int_str(rng.range(1, 8)))},
                                     {"replicates", scalar(int_str(rng.range(2, 4)))}}));
  std::vector<Yaml> blocks;
  const int n = rng.range(1, 3);
  for (int b = 1; b <= n; ++b) blocks.push_back(valid_block(rng, b));
  root.emplace_back("blocks", list(blocks));
  return map(root);
}

// ---------------------------------------------------------------------------------------------
// Mutations.

const Strings kEdgeValues = {"0",
                             "-1",
                             "-0",
                             "1",
                             "nan",
                             "inf",
                             "-inf",
                             "1e308",
                             "-1e308",
                             "1e-320",
                             "",
                             " ",
                             "abc",
                             "0x10",
                             "1.5",
                             "+3",
                             " 3",
                             "3 ",
                             "1e3",
                             "-",
                             "--",
                             "=",
                             ",",
                             "1,2",
                             "0.0000001",
                             "true",
                             "null",
                             "-5",
                             "9223372036854775808",
                             "-9223372036854775809",
                             "18446744073709551616",
                             "99999999999999999999999"};
/// Values that are valid for a size option but cost memory or time (the `sizes` class).
const Strings kHugeSizes = {"2147483647", "100000", "1000000000", "9223372036854775807",
                            "65536",      "16384",  "4096",       "1e9"};
const Strings kTexts = {"n\xC3\xB6rmal",
                        "relu\n",
                        "kaiming_normal\nrelu",
                        "relu\r",
                        "\t",
                        "\xC3\xA9",
                        "\xF0\x9D\x9C\x8E",
                        "\x1B[31mred",
                        "a b",
                        "'",
                        "\"",
                        "\\",
                        "\xFF\xFE",
                        "normal(std=\xC3\xB6)",
                        "\xE2\x80\x8Brelu"};

std::string long_string(Rng& rng) {
  const std::size_t n = rng.pick(std::vector<std::size_t>{300, 5000, 100000});
  const std::string unit = rng.pick(Strings{"a", "(", "1", "\xC3\xB6", "x,"});
  std::string s;
  while (s.size() < n) s += unit;
  return s;
}

/// Corrupts an init / activation / expression string.
std::string corrupt_spec(Rng& rng, std::string s) {
  static const std::string kChars = "()=,.+-*/^ _aZ0'\"#$%&;:[]{}<>|\\!?~";
  switch (rng.below(12)) {
    case 0: {  // drop a parenthesis
      const std::size_t p = s.find_first_of(rng.percent(50) ? "(" : ")");
      if (p != std::string::npos) s.erase(p, 1);
      return s + (s.empty() ? "(" : "");
    }
    case 1: s.insert(rng.below(s.size() + 1), 1, kChars[rng.below(kChars.size())]); return s;
    case 2:
      if (!s.empty()) s.erase(rng.below(s.size()), 1);
      return s;
    case 3: return "normal(std=" + s + ")";  // nested call
    case 4: return s + "(" + valid_spec(rng) + ")";
    case 5:
      return rng.pick(Strings{"normal(std=1, std=2)",
                              "normal(std=)",
                              "normal()",
                              "normal(=1)",
                              "normal(,)",
                              "normal(std=1,)",
                              "kaiming_normal(mode=)",
                              "kaiming_normal(mode=fan_in, mode=fan_out)",
                              "normal(sdt=1)",
                              "kaiming_normal(mode=sideways)",
                              "leaky_relu()",
                              "leaky_relu(a=1)",
                              "elu(-1)",
                              "relu(1)",
                              "tanh(",
                              "normal(std=1))",
                              "(std=1)",
                              "zeros(1)",
                              "orthogonal(gain=0)",
                              "uniform(bound=-1)"});
    case 6:
    case 7: {  // replace the first number or name by an edge expression
      const std::string edge =
          rng.pick(Strings{"1e308",  "nan",         "inf",      "-1",          "0",
                           "1e-320", "1/0",         "sqrt(-1)", "fan_in^1000", "10^400",
                           "-0",     "(((((1)))))", "1e99999",  "1e300",       "1e-300",
                           "1e40",   "_nan",        "fan_in/0", "log(0)",      "depth-depth",
                           "rnd()",  "sum(1,2,3)",  "avg()",    "1?2:3",       "fan_in>1?1:0"});
      const std::size_t eq = s.find('=');
      const std::size_t open = s.find('(');
      const std::size_t at =
          eq != std::string::npos ? eq + 1 : (open != std::string::npos ? open + 1 : s.size());
      std::size_t end = s.find_first_of(",)", at);
      if (end == std::string::npos) end = s.size();
      if (at == s.size()) return s + "(" + edge + ")";
      return s.substr(0, at) + edge + s.substr(end);
    }
    case 8:
      return std::string(static_cast<std::size_t>(rng.range(1, 3)) * 1000, '(') + "1" +
             std::string(static_cast<std::size_t>(rng.range(1, 3)) * 1000, ')');
    case 9: return "normal(std=" + std::string(2000, '(') + "1" + std::string(2000, ')') + ")";
    case 10: return s + s;
    default: {  // swap case / whitespace
      for (char& ch : s) {
        if (ch >= 'a' && ch <= 'z' && rng.percent(20)) ch = static_cast<char>(ch - 'a' + 'A');
      }
      return " " + s + " ";
    }
  }
}

bool is_value_option(const Option& o) {
  return o.kind != Kind::flag;
}

bool mutate_flags(Rng& rng, Command& c) {
  const std::size_t what = rng.below(9);
  auto& opts = c.options;
  switch (what) {
    case 0:  // delete an option that does not bound the run's size
    {
      std::vector<std::size_t> idx;
      for (std::size_t i = 0; i < opts.size(); ++i) {
        if (opts[i].kind != Kind::size && opts[i].flag != "--jobs") idx.push_back(i);
      }
      if (idx.empty()) return false;
      opts.erase(opts.begin() + static_cast<std::ptrdiff_t>(rng.pick(idx)));
      return true;
    }
    case 1:  // duplicate an option
      if (opts.empty()) return false;
      opts.insert(opts.begin() + static_cast<std::ptrdiff_t>(rng.below(opts.size() + 1)),
                  opts[rng.below(opts.size())]);
      return true;
    case 2:  // swap two options' values
    {
      if (opts.size() < 2) return false;
      const std::size_t a = rng.below(opts.size());
      const std::size_t b = rng.below(opts.size());
      std::swap(opts[a].value, opts[b].value);
      return a != b;
    }
    case 3:  // a flag without its value
    {
      if (opts.empty()) return false;
      Option& o = opts[rng.below(opts.size())];
      if (o.kind == Kind::flag) return false;
      o.kind = Kind::flag;
      return true;
    }
    case 4:  // misspell a flag
    {
      if (opts.empty()) return false;
      Option& o = opts[rng.below(opts.size())];
      switch (rng.below(5)) {
        case 0: o.flag = o.flag.substr(1); break;
        case 1:
          if (o.flag.size() > 2) o.flag.erase(2 + rng.below(o.flag.size() - 2), 1);
          break;
        case 2: o.flag += "x"; break;
        case 3: std::transform(o.flag.begin(), o.flag.end(), o.flag.begin(), ::toupper); break;
        default: o.flag = o.flag.substr(0, std::min<std::size_t>(o.flag.size(), 5)); break;
      }
      return true;
    }
    case 5:  // --flag=value form (valid) or --flag= (empty)
    {
      if (opts.empty()) return false;
      Option& o = opts[rng.below(opts.size())];
      if (o.kind == Kind::flag) return false;
      o.flag += "=" + (rng.percent(70) ? o.value : std::string());
      o.kind = Kind::flag;
      return true;
    }
    case 6:  // an unknown option or a stray positional
      opts.insert(
          opts.begin() + static_cast<std::ptrdiff_t>(rng.below(opts.size() + 1)),
          {rng.pick(Strings{"--frobnicate", "-x", "--", "stray", "-", "--help=1", "---depth"}), "",
           Kind::flag});
      return true;
    case 7:  // another or a misspelled subcommand
      c.sub = rng.pick(Strings{"chek", "CHECK", "", "check", "theory", "gain", "report", "merge",
                               "schemes", "check check", "help", "-check", "schemes\n"});
      return true;
    default:  // reorder options
      std::reverse(opts.begin(), opts.end());
      return opts.size() > 1;
  }
}

bool mutate_value(Rng& rng, Command& c, const Strings& edges) {
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < c.options.size(); ++i) {
    if (is_value_option(c.options[i])) idx.push_back(i);
  }
  if (idx.empty()) return false;
  c.options[rng.pick(idx)].value = rng.pick(edges);
  return true;
}

bool mutate_text(Rng& rng, Command& c) {
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < c.options.size(); ++i) {
    if (is_value_option(c.options[i])) idx.push_back(i);
  }
  if (idx.empty()) return false;
  Option& o = c.options[rng.pick(idx)];
  switch (rng.below(4)) {
    case 0: o.value = rng.pick(kTexts); break;
    case 1: o.value = long_string(rng); break;
    case 2: o.value += rng.pick(kTexts); break;
    default: o.value.insert(rng.below(o.value.size() + 1), rng.pick(kTexts)); break;
  }
  return true;
}

bool mutate_spec_option(Rng& rng, Command& c) {
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < c.options.size(); ++i) {
    if (c.options[i].kind == Kind::spec || c.options[i].kind == Kind::expression) idx.push_back(i);
  }
  if (idx.empty()) return false;
  Option& o = c.options[rng.pick(idx)];
  o.value = corrupt_spec(rng, o.value);
  return true;
}

bool mutate_sizes(Rng& rng, Command& c) {
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < c.options.size(); ++i) {
    if (c.options[i].kind == Kind::size) idx.push_back(i);
  }
  if (idx.empty()) return false;
  const std::size_t i = rng.pick(idx);
  if (rng.percent(30)) {  // drop the bound: the defaults are width 512, batch 128, budget 5 s
    c.options.erase(c.options.begin() + static_cast<std::ptrdiff_t>(i));
  } else if (c.options[i].flag == "--widths") {
    c.options[i].value = rng.pick(Strings{"65536,65536", "1,100000000", "16384,16384,16384"});
  } else {
    c.options[i].value = rng.pick(kHugeSizes);
  }
  return true;
}

// Sweep mutations --------------------------------------------------------------------------

/// Every node of the tree, for picking one at random.
void collect(Yaml& y, std::vector<Yaml*>& out) {
  out.push_back(&y);
  for (Yaml& i : y.items) collect(i, out);
  for (auto& [k, v] : y.entries) collect(v, out);
}

std::vector<Yaml*> maps_of(Yaml& root) {
  std::vector<Yaml*> all;
  std::vector<Yaml*> maps;
  collect(root, all);
  for (Yaml* y : all) {
    if (y->type == Yaml::Type::map) maps.push_back(y);
  }
  return maps;
}

const Strings kSweepKeys = {"init",   "activation",     "arch",         "depth",   "width",
                            "widths", "batch",          "kernel",       "spatial", "branch_scale",
                            "norm",   "norm_placement", "precision",    "input",   "tolerance",
                            "alpha",  "replicates",     "max_networks", "budget",  "claims",
                            "name",   "seed",           "defaults",     "blocks"};

void mutate_yaml_tree(Rng& rng, Yaml& root) {
  std::vector<Yaml*> all;
  collect(root, all);
  std::vector<Yaml*> maps = maps_of(root);
  Yaml* node = rng.pick(all);
  if (maps.empty()) {  // the root itself was replaced by a scalar or list
    *node = list({*node, scalar("1")});
    return;
  }
  switch (rng.below(8)) {
    case 0: {  // delete a key
      Yaml* m = rng.pick(maps);
      if (!m->entries.empty())
        m->entries.erase(m->entries.begin() +
                         static_cast<std::ptrdiff_t>(rng.below(m->entries.size())));
      break;
    }
    case 1:  // wrong type: scalar <-> list <-> map
      *node = rng.pick(std::vector<Yaml>{
          list({scalar("1"), scalar("2")}), map({{"a", scalar("1")}}), scalar(""), scalar("null"),
          scalar("~"), list({}), map({}), list({list({scalar("relu")})}), scalar("[")});
      break;
    case 2:  // an edge scalar
      *node = scalar(rng.pick(kEdgeValues));
      break;
    case 3: {  // a duplicate key
      Yaml* m = rng.pick(maps);
      if (!m->entries.empty()) m->entries.push_back(m->entries[rng.below(m->entries.size())]);
      break;
    }
    case 4: {  // an unknown, misplaced or non-ASCII key
      Yaml* m = rng.pick(maps);
      m->entries.emplace_back(rng.pick(Strings{"depht", "n\xC3\xB6rmal", "\"\"", "seed", "blocks",
                                               "defaults", "? [a, b]", "1", "init", "\"a\\nb\""}),
                              scalar(rng.pick(Strings{"1", "relu", "[1, 2]"})));
      break;
    }
    case 5: {  // a valid key moved to another map (e.g. blocks inside a block)
      Yaml* m = rng.pick(maps);
      m->entries.emplace_back(rng.pick(kSweepKeys),
                              scalar(rng.pick(Strings{"1", "relu", "kaiming_normal"})));
      break;
    }
    case 6:  // a text edge
      *node = scalar(rng.pick(kTexts));
      break;
    default:  // a list where a scalar is expected, or a nested list
      *node = list({*node, *node});
      break;
  }
}

std::string mutate_yaml_text(Rng& rng, std::string text) {
  auto lines_of = [](const std::string& t) {
    Strings lines;
    std::size_t start = 0;
    while (start < t.size()) {
      const std::size_t nl = t.find('\n', start);
      const std::size_t end = nl == std::string::npos ? t.size() : nl;
      lines.push_back(t.substr(start, end - start));
      start = end + 1;
    }
    return lines;
  };
  Strings lines = lines_of(text);
  const std::size_t n = std::max<std::size_t>(lines.size(), 1);
  lines.resize(n);
  switch (rng.below(10)) {
    case 0: {  // a tab in the indentation
      std::string& l = lines[rng.below(n)];
      l.insert(0, "\t");
      break;
    }
    case 1:
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(rng.below(n + 1)),
                   lines[rng.below(n)]);
      break;
    case 2: lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(rng.below(n))); break;
    case 3: std::swap(lines[rng.below(n)], lines[rng.below(n)]); break;
    case 4:
      lines.insert(
          lines.begin() + static_cast<std::ptrdiff_t>(rng.below(n + 1)),
          rng.pick(Strings{"---", "...", "? [a, b]", ": 1", "&a x: 1", "*a", "!!binary x: 1",
                           "<<: *x", "%YAML 1.2", "seed: 1", "blocks: []", "- init: zeros", "  - [",
                           "\"unterminated", "key: 'a", "x: |", "x: >-"}));
      break;
    case 5: {
      std::string t = join(lines, "\n");
      return t.substr(0, rng.below(t.size() + 1));  // truncated
    }
    case 6: {
      std::string t = join(lines, "\n") + "\n";
      const std::size_t p = rng.below(t.size() + 1);
      static const std::string kChars = ":-[]{},#&*!|>'\"%@` \t\n?";
      t.insert(p, 1, kChars[rng.below(kChars.size())]);
      return t;
    }
    case 7:
      return join(lines, "\n") +
             "\n---\nseed: 2\nblocks: [{init: zeros, activation: relu, depth: 1, width: 1}]\n";
    case 8:
      return rng.pick(Strings{"", "\xEF\xBB\xBF" + join(lines, "\n"), join(lines, "\r\n"), "null",
                              "[]", "- 1", "seed: 1", "blocks:", "blocks: 1", "blocks: [1]",
                              "\x01\x02"});
    default: {  // replace a random line by garbage
      lines[rng.below(n)] =
          rng.pick(Strings{"  depth: [1, 2", "  width: {", "init", "- - -", "blocks: {a: 1}"});
      break;
    }
  }
  return join(lines, "\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// The same sweep tree as TOML (the `toml` class): root scalars and lists as `key = value`, maps
// as [tables], lists of maps as [[arrays of tables]], anything nested deeper inline.

std::string toml_key(const std::string& key) {
  const bool bare =
      !key.empty() &&
      key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
          std::string::npos;
  return bare ? key : quoted(key);
}

/// A YAML scalar's TOML spelling: numbers and booleans bare, strings in double quotes (YAML's
/// double-quoted escapes are TOML's); YAML-only words (null, ~) stay bare and so are invalid.
std::string toml_scalar(const std::string& text) {
  if (text.empty()) return "\"\"";
  if (text.front() == '"') return text;
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  const bool number =
      end != nullptr && *end == '\0' && text.find_first_of("xXpP") == std::string::npos;
  if (number || text == "true" || text == "false" || text == "null" || text == "~") return text;
  return quoted(text);
}

std::string toml_inline(const Yaml& y) {
  if (y.type == Yaml::Type::scalar) return toml_scalar(y.text);
  Strings parts;
  if (y.type == Yaml::Type::list) {
    for (const Yaml& i : y.items) parts.push_back(toml_inline(i));
    return "[" + join(parts, ", ") + "]";
  }
  for (const auto& [k, v] : y.entries) parts.push_back(toml_key(k) + " = " + toml_inline(v));
  return "{" + join(parts, ", ") + "}";
}

std::string toml_lines(const std::vector<std::pair<std::string, Yaml>>& entries) {
  std::string out;
  for (const auto& [k, v] : entries) out += toml_key(k) + " = " + toml_inline(v) + "\n";
  return out;
}

std::string emit_toml(const Yaml& root) {
  if (root.type != Yaml::Type::map) return "value = " + toml_inline(root) + "\n";
  std::string head;
  std::string tables;
  for (const auto& [key, v] : root.entries) {
    const bool table_list = v.type == Yaml::Type::list && !v.items.empty() &&
                            std::all_of(v.items.begin(), v.items.end(),
                                        [](const Yaml& i) { return i.type == Yaml::Type::map; });
    if (v.type == Yaml::Type::map) {
      tables += "\n[" + toml_key(key) + "]\n" + toml_lines(v.entries);
    } else if (table_list) {
      for (const Yaml& item : v.items) {
        tables += "\n[[" + toml_key(key) + "]]\n" + toml_lines(item.entries);
      }
    } else {
      head += toml_key(key) + " = " + toml_inline(v) + "\n";
    }
  }
  return head + tables;
}

/// Text-level TOML damage: broken headers, redefined tables and keys, unterminated strings,
/// invalid escapes, dates, dotted keys, truncation, stray characters, encodings.
std::string mutate_toml_text(Rng& rng, const std::string& text) {
  switch (rng.below(8)) {
    case 0:
      return text + rng.pick(Strings{"\n[defaults]\nbatch = 2\n", "\n[[blocks]]\n", "\n[blocks]\n",
                                     "\nseed = 1\n", "\n[[defaults]]\n", "\n[a.b.c]\nd = 1\n"});
    case 1: {
      const std::size_t p = rng.below(text.size() + 1);
      return text.substr(0, p) +
             rng.pick(Strings{"[[blocks", "key = ", " = 1", "a.b = 1", "x = \"unterminated",
                              "x = \"\\q\"", "x = 1979-05-27T07:32:00Z", "x = '''", "x = \"\"\"",
                              "x = [1, \"a\"]", "x = inf", "x = nan", "x = 0x1F", "x = 1_000",
                              "init.a = 1", "x = {a = 1,}", "\t", "\r"}) +
             text.substr(p);
    }
    case 2: return text.substr(0, rng.below(text.size() + 1));  // truncated
    case 3: {
      static const std::string kChars = "[]{}=\"',.#\\\t\n";
      std::string t = text;
      t.insert(rng.below(t.size() + 1), 1, kChars[rng.below(kChars.size())]);
      return t;
    }
    case 4: {  // a line repeated at the end (a key or a table header defined twice)
      const std::size_t at = rng.below(text.size() + 1);
      const std::size_t nl = at == 0 ? std::string::npos : text.rfind('\n', at - 1);
      const std::size_t start = nl == std::string::npos ? 0 : nl + 1;
      const std::size_t end = std::min(text.find('\n', start), text.size());
      return text + "\n" + text.substr(start, end - start) + "\n";
    }
    case 5:
      return rng.pick(Strings{"", "\xEF\xBB\xBF" + text, "\x01\x02", "[", "[[]]",
                              "= =", "blocks = 1", "blocks = [1]", "blocks = []", "seed = \"1\""});
    case 6: {  // CRLF line ends
      std::string t;
      for (char c : text) t += c == '\n' ? std::string("\r\n") : std::string(1, c);
      return t;
    }
    default: {  // a value replaced by garbage
      const std::size_t eq = text.find(" = ", rng.below(text.size() + 1));
      if (eq == std::string::npos) return text + "x = \n";
      const std::size_t end = std::min(text.find('\n', eq), text.size());
      return text.substr(0, eq + 3) +
             rng.pick(Strings{"", "[", "{", "\"", "1e999", "-", "[[1], \"a\"]", "true false"}) +
             text.substr(end);
    }
  }
}

Yaml* spec_scalar(Rng& rng, Yaml& root) {
  std::vector<Yaml*> all;
  collect(root, all);
  std::vector<Yaml*> specs;
  for (Yaml* m : all) {
    if (m->type != Yaml::Type::map) continue;
    for (auto& [k, v] : m->entries) {
      if (k == "init" || k == "activation" || k == "branch_scale") {
        if (v.type == Yaml::Type::scalar) specs.push_back(&v);
        for (Yaml& i : v.items) specs.push_back(&i);
      }
    }
  }
  return specs.empty() ? nullptr : rng.pick(specs);
}

/// The sweep file's raw strings (init specs) are emitted quoted; recover the raw value.
std::string unquote(const std::string& s) {
  if (s.size() < 2 || s.front() != '"') return s;
  std::string out;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] == '\\' && i + 2 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

/// A huge grid of tiny cells or huge cells (the `sizes` class for sweeps).
void mutate_yaml_sizes(Rng& rng, Yaml& root) {
  std::vector<Yaml*> maps = maps_of(root);
  if (maps.empty()) return;
  Yaml* m = rng.pick(maps);
  if (rng.percent(50)) {
    std::vector<Yaml> many;
    for (int i = 1; i <= 3000; ++i) many.push_back(scalar(int_str(i % 4 + 1)));
    m->entries.emplace_back("depth", list(many));
  } else {
    m->entries.emplace_back(rng.pick(Strings{"width", "batch", "depth", "replicates"}),
                            scalar(rng.pick(kHugeSizes)));
  }
  // One value per key: a duplicate key is the yaml class's business.
  auto& e = m->entries;
  for (std::size_t i = 0; i + 1 < e.size(); ++i) {
    if (e[i].first == e.back().first) {
      e[i].second = e.back().second;
      e.pop_back();
      break;
    }
  }
}

std::string corrupt_jsonl(Rng& rng, std::string text) {
  if (text.empty()) return text;
  switch (rng.below(8)) {
    case 0: return text.substr(0, rng.below(text.size()));  // truncated
    case 1: {                                               // a number replaced
      std::vector<std::size_t> digits;
      for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] >= '0' && text[i] <= '9' &&
            (i == 0 || !(text[i - 1] >= '0' && text[i - 1] <= '9')))
          digits.push_back(i);
      }
      if (digits.empty()) return text;
      const std::size_t at = rng.pick(digits);
      std::size_t end = at;
      while (end < text.size() &&
             std::string("0123456789.e-+").find(text[end]) != std::string::npos)
        ++end;
      return text.substr(0, at) +
             rng.pick(Strings{"1e999", "-5", "NaN", "null", "\"x\"", "[]", "{}",
                              "18446744073709551616", "-1e308", "0", "true", "1.5"}) +
             text.substr(end);
    }
    case 2: {  // a string value replaced
      const std::size_t q = text.find(":\"", rng.below(text.size()));
      if (q == std::string::npos) return text;
      const std::size_t end = text.find('"', q + 2);
      if (end == std::string::npos) return text;
      return text.substr(0, q + 2) +
             rng.pick(
                 Strings{"", "n\xC3\xB6rmal", "x\\ny", "zeros", "holds", "violated", "\\u0000"}) +
             text.substr(end);
    }
    case 3: {  // a character flipped
      std::size_t p = rng.below(text.size());
      text[p] = static_cast<char>(text[p] ^ (1 << rng.below(7)));
      return text;
    }
    case 4: {  // a line duplicated or removed
      const std::size_t nl = text.find('\n');
      if (nl == std::string::npos) return text;
      return rng.percent(50) ? text.substr(0, nl + 1) + text : text.substr(nl + 1);
    }
    case 5: return rng.pick(Strings{"", "\n", "{}", "[]", "null\n", "not json\n", "{\"a\":1}\n"});
    case 6: {  // a key removed
      const std::size_t q = text.find("\",\"", rng.below(text.size()));
      if (q == std::string::npos) return text;
      const std::size_t colon = text.find(':', q + 3);
      const std::size_t next = text.find(",\"", colon == std::string::npos ? q : colon);
      if (colon == std::string::npos || next == std::string::npos) return text;
      return text.substr(0, q + 1) + text.substr(next);
    }
    default: {  // two lines joined
      const std::size_t nl = text.find('\n');
      if (nl == std::string::npos || nl + 1 >= text.size()) return text;
      return text.substr(0, nl) + text.substr(nl + 1);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Weight files for `check --weights`: a tiny MLP as safetensors, then corrupted.

/// A safetensors file of F32 tensors {name, shape} (values small and finite), written by hand
/// (the harness does not link the library), with `dtype` for every tensor.
std::string safetensors_text(Rng& rng, const std::vector<std::pair<std::string, Strings>>& tensors,
                             const std::string& dtype = "F32") {
  std::string header = "{";
  std::string data;
  for (const auto& [name, shape] : tensors) {
    std::size_t count = 1;
    for (const std::string& d : shape) count *= static_cast<std::size_t>(std::stoul(d));
    const std::size_t begin = data.size();
    for (std::size_t i = 0; i < count; ++i) {
      const float v = static_cast<float>(rng.range(-100, 100)) / 100.0F;
      std::uint32_t bits = 0;
      std::memcpy(&bits, &v, 4);
      for (int b = 0; b < 4; ++b) data += static_cast<char>((bits >> (8U * b)) & 0xFFU);
    }
    if (header.size() > 1) header += ",";
    header += "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + join(shape, ",") +
              "],\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(data.size()) +
              "]}";
  }
  header += "}";
  std::string out;
  for (int i = 0; i < 8; ++i) out += static_cast<char>((header.size() >> (8U * i)) & 0xFFU);
  return out + header + data;
}

/// Turns a valid `check` into `check --weights w` (dropping the flags the files set) and returns
/// the files of w/: two or three seeds of a 1–4 layer MLP (or 1–2 layer conv), one of them
/// corrupted in most cases: bytes flipped, cut or inserted, a header edited (dtype, shape,
/// offsets, names), a file of another model, or no files at all.
std::vector<std::pair<std::string, std::string>> mutate_weights(Rng& rng, Command& c) {
  const auto set_by_files = [](const Option& o) {
    return o.flag == "--init" || o.flag == "--arch" || o.flag == "--depth" || o.flag == "--width" ||
           o.flag == "--widths" || o.flag == "--kernel" || o.flag == "--max-networks" ||
           o.flag == "--spatial" || o.flag == "--replicates";  // at most the 2–3 files
  };
  c.options.erase(std::remove_if(c.options.begin(), c.options.end(), set_by_files),
                  c.options.end());
  c.options.insert(c.options.begin(), {"--weights", "w", Kind::path});
  const bool conv = rng.percent(25);
  const int depth = rng.range(1, conv ? 2 : 4);
  const std::string kernel = int_str(rng.range(1, 3));
  Strings widths;
  for (int l = 0; l <= depth; ++l) widths.push_back(int_str(rng.range(1, conv ? 3 : 6)));
  std::vector<std::pair<std::string, Strings>> tensors;
  for (int l = 0; l < depth; ++l) {
    const std::string key = int_str(2 * l);
    Strings shape{widths[static_cast<std::size_t>(l) + 1], widths[static_cast<std::size_t>(l)]};
    if (conv) shape.insert(shape.end(), {kernel, kernel});
    tensors.push_back({key + ".weight", shape});
    if (rng.percent(40))
      tensors.push_back({key + ".bias", {widths[static_cast<std::size_t>(l) + 1]}});
  }
  const int seeds = rng.range(2, 3);
  std::vector<std::pair<std::string, std::string>> files;
  for (int s = 0; s < seeds; ++s) {
    files.emplace_back("w/seed_" + int_str(s) + ".safetensors", safetensors_text(rng, tensors));
  }
  std::string& victim = files[rng.below(files.size())].second;
  switch (rng.below(8)) {
    case 0: break;  // valid
    case 1:         // bytes flipped
      for (int i = rng.range(1, 4); i > 0; --i) {
        victim[rng.below(victim.size())] = static_cast<char>(rng.below(256));
      }
      break;
    case 2: victim.resize(rng.below(victim.size())); break;  // truncated
    case 3: victim.insert(rng.below(victim.size()), 1, static_cast<char>(rng.below(256))); break;
    case 4: {  // header text edited: a digit, a dtype, a name
      const std::size_t end = std::min<std::size_t>(victim.size(), 8 + (victim[0] & 0xFF));
      const std::string from =
          rng.pick(Strings{"F32", "weight", "bias", "[", "data_offsets", "1", "2"});
      const std::string to = rng.pick(Strings{"I64", "F16", "BF16", "F64", "running_mean", "", "-1",
                                              "99999999999999999999", "[0,", "1e3", "\"", "{}"});
      const std::size_t at = victim.find(from, 8);
      if (at != std::string::npos && at < end) victim.replace(at, from.size(), to);
      break;
    }
    case 5: {  // another model in one file
      std::vector<std::pair<std::string, Strings>> other = tensors;
      other.back().second[0] = int_str(rng.range(1, 6));
      if (rng.percent(50)) other.push_back({"99.weight", {"1", "1", "1"}});
      victim = safetensors_text(rng, other, rng.pick(Strings{"F32", "F16", "BF16", "F64"}));
      break;
    }
    case 6: files.resize(rng.below(2)); break;  // fewer than two files
    default:                                    // a huge length or offset
      victim.replace(0, 8, std::string(8, static_cast<char>(0x7F)));
      break;
  }
  return files;
}

bool applicable(MutationClass m, const std::string& sub) {
  switch (m) {
    case MutationClass::flags: return true;
    case MutationClass::values:
    case MutationClass::text: return sub != "schemes";
    case MutationClass::spec:
      return sub == "check" || sub == "theory" || sub == "gain" || sub == "report";
    case MutationClass::yaml:
    case MutationClass::toml: return sub == "report";
    case MutationClass::merge: return sub == "merge";
    case MutationClass::sizes: return sub == "check" || sub == "theory" || sub == "report";
    case MutationClass::weights: return sub == "check";
  }
  return false;
}

}  // namespace

const std::vector<MutationClass>& all_mutation_classes() {
  static const std::vector<MutationClass> all = {
      MutationClass::flags, MutationClass::values, MutationClass::text,
      MutationClass::spec,  MutationClass::yaml,   MutationClass::toml,
      MutationClass::merge, MutationClass::sizes,  MutationClass::weights};
  return all;
}

const char* class_name(MutationClass c) {
  switch (c) {
    case MutationClass::flags: return "flags";
    case MutationClass::values: return "values";
    case MutationClass::text: return "text";
    case MutationClass::spec: return "spec";
    case MutationClass::yaml: return "yaml";
    case MutationClass::toml: return "toml";
    case MutationClass::merge: return "merge";
    case MutationClass::sizes: return "sizes";
    case MutationClass::weights: return "weights";
  }
  return "?";
}

std::vector<MutationClass> parse_classes(const std::string& list) {
  if (list == "all") return all_mutation_classes();
  std::vector<MutationClass> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string name = list.substr(start, comma - start);
    bool found = false;
    for (MutationClass c : all_mutation_classes()) {
      if (name == class_name(c)) {
        out.push_back(c);
        found = true;
      }
    }
    if (!found) throw std::invalid_argument("unknown mutation class '" + name + "'");
    start = comma + 1;
  }
  return out;
}

std::string shard_sweep_yaml() {
  return "seed: 5\n"
         "defaults: {batch: 4, replicates: 2}\n"
         "blocks:\n"
         "  - init: [kaiming_normal, \"normal(std=0.5)\"]\n"
         "    activation: [relu, tanh]\n"
         "    depth: 2\n"
         "    width: 8\n"
         "    claims: [variance, mean, drift]\n";
}

Case generate_case(std::uint64_t seed, std::uint64_t index,
                   const std::vector<MutationClass>& allowed, const ShardFiles& shards) {
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + index);
  rng.next();
  const Strings subs = {"check",  "check",  "check", "check", "report", "report", "report",
                        "theory", "theory", "gain",  "merge", "merge",  "schemes"};
  std::vector<MutationClass> usable;
  std::string sub;
  for (;;) {
    sub = rng.pick(subs);
    usable.clear();
    for (MutationClass m : allowed) {
      if (applicable(m, sub)) usable.push_back(m);
    }
    if (!usable.empty() || allowed.empty()) break;
  }

  Command c;
  Yaml sweep;
  std::string first = shards.first;
  std::string second = shards.second;
  if (sub == "check") {
    c = valid_check(rng);
  } else if (sub == "theory") {
    c = valid_theory(rng);
  } else if (sub == "gain") {
    c = {"gain", {{"--activation", rng.pick(kActivations), Kind::spec}}, {}, {}};
  } else if (sub == "schemes") {
    c = {"schemes", {}, {}, {}};
  } else if (sub == "report") {
    sweep = valid_sweep(rng);
    c = {"report",
         {{"--sweep", "sweep.yaml", Kind::path},
          {"--out", "out", Kind::path},
          {"--jobs", "1", Kind::number}},
         {},
         {"sweep.yaml"}};
    if (rng.percent(30)) c.options.push_back({"--seed", int_str(rng.range(0, 99)), Kind::number});
    if (rng.percent(30))
      c.options.push_back({"--shard", rng.pick(Strings{"1/2", "2/2", "1/1", "3/3"}), Kind::word});
    if (rng.percent(20)) c.options.push_back({"--force", "", Kind::flag});
  } else {
    c = {"merge", {{"--out", "out", Kind::path}}, {"a.jsonl", "b.jsonl"}, {"a.jsonl", "b.jsonl"}};
    if (rng.percent(20)) c.options.push_back({"--force", "", Kind::flag});
    if (rng.percent(20)) std::swap(first, second);
  }

  Case out;
  std::vector<std::pair<std::string, std::string>> weight_files;
  const int mutations = usable.empty() || rng.percent(5) ? 0 : rng.range(1, 3);
  for (int m = 0; m < mutations; ++m) {
    const MutationClass cls = rng.pick(usable);
    bool done = false;
    switch (cls) {
      case MutationClass::flags: done = mutate_flags(rng, c); break;
      case MutationClass::values: done = mutate_value(rng, c, kEdgeValues); break;
      case MutationClass::text: done = mutate_text(rng, c); break;
      case MutationClass::spec:
        if (sub == "report") {
          Yaml* s = spec_scalar(rng, sweep);
          if (s != nullptr) *s = scalar(corrupt_spec(rng, unquote(s->text)));
          done = s != nullptr;
        } else {
          done = mutate_spec_option(rng, c);
        }
        break;
      case MutationClass::yaml:
      case MutationClass::toml:
        mutate_yaml_tree(rng, sweep);
        done = true;
        break;
      case MutationClass::merge:
        if (rng.percent(50)) {
          first = corrupt_jsonl(rng, first);
        } else {
          second = corrupt_jsonl(rng, second);
        }
        done = true;
        break;
      case MutationClass::sizes:
        if (sub == "report") {
          mutate_yaml_sizes(rng, sweep);
          done = true;
        } else {
          done = mutate_sizes(rng, c);
        }
        break;
      case MutationClass::weights:
        if (weight_files.empty()) {  // once per case: the files replace --init and the shape
          weight_files = mutate_weights(rng, c);
          done = true;
        }
        break;
    }
    if (done && std::find(out.applied.begin(), out.applied.end(), cls) == out.applied.end()) {
      out.applied.push_back(cls);
    }
  }

  const bool toml =
      std::find(out.applied.begin(), out.applied.end(), MutationClass::toml) != out.applied.end();
  if (toml) {  // the same sweep as a TOML file (the reader goes by the extension)
    for (auto& o : c.options) {
      if (o.flag == "--sweep" && o.value == "sweep.yaml") o.value = "sweep.toml";
    }
    c.files = {"sweep.toml"};
  }
  out.args = flatten(c);
  if (sub == "report" && toml) {
    std::string text = emit_toml(sweep);
    if (rng.percent(40)) text = mutate_toml_text(rng, text);
    out.files.emplace_back("sweep.toml", text);
  } else if (sub == "report") {
    std::string text = emit(sweep);
    // Text-level YAML corruption (syntax, tabs, extra documents) after the tree mutations.
    if (std::find(out.applied.begin(), out.applied.end(), MutationClass::yaml) !=
            out.applied.end() &&
        rng.percent(40)) {
      text = mutate_yaml_text(rng, text);
    }
    out.files.emplace_back("sweep.yaml", text);
  } else if (sub == "merge") {
    out.files.emplace_back("a.jsonl", first);
    out.files.emplace_back("b.jsonl", second);
  }
  out.files.insert(out.files.end(), weight_files.begin(), weight_files.end());
  return out;
}

}  // namespace initcheck::fuzz
