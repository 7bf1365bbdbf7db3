#include "event_lines.hpp"

#include <doctest/doctest.h>

#include "run_flags.hpp"

namespace gocker::client {
namespace {

constexpr int64_t kNow = 1'700'000'000'500'000'000;  // 2023-11-14T22:13:20.5Z

TEST_CASE("events: --since/--until as the API's timestamps") {
  CHECK(*event_time_parameter("1700000000", kNow) == "1700000000.000000000");
  CHECK(*event_time_parameter("1700000000.25", kNow) == "1700000000.250000000");
  CHECK(*event_time_parameter("10m", kNow) == "1699999400.500000000");
  CHECK(*event_time_parameter("1h30m", kNow) == "1699994600.500000000");
  CHECK(*event_time_parameter("2023-11-14T22:13:20Z", kNow) == "1700000000.000000000");
  CHECK(*event_time_parameter("2023-11-14T23:13:20.123+01:00", kNow) == "1700000000.123000000");
  CHECK(*event_time_parameter("2023-11-14", kNow) == "1699920000.000000000");
  auto bad = event_time_parameter("yesterday", kNow);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == FailureKind::Usage);
}

TEST_CASE("events: docker's text line, attributes sorted") {
  api::EventMessage event;
  event.type = "container";
  event.action = "start";
  event.actor.id = "3f2a";
  event.actor.attributes = {{"name", "x"}, {"image", "busybox"}, {"tier", "web"}};
  event.time_nano = 1'700'000'000'000'000'123;
  CHECK(event_line(event) == "2023-11-14T22:13:20.000000123Z container start 3f2a (image=busybox, name=x, tier=web)");
}

TEST_CASE("run flags: --restart as a RestartPolicy") {
  CHECK(*parse_restart_policy("always") == nlohmann::json{{"Name", "always"}, {"MaximumRetryCount", 0}});
  CHECK(*parse_restart_policy("on-failure:3") == nlohmann::json{{"Name", "on-failure"}, {"MaximumRetryCount", 3}});
  CHECK(*parse_restart_policy("on-failure") == nlohmann::json{{"Name", "on-failure"}, {"MaximumRetryCount", 0}});
  CHECK_FALSE(parse_restart_policy(":3"));
  CHECK_FALSE(parse_restart_policy("on-failure:x"));
}

}  // namespace
}  // namespace gocker::client
