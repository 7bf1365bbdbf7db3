#include <doctest/doctest.h>

#include "engine/status_text.hpp"
#include "engine/time_format.hpp"

using namespace gocker::engine;

namespace {
constexpr int64_t kSecond = 1'000'000'000;
}

TEST_CASE("human durations follow Docker's wording") {
  CHECK(human_duration(kSecond / 2) == "Less than a second");
  CHECK(human_duration(1 * kSecond) == "1 second");
  CHECK(human_duration(3 * kSecond) == "3 seconds");
  CHECK(human_duration(60 * kSecond) == "About a minute");
  CHECK(human_duration(5 * 60 * kSecond) == "5 minutes");
  CHECK(human_duration(3600 * kSecond) == "About an hour");
  CHECK(human_duration(5 * 3600 * kSecond) == "5 hours");
  CHECK(human_duration(72 * 3600 * kSecond) == "3 days");
}

TEST_CASE("status column") {
  const int64_t now = 1'000'000 * kSecond;
  CHECK(status_text({"running", 0, now - 3 * kSecond, 0}, now) == "Up 3 seconds");
  CHECK(status_text({"exited", 137, 0, now - 120 * kSecond}, now) == "Exited (137) 2 minutes ago");
  CHECK(status_text({"created", 0, 0, 0}, now) == "Created");
}

TEST_CASE("RFC 3339 timestamps round-trip with nanoseconds") {
  const int64_t moment = 1'795'000'000LL * kSecond + 123456789;
  auto text = format_rfc3339_nanos(moment);
  CHECK(text.size() == 30);
  CHECK(text.back() == 'Z');
  CHECK(parse_rfc3339_nanos(text).value() == moment);
  CHECK(parse_rfc3339_nanos("2026-11-23T10:00:00Z").has_value());
  CHECK(parse_rfc3339_nanos("2026-11-23T10:00:00.5Z").value() % kSecond == kSecond / 2);
  CHECK_FALSE(parse_rfc3339_nanos("yesterday").has_value());
  CHECK_FALSE(parse_rfc3339_nanos("2026-11-23T10:00:00").has_value());
}
