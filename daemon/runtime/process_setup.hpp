#pragma once
// The final steps every process gocker starts inside a container goes through, whether it is the
// container's init (container_init.cpp) or a process entering it with `exec` (exec_process.cpp):
// stdio (a pty opened inside the container, or the monitor's pipes), the switch to the
// container's user, the privilege steps, and the execve itself. Keeping them in one place is what
// makes later hardening (capabilities, no_new_privs, seccomp) cover exec'd processes too.
//
// All of it runs in a single-threaded child of a freshly exec'd gocker-monitor, after the
// namespaces are entered; every function reports errors as values for the caller to send to the
// monitor as {step, errno, message}.
#include <string>

#include "base/result.hpp"
#include "runtime/oci_config.hpp"

namespace gocker::runtime {

// Opens a pty from the devpts instance visible at /dev/ptmx (the container's, so the pts number and
// ownership belong to it), passes the master to the monitor over `sync_socket` (kPtyMaster), then
// makes the slave owned by `user`, the controlling terminal of a new session, and fds 0-2.
Status setup_terminal(const OciUser& user, int sync_socket);

// A new session (so signals to the caller's group never reach the command) and the monitor's
// pipe ends as fds 0-2.
Status setup_pipes(int stdin_fd, int stdout_fd, int stderr_fd);

// setgroups, setgid, setuid, in that order (the first two need uid 0).
Status switch_user(const OciUser& user);

// The privilege steps applied while still root, before the switch to the user: the slot for
// capabilities and rlimits (see the capabilities/seccomp issue). Nothing yet.
Status apply_privileges(const OciProcess& process);

// The last steps, after the monitor said go: seccomp's slot, the signal state and death signal
// the monitor left behind, every fd but stdio and the sync socket (CLOEXEC: its EOF tells the
// monitor execve succeeded), then execve. On failure it reports {"exec", errno, message} on the
// sync socket and _exits with Docker's 126/127; it never returns.
// `preserved_fds` (gocker-runc's --preserve-fds): fds 3..3+N-1 stay open too; sync_socket is above them.
[[noreturn]] void exec_process(const OciProcess& process, const std::string& executable, int sync_socket,
                               int preserved_fds = 0);

// Reports a failed resolve of args[0] (from resolve_executable) the same way and _exits.
[[noreturn]] void fail_exec(const Error& error, int sync_socket);

}  // namespace gocker::runtime
