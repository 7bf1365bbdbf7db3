#pragma once
// Starting a gocker-monitor process: shared by a container's start (monitor_launch.cpp) and the
// standby monitor made ahead of one (monitor_standby.hpp).
#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace gocker::runtime {

struct MonitorProcessSpec {
  std::string binary;
  std::vector<std::string> arguments;  // argv, argv[0] included
  int control_fd = -1;                 // becomes the monitor's fd 3 (kMonitorControlFd)
  bool inherit_stdio = false;          // false: fds 0-2 are /dev/null
  int preserved_fds = 0;               // the caller's fds 3..3+N-1 become the monitor's 4..4+N-1
};

// A SOCK_SEQPACKET pair: the caller's end, and the monitor's end numbered above the fds the spawn
// moves (3..3+preserved_fds), so dup2 onto fd 3 never overwrites it.
struct MonitorControlPair {
  UniqueFd ours;
  UniqueFd monitors;
};
Result<MonitorControlPair> make_monitor_control_pair(int preserved_fds);

// Spawns the process (it starts with default signal handling and nothing blocked) and returns its
// pid; the caller reaps it.
Result<pid_t> spawn_monitor_process(const MonitorProcessSpec& spec);

}  // namespace gocker::runtime
