#pragma once
// The runtime without a daemon (gocker-runc): a container whose `create` and `start` are separate
// processes. The monitor is the only thing that lives between them, so it is what a later command
// talks to. Files in the container's state dir (besides monitor.json and exit.json):
//
//   <state_dir>/control.sock   SOCK_SEQPACKET, served by the monitor from just before it reports
//                              ready until the container is started (or ends). Its presence is
//                              what "created" means, as runc's exec fifo: `start` connects, sends
//                              kGo and reads kStarted or kError {step, errno, message}
//                              (sync_protocol.hpp); the monitor unlinks it on kGo.
//
//   create (gocker-runc)           gocker-monitor                            init
//   spawn_monitor(control_socket)─▶ ... clone, cgroup, ready (sync_protocol.hpp) ...
//     ◀── kReady ───────────────   listen on control.sock
//   exit (EOF on fd 3: not an abandon in this mode)                          (waits for go)
//   start ── connect control.sock, kGo ─▶ unlink control.sock ── kGo ─────▶  execve
//         ◀── kStarted | kError ─────────
//
// A container killed while created ends like a started one: the monitor reaps the init, writes
// exit.json, removes its cgroup and exits. Nothing here polls: the monitor's state is read from
// its files and a pidfd.
#include <sys/types.h>

#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "runtime/monitor_launch.hpp"

namespace gocker::runtime {

inline constexpr const char* kControlSocketFile = "control.sock";

enum class ContainerStatus { kCreating, kCreated, kRunning, kStopped };
const char* container_status_name(ContainerStatus status);

struct ContainerState {
  ContainerStatus status = ContainerStatus::kCreating;
  StartedProcesses processes;  // empty while creating
  bool monitor_alive = false;  // the monitor still runs (it may be finishing after the exit)
};

// What the state dir and the processes say now. Creating: no monitor.json yet.
ContainerState read_container_state(const std::string& state_dir);

// Starts a created container: connects to its control socket and lets the init execve. Conflict
// when the container is not in the created state.
Status start_created_container(const std::string& state_dir);

// Blocks until the container's monitor has exited (a pidfd; returns at once if it is gone).
void wait_for_monitor_exit(const StartedProcesses& processes);

// Sends the pty master of a terminal container to a console socket (runc's --console-socket):
// one message, the fd as SCM_RIGHTS and a name as data.
Status send_console_master(const std::string& socket_path, int master_fd);

}  // namespace gocker::runtime
