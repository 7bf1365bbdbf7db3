#pragma once
// How gocker-bench measures and prints: wall times in milliseconds, series as median/p90/min/max.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace gocker::bench {

using BenchClock = std::chrono::steady_clock;

inline double ms(std::chrono::nanoseconds duration) { return std::chrono::duration<double, std::milli>(duration).count(); }

inline double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5));
  return values[index];
}

inline void print_series(const char* what, const std::vector<double>& values, const char* target = "") {
  std::printf("%-44s median %8.2f ms   p90 %8.2f ms   min %8.2f   max %8.2f  (n=%zu) %s\n", what,
              percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.0), percentile(values, 1.0),
              values.size(), target);
}

template <typename F>
double time_ms(F&& action) {
  const auto start = BenchClock::now();
  action();
  return ms(BenchClock::now() - start);
}

}  // namespace gocker::bench
