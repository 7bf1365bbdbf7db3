#include "engine/event_log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <doctest/doctest.h>

#include "engine/time_format.hpp"

namespace gocker::engine {
namespace {

namespace asio = boost::asio;

api::EventMessage event(std::string action, std::string id, std::string name, int64_t time_nano,
                        std::map<std::string, std::string> extra = {}) {
  api::EventMessage e;
  e.action = action;
  e.status = action;
  e.id = id;
  e.actor.id = id;
  e.actor.attributes = std::move(extra);
  e.actor.attributes["name"] = std::move(name);
  e.actor.attributes["image"] = "busybox";
  e.time_nano = time_nano;
  e.time = time_nano / 1'000'000'000;
  return e;
}

// Runs the stream to its end (until reached) and returns the actions seen.
std::vector<std::string> drain(asio::io_context& io, Engine::EventStream& stream, size_t at_most = 100) {
  auto future = asio::co_spawn(
      io,
      [&]() -> Task<std::vector<std::string>> {
        std::vector<std::string> actions;
        while (actions.size() < at_most) {
          auto next = co_await stream.next();
          if (!next) break;
          actions.push_back(next->action + ":" + next->actor.attributes["name"]);
        }
        co_return actions;
      },
      asio::use_future);
  io.restart();
  io.run();
  return future.get();
}

TEST_CASE("event filters: container, event, type, label, image; same key any, keys all") {
  auto e = event("exec_start: sh -c true", "3f2a00", "web", 1, {{"tier", "front"}});
  CHECK(event_matches(e, {}));
  CHECK(event_matches(e, {{"container", "3f2a"}}));
  CHECK(event_matches(e, {{"container", "web"}}));
  CHECK(event_matches(e, {{"container", "/web"}}));
  CHECK_FALSE(event_matches(e, {{"container", "db"}}));
  CHECK(event_matches(e, {{"event", "exec_start"}}));
  CHECK(event_matches(e, {{"event", "die"}, {"event", "exec_start"}}));
  CHECK_FALSE(event_matches(e, {{"event", "die"}}));
  CHECK(event_matches(e, {{"type", "container"}}));
  CHECK_FALSE(event_matches(e, {{"type", "image"}}));
  CHECK(event_matches(e, {{"label", "tier"}}));
  CHECK(event_matches(e, {{"label", "tier=front"}}));
  CHECK_FALSE(event_matches(e, {{"label", "tier=back"}}));
  CHECK(event_matches(e, {{"image", "busybox"}}));
  CHECK(event_matches(e, {{"image", "busybox"}, {"container", "web"}, {"event", "exec_start"}}));
  CHECK_FALSE(event_matches(e, {{"image", "busybox"}, {"container", "db"}}));
  CHECK_FALSE(event_matches(e, {{"network", "bridge"}}));
  CHECK(validate_event_filters({{"container", "x"}, {"network", "y"}}));
  auto unknown = validate_event_filters({{"colour", "red"}});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "invalid filter 'colour'");
}

TEST_CASE("event log: since replays from the ring, until ends the stream") {
  asio::io_context io;
  EventLog log(io.get_executor());
  log.publish(event("create", "a1", "one", 100));
  log.publish(event("start", "a1", "one", 200));
  log.publish(event("create", "b2", "two", 300));
  log.publish(event("die", "a1", "one", 400));

  Engine::EventQuery query;
  query.since_nanos = 200;
  query.until_nanos = 300;  // in the past: the replay is the whole stream
  auto stream = log.subscribe(query, /*now_nanos=*/1000);
  REQUIRE(stream);
  CHECK(drain(io, **stream) == std::vector<std::string>{"start:one", "create:two"});
  CHECK(log.subscriber_count() == 0);

  Engine::EventQuery filtered;
  filtered.since_nanos = 0;
  filtered.until_nanos = 999;
  filtered.filters = {{"container", "one"}, {"event", "create"}, {"event", "die"}};
  auto filtered_stream = log.subscribe(filtered, 1000);
  REQUIRE(filtered_stream);
  CHECK(drain(io, **filtered_stream) == std::vector<std::string>{"create:one", "die:one"});

  Engine::EventQuery only_until;
  only_until.until_nanos = 250;  // until alone replays everything up to it
  auto until_stream = log.subscribe(only_until, 1000);
  REQUIRE(until_stream);
  CHECK(drain(io, **until_stream) == std::vector<std::string>{"create:one", "start:one"});

  Engine::EventQuery bad;
  bad.filters = {{"colour", "red"}};
  CHECK_FALSE(log.subscribe(bad, 1000));
}

TEST_CASE("event log: live events after the replay, without gaps; a future until ends by timer") {
  asio::io_context io;
  EventLog log(io.get_executor());
  const int64_t now = now_unix_nanos();
  log.publish(event("create", "a1", "one", now - 1000));

  Engine::EventQuery query;
  query.since_nanos = now - 2000;
  query.until_nanos = now_unix_nanos() + 300'000'000;  // 0.3 s from now
  auto stream = log.subscribe(query, now_unix_nanos());
  REQUIRE(stream);
  CHECK(log.subscriber_count() == 1);
  log.publish(event("start", "a1", "one", now_unix_nanos()));
  log.publish(event("die", "a1", "one", now_unix_nanos()));
  const auto started = std::chrono::steady_clock::now();
  CHECK(drain(io, **stream) == std::vector<std::string>{"create:one", "start:one", "die:one"});
  // It ended because `until` came, not before.
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(200));
  stream->reset();
  CHECK(log.subscriber_count() == 0);
}

TEST_CASE("event log: the ring keeps the most recent events") {
  asio::io_context io;
  EventLog log(io.get_executor(), /*capacity=*/3);
  for (int i = 1; i <= 5; ++i) log.publish(event("start", "id", "c" + std::to_string(i), i));
  CHECK(log.size() == 3);
  Engine::EventQuery query;
  query.since_nanos = 0;
  query.until_nanos = 10;
  auto stream = log.subscribe(query, 100);
  REQUIRE(stream);
  CHECK(drain(io, **stream) == std::vector<std::string>{"start:c3", "start:c4", "start:c5"});
}

}  // namespace
}  // namespace gocker::engine
