// Prints the Clopper–Pearson interval for `failures` out of `runs` (used by scripts/soak.sh).
#include <cstdlib>
#include <iostream>

#include "initcheck/stats/proportion_interval.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: soak_bound FAILURES RUNS\n";
    return 2;
  }
  const auto failures = static_cast<std::size_t>(std::strtoull(argv[1], nullptr, 10));
  const auto runs = static_cast<std::size_t>(std::strtoull(argv[2], nullptr, 10));
  if (runs == 0 || failures > runs) {
    std::cerr << "soak_bound: need 0 <= FAILURES <= RUNS, RUNS > 0\n";
    return 2;
  }
  // Two-sided 95 % interval; its upper end is a one-sided 97.5 % bound.
  const auto ci = initcheck::stats::clopper_pearson_interval(failures, runs, 0.95);
  std::cout << "false-failure rate per run: " << failures << "/" << runs << " = "
            << static_cast<double>(failures) / static_cast<double>(runs)
            << ", Clopper-Pearson 95% [" << ci.lower << ", " << ci.upper << "]\n";
  return 0;
}
