#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "engine/restart_trackers.hpp"

using gocker::engine::ExitFacts;
using gocker::engine::RestartTrackers;

namespace {

gocker::api::RestartPolicy always() {
  gocker::api::RestartPolicy policy;
  policy.name = "always";
  return policy;
}

}  // namespace

TEST_CASE("restart trackers: a removed container's entry goes, whatever state it was in") {
  boost::asio::io_context io;
  RestartTrackers trackers;
  trackers.on_start("started", false);
  CHECK(trackers.on_exit("exited", always(), ExitFacts{}).restart);
  const uint64_t generation = trackers.arm("waiting", std::make_shared<RestartTrackers::Timer>(io));
  CHECK(trackers.size() == 3);
  CHECK(trackers.pending("waiting"));

  trackers.forget("started");
  trackers.forget("exited");
  trackers.forget("waiting");
  trackers.forget("never-seen");
  CHECK(trackers.size() == 0);
  // The timer of a removed container finds nothing to do and brings no entry back.
  CHECK_FALSE(trackers.fire("waiting", generation));
  CHECK_FALSE(trackers.pending("waiting"));
  trackers.cancel("waiting");
  CHECK(trackers.size() == 0);
}

TEST_CASE("restart trackers: only the latest timer acts, once") {
  boost::asio::io_context io;
  RestartTrackers trackers;
  const uint64_t first = trackers.arm("c", std::make_shared<RestartTrackers::Timer>(io));
  const uint64_t second = trackers.arm("c", std::make_shared<RestartTrackers::Timer>(io));
  CHECK_FALSE(trackers.fire("c", first));
  CHECK(trackers.fire("c", second));
  CHECK_FALSE(trackers.pending("c"));
  CHECK_FALSE(trackers.fire("c", second));

  // A start or a cancel makes a pending timer stale.
  const uint64_t third = trackers.arm("c", std::make_shared<RestartTrackers::Timer>(io));
  trackers.on_start("c", true);
  CHECK_FALSE(trackers.fire("c", third));
  const uint64_t fourth = trackers.arm("c", std::make_shared<RestartTrackers::Timer>(io));
  trackers.cancel("c");
  CHECK_FALSE(trackers.pending("c"));
  CHECK_FALSE(trackers.fire("c", fourth));
}

TEST_CASE("restart trackers: the back-off grows across exits; a user's start resets it, a policy's does not") {
  RestartTrackers trackers;
  ExitFacts facts;
  facts.exit_code = 1;
  const auto first = trackers.on_exit("c", always(), facts).delay;
  const auto second = trackers.on_exit("c", always(), facts).delay;
  CHECK(second > first);
  trackers.on_start("c", true);
  CHECK(trackers.on_exit("c", always(), facts).delay > second);
  trackers.on_start("c", false);
  CHECK(trackers.on_exit("c", always(), facts).delay == first);
}
