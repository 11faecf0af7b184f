#pragma once
/// Counts of what rounding to a storage format did to a set of values.

#include <cstdint>

namespace initcheck::precision {

/// Event counts for one rounding call (or, summed with +=, for a layer or a run).
/// Each count refers to the values *after* rounding, compared with the value before.
struct PrecisionEvents {
  std::int64_t total = 0;  ///< values seen
  std::int64_t flushed_to_zero =
      0;  ///< non-zero finite input that became ±0 (an exact 0 input is not counted)
  std::int64_t subnormal = 0;  ///< non-zero result in the format's subnormal range
  std::int64_t overflow = 0;   ///< finite input that became ±inf
  std::int64_t infinite = 0;   ///< ±inf results (overflows plus inputs that already were ±inf)
  std::int64_t nan = 0;        ///< NaN values (NaN in, NaN out)

  /// Underflows in initcheck's sense: non-zero values that became 0 or subnormal.
  [[nodiscard]] std::int64_t underflow() const { return flushed_to_zero + subnormal; }

  PrecisionEvents& operator+=(const PrecisionEvents& other) {
    total += other.total;
    flushed_to_zero += other.flushed_to_zero;
    subnormal += other.subnormal;
    overflow += other.overflow;
    infinite += other.infinite;
    nan += other.nan;
    return *this;
  }
  friend PrecisionEvents operator+(PrecisionEvents a, const PrecisionEvents& b) { return a += b; }
  friend bool operator==(const PrecisionEvents&, const PrecisionEvents&) = default;
};

}  // namespace initcheck::precision
