#include "engine/restart_trackers.hpp"

namespace gocker::engine {

void RestartTrackers::disarm(Tracker& tracker) {
  ++tracker.generation;
  if (tracker.timer) tracker.timer->cancel();
  tracker.timer.reset();
}

void RestartTrackers::on_start(const std::string& id, bool by_policy) {
  std::lock_guard lock(mutex_);
  Tracker& tracker = trackers_[id];
  disarm(tracker);
  if (!by_policy) tracker.backoff.reset();
}

RestartDecision RestartTrackers::on_exit(const std::string& id, const api::RestartPolicy& policy,
                                         const ExitFacts& facts) {
  std::lock_guard lock(mutex_);
  return trackers_[id].backoff.on_exit(policy, facts);
}

void RestartTrackers::cancel(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (auto it = trackers_.find(id); it != trackers_.end()) disarm(it->second);
}

bool RestartTrackers::pending(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = trackers_.find(id);
  return it != trackers_.end() && it->second.timer != nullptr;
}

uint64_t RestartTrackers::arm(const std::string& id, std::shared_ptr<Timer> timer) {
  std::lock_guard lock(mutex_);
  Tracker& tracker = trackers_[id];
  disarm(tracker);
  tracker.timer = std::move(timer);
  return tracker.generation;
}

bool RestartTrackers::fire(const std::string& id, uint64_t generation) {
  std::lock_guard lock(mutex_);
  auto it = trackers_.find(id);
  if (it == trackers_.end() || it->second.generation != generation) return false;
  disarm(it->second);
  return true;
}

void RestartTrackers::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = trackers_.find(id);
  if (it == trackers_.end()) return;
  if (it->second.timer) it->second.timer->cancel();
  trackers_.erase(it);
}

size_t RestartTrackers::size() const {
  std::lock_guard lock(mutex_);
  return trackers_.size();
}

}  // namespace gocker::engine
