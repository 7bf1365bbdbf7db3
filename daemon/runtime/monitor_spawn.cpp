#include "runtime/monitor_spawn.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>

#include "base/strings.hpp"
#include "runtime/monitor_args.hpp"
#include "runtime/spawn_setup.hpp"

namespace gocker::runtime {

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
  SpawnSetup spawn;
  if (!spec.inherit_stdio) spawn.stdio_to_dev_null();
  // Preserved fds 3..3+N-1 move up by one to make room for the control socket at fd 3; highest
  // first, so no move overwrites a source still to be moved.
  for (int index = spec.preserved_fds - 1; index >= 0; --index) {
    ::posix_spawn_file_actions_adddup2(&spawn.actions, kMonitorControlFd + index, kMonitorControlFd + 1 + index);
  }
  // control_fd is above every fd moved here, so dup2 makes a distinct fd 3 without O_CLOEXEC.
  ::posix_spawn_file_actions_adddup2(&spawn.actions, spec.control_fd, kMonitorControlFd);
  // Nothing else of the spawner's reaches the monitor, not even for the moment until it closes
  // them itself: Boost.Asio opens the daemon's client connections without O_CLOEXEC, and while a
  // child holds a copy, a connection the daemon closes stays registered in its epoll set.
  spawn.close_inherited_from(kMonitorControlFd + 1 + spec.preserved_fds);

  std::vector<std::string> arguments = spec.arguments;
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  char* empty_environment[] = {nullptr};
  pid_t pid = 0;
  int error = ::posix_spawn(&pid, spec.binary.c_str(), &spawn.actions, &spawn.attributes, argv.data(), empty_environment);
  if (error != 0) return Error::from_errno(error, "spawn monitor " + gocker::quoted(spec.binary));
  return pid;
}

}  // namespace gocker::runtime
