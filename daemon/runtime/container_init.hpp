#pragma once
// The container's init: the child of the monitor's clone3(CLONE_NEW*), which sets the container up
// from inside its new namespaces and finally execve()s the command as the namespace's PID 1.
// It runs in a copy of the freshly exec'd, single-threaded monitor, so no re-exec is needed (the
// reason runc re-execs itself is to get exactly this: a clean, single-threaded process).
#include <string>
#include <vector>

#include "runtime/oci_config.hpp"

namespace gocker::runtime {

struct InitContext {
  const OciSpec* spec = nullptr;
  std::string container_id;
  int sync_socket = -1;  // the init's end of the monitor<->init socketpair (CLOEXEC)
  // The monitor's pipes (child ends), unused with a terminal. stdin is /dev/null unless open-stdin.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int preserved_fds = 0;  // fds 4..4+N-1 (standalone --preserve-fds) become 3..3+N-1 before execve
};

// Never returns: execs the command or _exits after reporting {step, errno, message} to the monitor.
[[noreturn]] void run_container_init(const InitContext& context);

}  // namespace gocker::runtime
