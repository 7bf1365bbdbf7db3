#include "runtime/monitor_launch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <charconv>
#include <optional>

#include "base/strings.hpp"
#include "runtime/file_util.hpp"
#include "runtime/monitor_args.hpp"
#include "runtime/monitor_spawn.hpp"
#include "runtime/monitor_standby.hpp"
#include "runtime/monitor_state.hpp"
#include "runtime/sync_protocol.hpp"
#include "runtime/sys/syscalls.hpp"

namespace gocker::runtime {
namespace {

Error error_from_message(const sync::Message& message) {
  return sync::error_from_setup_error(sync::decode_setup_error(message.payload));
}

// The monitor's next setup report. An error is reported after the monitor cleaned up, and then it
// exits: its EOF is awaited, so that when this returns the error no monitor, init or cgroup is left.
Result<sync::Message> receive_setup_message(const UniqueFd& control) {
  auto message = sync::receive_message(control.get());
  if (!message) return std::move(message).error().context("start monitor");
  if (!message->has_value()) return Error::internal("start monitor: exited before reporting ready");
  sync::Message received = std::move(**message);
  if (received.type == sync::MessageType::kError) {
    while (true) {
      auto rest = sync::receive_message(control.get());
      if (!rest || !rest->has_value()) break;
    }
    return error_from_message(received);
  }
  return received;
}

// The processes a kReady report names.
Result<StartedProcesses> ready_processes(const sync::Message& message) {
  if (message.type != sync::MessageType::kReady) return Error::internal("start monitor: unexpected message");
  auto processes = decode_started_processes(message.payload);
  if (!processes) return std::move(processes).error().context("start monitor");
  return processes;
}

std::optional<pid_t> parse_pid(const std::string& text) {
  pid_t pid = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (error != std::errc{} || end != text.data() + text.size() || pid <= 0) return std::nullopt;
  return pid;
}

// The wait status of a spawned monitor process, which forks the real monitor and exits at once:
// reaped so it leaves no zombie. ECHILD (the daemon ignores SIGCHLD, and the kernel reaped it for
// us) counts as a clean exit.
int reap_spawned(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Hands the container's arguments to a waiting standby monitor, which goes on as a spawned one
// does. The control socket, or none when no standby waits or it died before it detached the
// monitor (it is reaped either way): then the caller spawns afresh.
UniqueFd start_from_standby(const MonitorOptions& options, MonitorStandby* standby) {
  if (!standby || !standby->can_serve(options)) return {};
  auto waiting = standby->take();
  if (!waiting) return {};
  const std::string arguments = encode_monitor_arguments(build_monitor_argv(options));
  if (!sync::send_message(waiting->control.get(), sync::MessageType::kArguments, arguments)) {
    release_standby(std::move(*waiting));
    return {};
  }
  const int status = reap_spawned(waiting->pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
  return std::move(waiting->control);
}

}  // namespace

Result<SpawnedMonitor> spawn_monitor_until_cloned(const MonitorOptions& options, MonitorStandby* standby) {
  UniqueFd control = start_from_standby(options, standby);
  if (!control) {
    auto pair = make_monitor_control_pair(options.preserved_fds);
    if (!pair) return std::move(pair).error();
    auto spawned = spawn_monitor_process(MonitorProcessSpec{options.monitor_binary, build_monitor_argv(options),
                                                            pair->monitors.get(), options.inherit_stdio,
                                                            options.preserved_fds});
    if (!spawned) return std::move(spawned).error();
    pair->monitors.reset();
    control = std::move(pair->ours);
    reap_spawned(*spawned);
  }

  auto message = receive_setup_message(control);
  if (!message) return std::move(message).error();
  if (message->type == sync::MessageType::kCloned) {
    auto init_pid = parse_pid(message->payload);
    if (!init_pid) return Error::internal("start monitor: malformed init pid " + gocker::quoted(message->payload));
    return SpawnedMonitor(std::move(control), *init_pid);
  }
  auto processes = ready_processes(*message);
  if (!processes) return std::move(processes).error();
  return SpawnedMonitor(std::move(control), std::move(*processes));
}

Result<PendingStart> SpawnedMonitor::wait_ready() && {
  if (ready_) return PendingStart(std::move(control_), std::move(*ready_));
  auto message = receive_setup_message(control_);
  if (!message) return std::move(message).error();
  auto processes = ready_processes(*message);
  if (!processes) return std::move(processes).error();
  return PendingStart(std::move(control_), std::move(*processes));
}

Result<PendingStart> spawn_monitor(const MonitorOptions& options, MonitorStandby* standby) {
  auto spawned = spawn_monitor_until_cloned(options, standby);
  if (!spawned) return std::move(spawned).error();
  return std::move(*spawned).wait_ready();
}

Status PendingStart::go() {
  if (!control_) return Error::invalid("start container: go() was already called");
  UniqueFd control = std::move(control_);
  // A send failure means the monitor already reported why it cannot start; the reply tells.
  (void)sync::send_message(control.get(), sync::MessageType::kGo);
  auto message = sync::receive_message(control.get());
  if (!message) return std::move(message).error().context("start container");
  if (!message->has_value()) return Error::internal("start container: monitor exited before starting the command");
  sync::Message& received = **message;
  if (received.type == sync::MessageType::kStarted) return ok();
  if (received.type == sync::MessageType::kError) return error_from_message(received);
  return Error::internal("start container: unexpected message from monitor");
}

Result<StartedProcesses> read_monitor_state(const std::string& state_dir) {
  std::string path = state_dir + "/" + kMonitorStateFile;
  auto text = read_file(path);
  if (!text) return std::move(text).error();
  auto processes = decode_started_processes(*text);
  if (!processes) return std::move(processes).error().context("read " + gocker::quoted(path));
  return processes;
}

Result<ExitStatus> read_exit_status(const std::string& state_dir) {
  std::string path = state_dir + "/" + kExitStatusFile;
  auto text = read_file(path);
  if (!text) return std::move(text).error();
  auto status = decode_exit_status(*text);
  if (!status) return std::move(status).error().context("read " + gocker::quoted(path));
  return status;
}

Result<UniqueFd> open_pidfd(const ProcessIdentity& process) {
  std::string what = "process " + std::to_string(process.pid);
  if (process.pid <= 0) return Error::invalid(what + ": invalid pid");
  UniqueFd pidfd{sys::pidfd_open(process.pid, 0)};
  if (!pidfd) {
    if (errno == ESRCH) return Error::not_found(what + ": no longer exists");
    return Error::from_errno(errno, "pidfd_open " + what);
  }
  // Checked after opening: if the pid was reused before pidfd_open, the pidfd names the new
  // process and its start time differs; if it is reused after, the pidfd still names ours.
  auto start_time = read_process_start_time(process.pid);
  if (!start_time || *start_time != process.start_time) {
    return Error::not_found(what + ": no longer exists (pid reused)");
  }
  return pidfd;
}

Status send_signal(const UniqueFd& pidfd, int signal) {
  if (sys::pidfd_send_signal(pidfd.get(), signal) != 0) {
    if (errno == ESRCH) return Error::not_found("send signal " + std::to_string(signal) + ": process has exited");
    return Error::from_errno(errno, "send signal " + std::to_string(signal));
  }
  return ok();
}

}  // namespace gocker::runtime
