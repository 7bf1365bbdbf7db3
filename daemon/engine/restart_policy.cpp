#include "engine/restart_policy.hpp"

namespace gocker::engine {
namespace {

// moby's ShouldRestart: only unless-stopped looks at the manual-stop mark.
bool policy_allows_restart(const api::RestartPolicy& policy, const ExitFacts& facts) {
  switch (restart_policy_kind(policy)) {
    case RestartPolicyKind::No:
      return false;
    case RestartPolicyKind::Always:
      return true;
    case RestartPolicyKind::UnlessStopped:
      return !facts.manually_stopped;
    case RestartPolicyKind::OnFailure:
      if (facts.exit_code == 0) return false;
      return policy.maximum_retry_count == 0 || facts.restart_count < policy.maximum_retry_count;
  }
  return false;
}

}  // namespace

RestartPolicyKind restart_policy_kind(const api::RestartPolicy& policy) {
  if (policy.name == "always") return RestartPolicyKind::Always;
  if (policy.name == "unless-stopped") return RestartPolicyKind::UnlessStopped;
  if (policy.name == "on-failure") return RestartPolicyKind::OnFailure;
  return RestartPolicyKind::No;
}

Status validate_restart_policy(const api::RestartPolicy& policy, bool auto_remove) {
  const std::string& name = policy.name;
  if (name == "always" || name == "unless-stopped" || name == "no") {
    if (policy.maximum_retry_count != 0)
      return Error::invalid("invalid restart policy: maximum retry count can only be used with 'on-failure'");
  } else if (name == "on-failure") {
    if (policy.maximum_retry_count < 0)
      return Error::invalid("invalid restart policy: maximum retry count cannot be negative");
  } else if (!name.empty()) {
    return Error::invalid("invalid restart policy: unknown policy '" + name +
                          "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
  }
  if (auto_remove && restart_policy_kind(policy) != RestartPolicyKind::No)
    return Error::invalid("can't create 'AutoRemove' container with restart policy");
  return ok();
}

RestartDecision RestartBackoff::on_exit(const api::RestartPolicy& policy, const ExitFacts& facts) {
  // The delay advances on every exit, restarted or not, as moby's ShouldRestart does.
  if (facts.ran_for >= kResetAfter) delay_ = std::chrono::milliseconds{0};
  if (delay_.count() == 0) delay_ = kInitialDelay;
  else if (delay_ < kMaxDelay) delay_ *= 2;
  if (delay_ > kMaxDelay) delay_ = kMaxDelay;
  // While the daemon runs, a user's stop or kill cancels restarting whatever the policy (dockerd
  // cancels the container's restart manager).
  if (facts.manually_stopped || !policy_allows_restart(policy, facts)) return {};
  return {true, delay_};
}

bool should_restart_at_daemon_start(const api::RestartPolicy& policy, const ExitFacts& facts) {
  return policy_allows_restart(policy, facts);
}

}  // namespace gocker::engine
