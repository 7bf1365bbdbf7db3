#include "engine/restart_policy.hpp"

#include <doctest/doctest.h>

namespace gocker::engine {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

api::RestartPolicy policy(std::string name, int count = 0) { return api::RestartPolicy{std::move(name), count}; }

ExitFacts exit_with(int code, int restart_count = 0, std::chrono::nanoseconds ran_for = milliseconds(5)) {
  ExitFacts facts;
  facts.exit_code = code;
  facts.restart_count = restart_count;
  facts.ran_for = ran_for;
  return facts;
}

TEST_CASE("restart policy: validation follows dockerd's messages") {
  CHECK(validate_restart_policy(policy(""), false));
  CHECK(validate_restart_policy(policy("no"), true));
  CHECK(validate_restart_policy(policy("always"), false));
  CHECK(validate_restart_policy(policy("unless-stopped"), false));
  CHECK(validate_restart_policy(policy("on-failure", 3), false));
  CHECK(validate_restart_policy(policy("on-failure"), false));

  auto unknown = validate_restart_policy(policy("sometimes"), false);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind == ErrorKind::InvalidArgument);
  CHECK(unknown.error().message.find("unknown policy 'sometimes'") != std::string::npos);

  auto count_with_always = validate_restart_policy(policy("always", 2), false);
  REQUIRE_FALSE(count_with_always);
  CHECK(count_with_always.error().message ==
        "invalid restart policy: maximum retry count can only be used with 'on-failure'");

  CHECK_FALSE(validate_restart_policy(policy("on-failure", -1), false));

  auto with_auto_remove = validate_restart_policy(policy("always"), true);
  REQUIRE_FALSE(with_auto_remove);
  CHECK(with_auto_remove.error().message == "can't create 'AutoRemove' container with restart policy");
}

TEST_CASE("restart policy: who restarts after which exit") {
  RestartBackoff backoff;
  CHECK_FALSE(backoff.on_exit(policy("no"), exit_with(1)).restart);
  CHECK_FALSE(backoff.on_exit(policy(""), exit_with(1)).restart);
  CHECK(backoff.on_exit(policy("always"), exit_with(0)).restart);
  CHECK(backoff.on_exit(policy("unless-stopped"), exit_with(0)).restart);
  CHECK(backoff.on_exit(policy("on-failure"), exit_with(1)).restart);
  CHECK_FALSE(backoff.on_exit(policy("on-failure"), exit_with(0)).restart);
}

TEST_CASE("restart policy: on-failure:N restarts at most N times") {
  RestartBackoff backoff;
  CHECK(backoff.on_exit(policy("on-failure", 2), exit_with(1, 0)).restart);
  CHECK(backoff.on_exit(policy("on-failure", 2), exit_with(1, 1)).restart);
  CHECK_FALSE(backoff.on_exit(policy("on-failure", 2), exit_with(1, 2)).restart);
  // 0 is no limit.
  CHECK(backoff.on_exit(policy("on-failure", 0), exit_with(7, 1000)).restart);
}

TEST_CASE("restart policy: a manual stop disables restarting for every policy") {
  RestartBackoff backoff;
  ExitFacts stopped = exit_with(137);
  stopped.manually_stopped = true;
  CHECK_FALSE(backoff.on_exit(policy("always"), stopped).restart);
  CHECK_FALSE(backoff.on_exit(policy("unless-stopped"), stopped).restart);
  CHECK_FALSE(backoff.on_exit(policy("on-failure"), stopped).restart);
}

TEST_CASE("restart policy: back-off doubles from 100 ms, caps at a minute, resets after a 10 s run") {
  RestartBackoff backoff;
  const auto always = policy("always");
  CHECK(backoff.on_exit(always, exit_with(0)).delay == milliseconds(100));
  CHECK(backoff.on_exit(always, exit_with(0)).delay == milliseconds(200));
  CHECK(backoff.on_exit(always, exit_with(0)).delay == milliseconds(400));
  CHECK(backoff.on_exit(always, exit_with(0)).delay == milliseconds(800));
  for (int i = 0; i < 20; ++i) (void)backoff.on_exit(always, exit_with(0));
  CHECK(backoff.on_exit(always, exit_with(0)).delay == milliseconds(60'000));
  // A run of 10 s or more starts over.
  CHECK(backoff.on_exit(always, exit_with(0, 0, seconds(10))).delay == milliseconds(100));
  CHECK(backoff.on_exit(always, exit_with(0, 0, seconds(9))).delay == milliseconds(200));
  backoff.reset();
  CHECK(backoff.on_exit(always, exit_with(0)).delay == milliseconds(100));
}

TEST_CASE("restart policy: which stopped containers come back when the daemon starts") {
  CHECK(should_restart_at_daemon_start(policy("always"), exit_with(0)));
  CHECK(should_restart_at_daemon_start(policy("unless-stopped"), exit_with(0)));
  ExitFacts by_hand = exit_with(143);
  by_hand.manually_stopped = true;
  CHECK_FALSE(should_restart_at_daemon_start(policy("unless-stopped"), by_hand));
  CHECK(should_restart_at_daemon_start(policy("always"), by_hand));  // as dockerd's restore
  CHECK_FALSE(should_restart_at_daemon_start(policy("no"), exit_with(1)));
  CHECK_FALSE(should_restart_at_daemon_start(policy("on-failure", 1), exit_with(1, 1)));
  CHECK(should_restart_at_daemon_start(policy("on-failure", 2), exit_with(1, 1)));
}

}  // namespace
}  // namespace gocker::engine
