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
#include "runtime/monitor_state.hpp"
#include "runtime/sync_protocol.hpp"
#include "runtime/sys/syscalls.hpp"

namespace gocker::runtime {
namespace {

// posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK) + exec) is the fork+exec of a threaded daemon
// done right: between the clone and the exec only glibc's async-signal-safe file actions run, and
// no page tables of the daemon are copied.
class SpawnAttributes {
 public:
  SpawnAttributes() {
    ::posix_spawnattr_init(&attributes_);
    ::posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnAttributes() {
    ::posix_spawnattr_destroy(&attributes_);
    ::posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  posix_spawnattr_t attributes_;
  posix_spawn_file_actions_t actions_;
};

Result<pid_t> spawn_monitor_process(const MonitorOptions& options, int control_fd) {
  SpawnAttributes spawn;
  // The monitor starts with clean signal state whatever the daemon's threads block or handle.
  sigset_t signals;
  sigemptyset(&signals);
  ::posix_spawnattr_setsigmask(&spawn.attributes_, &signals);
  sigfillset(&signals);
  ::posix_spawnattr_setsigdefault(&spawn.attributes_, &signals);
  ::posix_spawnattr_setflags(&spawn.attributes_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (!options.inherit_stdio) {
    ::posix_spawn_file_actions_addopen(&spawn.actions_, 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_addopen(&spawn.actions_, 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_adddup2(&spawn.actions_, 1, 2);
  }
  // Preserved fds 3..3+N-1 move up by one to make room for the control socket at fd 3; highest
  // first, so no move overwrites a source still to be moved.
  for (int index = options.preserved_fds - 1; index >= 0; --index) {
    ::posix_spawn_file_actions_adddup2(&spawn.actions_, kMonitorControlFd + index, kMonitorControlFd + 1 + index);
  }
  // control_fd is above every fd moved here, so dup2 makes a distinct fd 3 without O_CLOEXEC.
  ::posix_spawn_file_actions_adddup2(&spawn.actions_, control_fd, kMonitorControlFd);

  std::vector<std::string> arguments = build_monitor_argv(options);
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  char* empty_environment[] = {nullptr};
  pid_t pid = 0;
  int error = ::posix_spawn(&pid, options.monitor_binary.c_str(), &spawn.actions_, &spawn.attributes_, argv.data(),
                            empty_environment);
  if (error != 0) return Error::from_errno(error, "spawn monitor " + gocker::quoted(options.monitor_binary));
  return pid;
}

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

}  // namespace

Result<SpawnedMonitor> spawn_monitor_until_cloned(const MonitorOptions& options) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return Error::from_errno(errno, "create monitor control socketpair");
  }
  UniqueFd control{pair[0]};
  UniqueFd monitor_end{pair[1]};
  int lowest_free = kMonitorControlFd + 1 + options.preserved_fds;
  if (monitor_end.get() < lowest_free) {
    // A daemon started with closed stdio could hand out fds 0..3 (and the preserved fds are taken);
    // keep the child's end above them.
    monitor_end.reset(::fcntl(monitor_end.get(), F_DUPFD_CLOEXEC, lowest_free));
    if (!monitor_end) return Error::from_errno(errno, "dup monitor control socket");
  }
  auto pid = spawn_monitor_process(options, monitor_end.get());
  if (!pid) return std::move(pid).error();
  monitor_end.reset();
  // The spawned process forks the real monitor and exits at once; reap it so it leaves no zombie.
  // ECHILD: the daemon ignores SIGCHLD, and the kernel reaped it for us.
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
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

Result<PendingStart> spawn_monitor(const MonitorOptions& options) {
  auto spawned = spawn_monitor_until_cloned(options);
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
