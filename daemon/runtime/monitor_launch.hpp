#pragma once
// The engine's side of a container's monitor. The engine prepares an OCI bundle (config.json plus
// the mounted rootfs) and calls spawn_monitor(); nothing else container-specific crosses this seam.
//
//   engine ── spawn_monitor() ─fork/exec─▶ gocker-monitor ─clone(CLONE_NEW*)─▶ init ─execve─▶ command
//          ◀── ready {pids} ─────────────  (init is in its cgroup, pivoted, command resolved)
//   (the engine connects pending attach streams to the monitor's attach socket here)
//          ── go() ─────────────────────▶  ──── go ──────────────────────────▶ execve
//          ◀── started | {step, errno, message}
//
// After go() the engine needs the monitor for nothing but attach: liveness is a pidfd on the monitor,
// the exit status is a file the monitor writes, and signals go to the init through its own pidfd.
// So a daemon restart loses nothing.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace gocker::runtime {

// A process named by pid plus its start time (field 22 of /proc/PID/stat), so a recycled pid is
// never mistaken for the process we started.
struct ProcessIdentity {
  pid_t pid = 0;
  uint64_t start_time = 0;
};

struct MonitorOptions {
  std::string monitor_binary;  // path of gocker-monitor
  std::string container_id;
  std::string bundle_dir;      // holds config.json; the rootfs is already mounted at root.path
  std::string state_dir;       // the monitor writes monitor.json and exit.json here
  std::string log_path;        // json-file log (Docker's format: {"log","stream","time"} per line)
  std::string attach_socket;   // unix socket the monitor serves attach on (< 108 bytes)
  // Standalone mode (gocker-runc: no daemon keeps the control socket after create; see
  // standalone.hpp). When set, the monitor serves start on this unix socket and the spawner closing
  // its control socket before go() is not an abandon.
  std::string control_socket;
  std::string console_socket;  // terminal: the pty master goes there (SCM_RIGHTS), not to the log
  bool inherit_stdio = false;  // the container's fds 0-2 are the spawner's (no pipes, no log)
  int preserved_fds = 0;       // the spawner's fds 3..3+N-1 become the container's 3..3+N-1
  // Standalone: once the command runs, leave the init to the subreaper that adopted the monitor
  // (an engine's conmon or containerd shim: they reap it and read its exit status, as with runc).
  // Without such a subreaper (adopted by PID 1) the monitor keeps serving as without the flag.
  bool hand_off_init = false;
  // gockerd --runtime: another OCI runtime (runc, crun) creates and starts the container from the
  // bundle; the monitor drives it as conmon does (oci_runtime.hpp). Empty: the built-in runtime.
  std::string runtime_path;
  std::string runtime_root;  // the runtime's --root
};

// What the monitor reported once the init was ready to exec.
struct StartedProcesses {
  ProcessIdentity monitor;
  ProcessIdentity init;
  std::vector<std::string> cgroup_paths;  // absolute, one per hierarchy (v1) or one (v2)
};

class PendingStart {
 public:
  PendingStart(UniqueFd control, StartedProcesses processes)
      : control_(std::move(control)), processes_(std::move(processes)) {}
  const StartedProcesses& processes() const { return processes_; }
  // Lets the init execve the command. An error means the command did not start (the monitor has
  // then recorded an exit status and is going away); its sys_errno is ENOENT for "executable file
  // not found" (exit 127) and EACCES for "permission denied" (exit 126).
  Status go();
  // Dropping a PendingStart without go() kills the init and lets the monitor clean up.

 private:
  UniqueFd control_;
  StartedProcesses processes_;
};

// A monitor whose init exists and is still setting up. The spawner may work on the init's
// namespaces meanwhile (gockerd wires its network); dropping it without wait_ready() kills the
// init and lets the monitor clean up, as dropping a PendingStart does.
class SpawnedMonitor {
 public:
  SpawnedMonitor(UniqueFd control, pid_t init_pid) : control_(std::move(control)), init_pid_(init_pid) {}
  SpawnedMonitor(UniqueFd control, StartedProcesses ready)
      : control_(std::move(control)), init_pid_(ready.init.pid), ready_(std::move(ready)) {}
  pid_t init_pid() const { return init_pid_; }
  // Blocks until the init is ready or its setup failed (then nothing is left running).
  Result<PendingStart> wait_ready() &&;

 private:
  UniqueFd control_;
  pid_t init_pid_;
  std::optional<StartedProcesses> ready_;  // an OCI runtime's monitor reports ready at once
};

class MonitorStandby;

// Starts the monitor and blocks until its init exists (or, with an OCI runtime, is ready), or
// setup failed; on failure nothing is left running: no monitor, no init, no cgroup. A waiting
// monitor of `standby` serves the container when there is one (monitor_standby.hpp).
Result<SpawnedMonitor> spawn_monitor_until_cloned(const MonitorOptions& options, MonitorStandby* standby = nullptr);

// spawn_monitor_until_cloned, then wait_ready.
Result<PendingStart> spawn_monitor(const MonitorOptions& options, MonitorStandby* standby = nullptr);

// monitor.json and exit.json in the state dir (both written atomically by the monitor).
struct ExitStatus {
  int exit_code = 0;
  bool oom_killed = false;
  std::string finished_at;  // RFC 3339 with nanoseconds, UTC
};
Result<StartedProcesses> read_monitor_state(const std::string& state_dir);
// NotFound while the container has not exited.
Result<ExitStatus> read_exit_status(const std::string& state_dir);

// Opens a pidfd for the process and checks it is still the one named (start time matches).
// NotFound if it is gone or the pid was reused.
Result<UniqueFd> open_pidfd(const ProcessIdentity& process);
Status send_signal(const UniqueFd& pidfd, int signal);

}  // namespace gocker::runtime
