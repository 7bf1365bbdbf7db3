#include "runtime/monitor_spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>

#include "base/strings.hpp"
#include "runtime/monitor_args.hpp"

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

}  // namespace

Result<MonitorControlPair> make_monitor_control_pair(int preserved_fds) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return Error::from_errno(errno, "create monitor control socketpair");
  }
  MonitorControlPair control{UniqueFd{pair[0]}, UniqueFd{pair[1]}};
  const int lowest_free = kMonitorControlFd + 1 + preserved_fds;
  if (control.monitors.get() < lowest_free) {
    // A daemon started with closed stdio could hand out fds 0..3 (and the preserved fds are taken);
    // keep the child's end above them.
    control.monitors.reset(::fcntl(control.monitors.get(), F_DUPFD_CLOEXEC, lowest_free));
    if (!control.monitors) return Error::from_errno(errno, "dup monitor control socket");
  }
  return control;
}

Result<pid_t> spawn_monitor_process(const MonitorProcessSpec& spec) {
  SpawnAttributes spawn;
  // The monitor starts with clean signal state whatever the daemon's threads block or handle.
  sigset_t signals;
  sigemptyset(&signals);
  ::posix_spawnattr_setsigmask(&spawn.attributes_, &signals);
  sigfillset(&signals);
  ::posix_spawnattr_setsigdefault(&spawn.attributes_, &signals);
  ::posix_spawnattr_setflags(&spawn.attributes_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (!spec.inherit_stdio) {
    ::posix_spawn_file_actions_addopen(&spawn.actions_, 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_addopen(&spawn.actions_, 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_adddup2(&spawn.actions_, 1, 2);
  }
  // Preserved fds 3..3+N-1 move up by one to make room for the control socket at fd 3; highest
  // first, so no move overwrites a source still to be moved.
  for (int index = spec.preserved_fds - 1; index >= 0; --index) {
    ::posix_spawn_file_actions_adddup2(&spawn.actions_, kMonitorControlFd + index, kMonitorControlFd + 1 + index);
  }
  // control_fd is above every fd moved here, so dup2 makes a distinct fd 3 without O_CLOEXEC.
  ::posix_spawn_file_actions_adddup2(&spawn.actions_, spec.control_fd, kMonitorControlFd);

  std::vector<std::string> arguments = spec.arguments;
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  char* empty_environment[] = {nullptr};
  pid_t pid = 0;
  int error = ::posix_spawn(&pid, spec.binary.c_str(), &spawn.actions_, &spawn.attributes_, argv.data(), empty_environment);
  if (error != 0) return Error::from_errno(error, "spawn monitor " + gocker::quoted(spec.binary));
  return pid;
}

}  // namespace gocker::runtime
