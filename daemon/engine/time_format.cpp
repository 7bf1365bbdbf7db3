#include "engine/time_format.hpp"

#include <time.h>

#include <cstdio>

#include "base/time_math.hpp"

namespace gocker::engine {

int64_t now_unix_nanos() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

std::string format_rfc3339_nanos(int64_t unix_nanos) {
  time_t seconds = static_cast<time_t>(unix_nanos / 1'000'000'000);
  long nanos = static_cast<long>(unix_nanos % 1'000'000'000);
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --seconds;
  }
  tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, nanos);
  return buffer;
}

std::optional<int64_t> parse_rfc3339_nanos(std::string_view text) {
  tm utc{};
  int consumed = 0;
  std::string owned(text);
  if (std::sscanf(owned.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &utc.tm_year, &utc.tm_mon, &utc.tm_mday, &utc.tm_hour,
                  &utc.tm_min, &utc.tm_sec, &consumed) != 6 ||
      consumed != 19)
    return std::nullopt;
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  int64_t nanos = 0;
  size_t pos = 19;
  if (pos < owned.size() && owned[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < owned.size() && owned[pos] >= '0' && owned[pos] <= '9') {
      if (digits < 9) {
        nanos = nanos * 10 + (owned[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits) nanos *= 10;
  }
  if (pos >= owned.size() || owned[pos] != 'Z' || pos + 1 != owned.size()) return std::nullopt;
  return unix_nanos_saturated(static_cast<int64_t>(timegm(&utc)), nanos);
}

}  // namespace gocker::engine
