#pragma once
// Restart policies (HostConfig.RestartPolicy) as dockerd's restart manager decides them, kept as
// plain data so the decisions and the back-off are unit-tested without containers or clocks.
//
//   no              never restarted
//   always          restarted whatever the exit code
//   unless-stopped  as always, unless a user stopped or killed it (HasBeenManuallyStopped)
//   on-failure[:N]  restarted after a non-zero exit, at most N times (0: no limit)
//
// While the daemon runs, a stop or kill from a user disables restarting for that run, whatever the
// policy (dockerd sets HasBeenManuallyStopped and cancels the restart manager); the next start
// clears it. When the daemon starts, stopped containers come back as dockerd's restore decides:
// `always` even after a manual stop, `unless-stopped` only without one, `on-failure` after a
// non-zero exit with retries left.
//
// Back-off: the first restart waits 100 ms, each further one twice as long, capped at one minute;
// a run that lasted 10 s or more resets the delay (moby's restartmanager).
#include <chrono>

#include "api/container_types.hpp"
#include "base/result.hpp"

namespace gocker::engine {

enum class RestartPolicyKind { No, Always, UnlessStopped, OnFailure };

// InvalidArgument with dockerd's messages: an unknown name, a retry count with a policy other than
// on-failure, a negative count, and AutoRemove with any policy but "no".
Status validate_restart_policy(const api::RestartPolicy& policy, bool auto_remove);

// "" counts as "no" (what API clients before v1.25 sent, and what gocker stores by default).
RestartPolicyKind restart_policy_kind(const api::RestartPolicy& policy);

struct ExitFacts {
  int exit_code = 0;
  bool manually_stopped = false;    // stopped or killed by a user during this run
  int restart_count = 0;            // restarts so far (inspect's RestartCount)
  std::chrono::nanoseconds ran_for{0};  // StartedAt to FinishedAt of the run that ended
};

struct RestartDecision {
  bool restart = false;
  std::chrono::milliseconds delay{0};
};

// One per container while the daemon runs: remembers the back-off between runs.
class RestartBackoff {
 public:
  static constexpr std::chrono::milliseconds kInitialDelay{100};
  static constexpr std::chrono::milliseconds kMaxDelay{60'000};
  static constexpr std::chrono::seconds kResetAfter{10};

  // Called once per exit: advances the back-off and says whether (and after how long) to restart.
  RestartDecision on_exit(const api::RestartPolicy& policy, const ExitFacts& facts);
  // A start by a user (start, restart) begins a fresh back-off.
  void reset() { delay_ = std::chrono::milliseconds{0}; }

 private:
  std::chrono::milliseconds delay_{0};
};

// Whether a container found stopped when the daemon starts comes back (dockerd's restore:
// container.ShouldRestart, where the manual-stop mark only holds back unless-stopped).
bool should_restart_at_daemon_start(const api::RestartPolicy& policy, const ExitFacts& facts);

}  // namespace gocker::engine
