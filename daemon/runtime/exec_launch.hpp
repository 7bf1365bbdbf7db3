#pragma once
// The engine's side of `exec`: start an exec monitor for one process inside a running container.
//
//   engine ── spawn_exec_monitor() ─posix_spawn─▶ gocker-monitor exec ─fork─▶ child ─execve─▶ command
//          ── kExecSpec {spec} ────────────────▶  (joins the container, see exec_process.hpp)
//          ◀── ready {monitor, process pids} ──   (the child is in the container, command resolved)
//   (the engine connects the exec's attach stream here)
//          ── go() ────────────────────────────▶ ── go ──────────────────────────▶ execve
//          ◀── started | {step, errno, message}
//
// After go() the exec monitor relays stdio over its attach socket, writes <state_dir>/exit.json
// when the process has exited and its output is drained, sends kExit to attach clients, and exits;
// the engine watches it through a pidfd, as it watches container monitors.
#include <string>

#include "base/result.hpp"
#include "runtime/exec_spec.hpp"
#include "runtime/monitor_launch.hpp"

namespace gocker::runtime {

struct ExecMonitorOptions {
  std::string monitor_binary;  // path of gocker-monitor (the host's; see exec_monitor.cpp)
  std::string container_id;
  std::string exec_id;
  std::string state_dir;      // monitor.json and exit.json of this exec
  std::string attach_socket;  // may be empty (detached exec: output is discarded)
  // gocker-runc (runc's exec): a terminal's master goes to this socket; the process's stdio is
  // the spawner's own (no pipes); the process is left to the adopting subreaper once it runs
  // (MonitorOptions has the same three).
  std::string console_socket;
  bool inherit_stdio = false;
  bool hand_off_init = false;
  // The container runs under another OCI runtime: the process is started by `<runtime> exec`.
  std::string runtime_path;
  std::string runtime_root;
};

// Blocks until the process is ready to execve or its setup failed (then nothing is left running).
// PendingStart::go() then behaves as for a container: an ENOENT/EACCES error means the command
// was not found or not executable (exit 127/126, already recorded in exit.json).
Result<PendingStart> spawn_exec_monitor(const ExecMonitorOptions& options, const ExecSpec& spec);

}  // namespace gocker::runtime
