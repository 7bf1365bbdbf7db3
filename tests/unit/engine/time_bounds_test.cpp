// Times clients send beyond what int64 nanoseconds hold (years 1677..2262) saturate instead of
// overflowing (undefined behaviour, which UBSan in the checked build aborts on). Found by
// reviewing the paths the HTTP fuzz target drives (events since/until) and those of the
// prune filters and image configs that parse the same kinds of text.
#include <limits>

#include <doctest/doctest.h>

#include "base/time_math.hpp"
#include "engine/prune_filters.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kNow = int64_t{1'764'756'000} * 1'000'000'000;

}  // namespace

TEST_CASE("time math saturates at the ends of int64 nanoseconds") {
  CHECK(unix_nanos_saturated(1'764'756'000, 5) == kNow + 5);
  CHECK(unix_nanos_saturated(-1, 0) == -1'000'000'000);
  CHECK(unix_nanos_saturated(9'999'999'999) == kMax);    // year 2286
  CHECK(unix_nanos_saturated(-62'135'596'800) == kMin);  // year 1
  CHECK(unix_nanos_saturated(9'223'372'036, 999'999'999) == kMax);
  CHECK(saturating_sub(kNow, kMin) == kMax);
  CHECK(saturating_sub(kMin, 1) == kMin);
  CHECK(saturating_add(kMax, 1) == kMax);
}

TEST_CASE("prune until: far past and far future times saturate") {
  CHECK(parse_until_time("999999999999", kNow) == kMax);
  CHECK(parse_until_time("999999999999.5", kNow) == kMax);
  CHECK(parse_until_time("9999-12-31", kNow) == kMax);
  CHECK(parse_until_time("9999-12-31T23:59:59Z", kNow) == kMax);
  CHECK(parse_until_time("-2555555h", kNow) == kMax);  // now minus a negative duration
  CHECK(parse_until_time("2555555h", kNow) == kNow - int64_t{2555555} * 3600 * 1'000'000'000);
}

TEST_CASE("RFC 3339: Docker's zero time is the earliest time, not an overflow") {
  CHECK(parse_rfc3339_nanos(kZeroTime) == kMin);
  CHECK(parse_rfc3339_nanos("2262-04-11T23:47:16.854775807Z") == kMax);
  CHECK(parse_rfc3339_nanos("2262-04-11T23:47:17Z") == kMax);
  CHECK(parse_rfc3339_nanos("2025-12-03T10:00:00Z") == kNow);
}

}  // namespace gocker::engine
