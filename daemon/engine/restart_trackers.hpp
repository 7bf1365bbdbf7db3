#pragma once
// The running daemon's memory of restart policies: per container, the back-off between runs and
// the timer of a pending restart. An entry lives from the container's first start or exit until
// the container is removed (forget); without that a daemon that runs containers by the thousand
// (`run --rm`) would keep one entry for each.
//
// Every change bumps the entry's generation, and a timer acts only if its generation is still the
// current one, so a start, stop or rm that races a firing timer wins. Thread-safe: taken with a
// container's mutex held, never the other way round.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "engine/restart_policy.hpp"

namespace gocker::engine {

class RestartTrackers {
 public:
  using Timer = boost::asio::steady_timer;

  // A start, by a user or by the policy: a pending timer is stale; a user's start also begins a
  // fresh back-off.
  void on_start(const std::string& id, bool by_policy);
  // The container exited: advances its back-off and decides.
  RestartDecision on_exit(const std::string& id, const api::RestartPolicy& policy, const ExitFacts& facts);
  // Drops a pending restart (a user stopped the container while it waited).
  void cancel(const std::string& id);
  bool pending(const std::string& id) const;
  // Makes `timer` the container's pending restart, replacing any other; returns its generation.
  uint64_t arm(const std::string& id, std::shared_ptr<Timer> timer);
  // The timer armed as `generation` fired: true if it is still the pending restart (it no longer
  // is afterwards); false if something changed meanwhile or the container is gone.
  bool fire(const std::string& id, uint64_t generation);
  // The container was removed: its entry goes, and a timer still pending is cancelled.
  void forget(const std::string& id);
  size_t size() const;

 private:
  struct Tracker {
    RestartBackoff backoff;
    uint64_t generation = 0;
    std::shared_ptr<Timer> timer;
  };
  static void disarm(Tracker& tracker);

  mutable std::mutex mutex_;
  std::map<std::string, Tracker, std::less<>> trackers_;
};

}  // namespace gocker::engine
