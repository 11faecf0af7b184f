#pragma once
/// `--max-memory SIZE` of `check` and `report`: the memory a run may need (README, "Exit codes
/// and limits").

#include <string>

namespace initcheck::cli {

/// Bytes of SIZE: an integer or decimal number of bytes, optionally followed by K, M, G or T
/// (powers of 1024; "KiB"/"KB" style suffixes and lower case are read the same). Throws
/// InputError naming the value unless it is a finite size > 0.
double parse_memory_size(const std::string& text);

/// The default limit: MemAvailable of /proc/meminfo (else the free physical memory sysconf
/// reports), lowered to the process's address-space or data limit (ulimit -v / -d) if one is
/// set; 0 when nothing is known.
double available_memory_bytes();

/// The limit for a run: parse_memory_size(text) when the flag was given, else
/// available_memory_bytes().
double memory_limit(bool given, const std::string& text);

/// How --max-memory's SIZE is written and defaults, for both commands' help.
inline constexpr const char* kMemorySizeHelp =
    "e.g. 8G, 512M or bytes (K/M/G/T = 1024-based; default: the machine's available memory)";

}  // namespace initcheck::cli
