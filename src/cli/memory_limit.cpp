#include "memory_limit.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "initcheck/core/error.hpp"

namespace initcheck::cli {

double parse_memory_size(const std::string& text) {
  const auto bad = [&text] {
    return InputError("--max-memory: '" + text +
                      "' is not a memory size (expected e.g. 8G, 512M, 1.5T or a number of bytes)");
  };
  std::size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) != 0 || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0) throw bad();
  char* end = nullptr;
  const std::string number = text.substr(0, digits);
  const double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size()) throw bad();
  std::string unit;
  for (char c : text.substr(digits))
    unit += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double scale = 1.0;
  if (!unit.empty() && unit != "B") {
    const std::string prefixes = "KMGT";
    const std::size_t p = prefixes.find(unit.front());
    const std::string rest = unit.substr(1);
    if (p == std::string::npos || !(rest.empty() || rest == "B" || rest == "IB")) throw bad();
    scale = std::pow(1024.0, static_cast<double>(p + 1));
  }
  const double bytes = value * scale;
  if (!(std::isfinite(bytes) && bytes >= 1.0)) {
    throw InputError("--max-memory: '" + text + "' must be a size of at least 1 byte");
  }
  return bytes;
}

namespace {

/// The smaller of the address-space and data-segment limits (ulimit -v / -d), or +inf.
double process_memory_rlimit() {
  double limit = std::numeric_limits<double>::infinity();
  for (const int resource : {RLIMIT_AS, RLIMIT_DATA}) {
    struct rlimit r {};
    if (::getrlimit(resource, &r) == 0 && r.rlim_cur != RLIM_INFINITY) {
      limit = std::min(limit, static_cast<double>(r.rlim_cur));
    }
  }
  return limit;
}

double machine_available_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream fields(line);
    std::string key;
    double kib = 0.0;
    if (fields >> key >> kib && key == "MemAvailable:" && kib > 0.0) return kib * 1024.0;
  }
  const long pages = ::sysconf(_SC_AVPHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page_size > 0)
    return static_cast<double>(pages) * static_cast<double>(page_size);
  return 0.0;
}

}  // namespace

double available_memory_bytes() {
  const double machine = machine_available_bytes();
  const double process = process_memory_rlimit();
  if (machine <= 0.0) return std::isfinite(process) ? process : 0.0;
  return std::min(machine, process);
}

double memory_limit(bool given, const std::string& text) {
  return given ? parse_memory_size(text) : available_memory_bytes();
}

}  // namespace initcheck::cli
