// The start-up CPU check. Compiled for baseline x86-64 (src/cli/CMakeLists.txt) and run as a
// high-priority constructor, i.e. before every static initializer of the program that might
// already use the build's wider instructions.
#include <unistd.h>

#include <cstring>

#include "cpu_features.hpp"

#ifndef INITCHECK_MARCH_NAME
#define INITCHECK_MARCH_NAME "the build machine's default"
#endif

namespace initcheck::cli {
namespace {

#if defined(__x86_64__)
/// The subset of `required` this CPU lacks (__builtin_cpu_supports needs literal names).
std::uint32_t missing_features(std::uint32_t required) {
  __builtin_cpu_init();
  std::uint32_t missing = 0;
  const auto need = [&](std::uint32_t bit, int supported) {
    if ((required & bit) != 0U && supported == 0) missing |= bit;
  };
  need(kSse3, __builtin_cpu_supports("sse3"));
  need(kSsse3, __builtin_cpu_supports("ssse3"));
  need(kSse41, __builtin_cpu_supports("sse4.1"));
  need(kSse42, __builtin_cpu_supports("sse4.2"));
  need(kPopcnt, __builtin_cpu_supports("popcnt"));
  need(kAvx, __builtin_cpu_supports("avx"));
  need(kAvx2, __builtin_cpu_supports("avx2"));
  need(kFma, __builtin_cpu_supports("fma"));
  need(kBmi, __builtin_cpu_supports("bmi"));
  need(kBmi2, __builtin_cpu_supports("bmi2"));
  need(kF16c, __builtin_cpu_supports("f16c"));
  need(kLzcnt, __builtin_cpu_supports("lzcnt"));
  need(kMovbe, __builtin_cpu_supports("movbe"));
  need(kAvx512f, __builtin_cpu_supports("avx512f"));
  need(kAvx512bw, __builtin_cpu_supports("avx512bw"));
  need(kAvx512dq, __builtin_cpu_supports("avx512dq"));
  need(kAvx512vl, __builtin_cpu_supports("avx512vl"));
  need(kAvx512cd, __builtin_cpu_supports("avx512cd"));
  return missing;
}

void write_text(const char* text) {
  ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  static_cast<void>(ignored);
}

/// Exit code 2 with one line naming what is missing, before anything could execute them.
__attribute__((constructor(101))) void require_cpu_features() {
  const std::uint32_t missing = missing_features(kRequiredCpuFeatures);
  if (missing == 0U) return;
  static constexpr const char* kNames[] = {"sse3",     "ssse3",    "sse4.1",  "sse4.2",  "popcnt",
                                           "avx",      "avx2",     "fma",     "bmi",     "bmi2",
                                           "f16c",     "lzcnt",    "movbe",   "avx512f", "avx512bw",
                                           "avx512dq", "avx512vl", "avx512cd"};
  write_text("initcheck: error: this CPU lacks");
  const char* sep = " ";
  for (unsigned i = 0; i < sizeof(kNames) / sizeof(kNames[0]); ++i) {
    if ((missing & (1U << i)) == 0U) continue;
    write_text(sep);
    write_text(kNames[i]);
    sep = ", ";
  }
  write_text(", which this build uses (-march=" INITCHECK_MARCH_NAME
             "); rebuild with -DINITCHECK_MARCH=x86-64-v2 (see README, Build options)\n");
  ::_exit(2);
}
#endif

}  // namespace
}  // namespace initcheck::cli
