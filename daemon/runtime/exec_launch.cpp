#include "runtime/exec_launch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "base/strings.hpp"
#include "runtime/monitor_args.hpp"
#include "runtime/monitor_state.hpp"
#include "runtime/sync_protocol.hpp"

namespace gocker::runtime {
namespace {

// posix_spawn: the threaded daemon's fork+exec without copying its page tables and with only
// async-signal-safe steps in between (as spawn_monitor() does for container monitors).
Result<pid_t> spawn_process(const std::string& binary, std::vector<std::string> arguments, int control_fd,
                            bool inherit_stdio) {
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_t actions;
  ::posix_spawnattr_init(&attributes);
  ::posix_spawn_file_actions_init(&actions);
  sigset_t signals;
  sigemptyset(&signals);
  ::posix_spawnattr_setsigmask(&attributes, &signals);
  sigfillset(&signals);
  ::posix_spawnattr_setsigdefault(&attributes, &signals);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (!inherit_stdio) {
    ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_adddup2(&actions, 1, 2);
  }
  ::posix_spawn_file_actions_adddup2(&actions, control_fd, kMonitorControlFd);
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  char* empty_environment[] = {nullptr};
  pid_t pid = 0;
  int error = ::posix_spawn(&pid, binary.c_str(), &actions, &attributes, argv.data(), empty_environment);
  ::posix_spawnattr_destroy(&attributes);
  ::posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return Error::from_errno(error, "spawn exec monitor " + gocker::quoted(binary));
  return pid;
}

}  // namespace

Result<PendingStart> spawn_exec_monitor(const ExecMonitorOptions& options, const ExecSpec& spec) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return Error::from_errno(errno, "create exec monitor control socketpair");
  }
  UniqueFd control{pair[0]};
  UniqueFd monitor_end{pair[1]};
  if (monitor_end.get() <= kMonitorControlFd) {
    monitor_end.reset(::fcntl(monitor_end.get(), F_DUPFD_CLOEXEC, kMonitorControlFd + 1));
    if (!monitor_end) return Error::from_errno(errno, "dup exec monitor control socket");
  }
  // Queued before the spawn: the monitor reads it first thing.
  GOCKER_TRY(sync::send_message(control.get(), sync::MessageType::kExecSpec, encode_exec_spec(spec)));
  auto pid = spawn_process(options.monitor_binary, build_exec_monitor_argv(options), monitor_end.get(),
                           options.inherit_stdio);
  if (!pid) return std::move(pid).error();
  monitor_end.reset();
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }

  auto message = sync::receive_message(control.get());
  if (!message) return std::move(message).error().context("start exec monitor");
  if (!message->has_value()) return Error::internal("start exec monitor: exited before reporting ready");
  sync::Message& received = **message;
  if (received.type == sync::MessageType::kError) {
    // Reported after cleanup; wait for the EOF so nothing of the exec is left when this returns.
    while (true) {
      auto rest = sync::receive_message(control.get());
      if (!rest || !rest->has_value()) break;
    }
    return sync::error_from_setup_error(sync::decode_setup_error(received.payload));
  }
  if (received.type != sync::MessageType::kReady) return Error::internal("start exec monitor: unexpected message");
  auto processes = decode_started_processes(received.payload);
  if (!processes) return std::move(processes).error().context("start exec monitor");
  return PendingStart(std::move(control), std::move(*processes));
}

}  // namespace gocker::runtime
