#pragma once
// Unix times in int64 nanoseconds, the unit the engine compares timestamps in, reach only the
// years 1677 to 2262. Times a client sends (events/logs since and until, prune "until", an image
// config's "created") may lie far outside, and `seconds * 1'000'000'000` is then a signed overflow:
// undefined behaviour (found writing the fuzz targets of issue 7). These saturate at the ends of
// the range instead, so "until=9999999999" (year 2286) still means "no upper bound in practice".
#include <cstdint>
#include <limits>

namespace gocker {

inline int64_t saturating_add(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

inline int64_t saturating_sub(int64_t a, int64_t b) {
  int64_t difference = 0;
  if (!__builtin_sub_overflow(a, b, &difference)) return difference;
  return b < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

// seconds * 1e9 + nanos (nanos in [0, 1e9)), saturated.
inline int64_t unix_nanos_saturated(int64_t seconds, int64_t nanos = 0) {
  int64_t scaled = 0;
  if (__builtin_mul_overflow(seconds, int64_t{1'000'000'000}, &scaled))
    return seconds > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  return saturating_add(scaled, nanos);
}

}  // namespace gocker
