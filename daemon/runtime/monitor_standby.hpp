#pragma once
// A monitor started ahead of need. It is spawned and exec'd, then waits on its control socket for
// the arguments of the container it will serve (kArguments), and from there on is a monitor like
// any other. A container start that finds one waiting skips the process creation and the exec of
// the monitor binary, about 2 ms of every start on a VM where page faults are slow; the engine
// makes the next one once the start is done, off the start's path.
//
// A waiting standby is the daemon's child; it exits when its control socket closes (the daemon
// dropped it or ended), so it never outlives the daemon unused.
#include <sys/types.h>

#include <mutex>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace gocker::runtime {

struct MonitorOptions;

class MonitorStandby {
 public:
  struct Waiting {
    pid_t pid = 0;
    UniqueFd control;
  };

  explicit MonitorStandby(std::string monitor_binary) : monitor_binary_(std::move(monitor_binary)) {}
  ~MonitorStandby();
  MonitorStandby(const MonitorStandby&) = delete;
  MonitorStandby& operator=(const MonitorStandby&) = delete;

  // Spawns a standby unless one is waiting. Blocks for a process spawn: not on an event loop.
  Status refill();
  // The waiting standby for a start, if there is one; the caller reaps its pid.
  std::optional<Waiting> take();
  // Whether a standby could serve these options: a daemon's container (no standalone control
  // socket, console socket, inherited stdio or preserved fds). It runs as the binary the standby
  // was spawned from, whatever options.monitor_binary says.
  bool can_serve(const MonitorOptions& options) const;
  pid_t waiting_pid() const;

 private:
  std::string monitor_binary_;
  mutable std::mutex mutex_;
  std::optional<Waiting> waiting_;
};

// Lets a standby go unused: closes its control socket (it exits) and reaps it.
void release_standby(MonitorStandby::Waiting waiting);

}  // namespace gocker::runtime
