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

// Everything that takes privilege away, in the one order that works (runc's): rlimits and
// oom_score_adj (raising either needs CAP_SYS_RESOURCE); the seccomp filter when no_new_privs is
// not asked for (loading one then needs CAP_SYS_ADMIN, about to be dropped); the bounding set;
// the switch to the user with the permitted set kept across setuid; then the effective,
// permitted, inheritable and ambient sets. Errors name the step that failed.
Status drop_privileges(const OciProcess& process);

// Closes every fd above stdio but `sync_socket` (and the `preserved_fds` right after stdio, as in
// exec_process), then chdir(cwd) and checks the result is inside the container's root: a host
// directory fd leaked into the process would otherwise be reachable as cwd "/proc/self/fd/N"
// (CVE-2024-21626).
Status enter_working_directory(const std::string& cwd, int sync_socket, int preserved_fds = 0);

// The last steps, after the monitor said go: the signal state and death signal the monitor left
// behind, every fd but stdio and the sync socket (CLOEXEC: its EOF tells the monitor execve
// succeeded), no_new_privs and then the seccomp filter when no_new_privs is asked for (as late as
// possible: the filter then needs to allow nothing of gocker's own setup), then execve. On failure it reports {"exec", errno, message} on the
// sync socket and _exits with Docker's 126/127; it never returns.
// `preserved_fds` (gocker-runc's --preserve-fds): fds 3..3+N-1 stay open too; sync_socket is above them.
[[noreturn]] void exec_process(const OciProcess& process, const std::string& executable, int sync_socket,
                               int preserved_fds = 0);

// Reports a failed resolve of args[0] (from resolve_executable) the same way and _exits.
// The step name fail_exec reports: the monitor tells a command that cannot run (exit 127/126) from
// a setup failure by it.
inline constexpr const char* kExecStep = "exec";
[[noreturn]] void fail_exec(const Error& error, int sync_socket);

}  // namespace gocker::runtime
