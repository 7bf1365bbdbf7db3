#pragma once
// The process `exec` starts inside a running container: the child of the exec monitor, forked
// after the monitor joined the container's PID namespace (setns(CLONE_NEWPID) only affects
// children, which is why the monitor forks at all). It joins the rest and execve()s:
//
//   exec monitor (host pid ns, outside the container)      child (in the container's pid ns)
//   ────────────────────────────────────────────────       ─────────────────────────────────
//   pidfd of the container's init (start time checked)
//   PR_SET_DUMPABLE 0, setns(pidfd, CLONE_NEWPID)
//   clone3 ──────────────────────────────────────────────▶ write 0 to each cgroup.procs
//                                                          setns(pidfd, mnt|uts|ipc|net|cgroup)
//                                                          [pty from the container's /dev/ptmx]
//                      ◀── kPtyMaster (SCM_RIGHTS) ───────  [terminal only]
//                                                          stdio, privileges, user, chdir,
//                                                          resolve args[0]
//                      ◀── kReady ───────────────────────
//   (daemon: go)       ── kGo ───────────────────────────▶ execve (process_setup.hpp)
//
// The messages are those of sync_protocol.hpp, so the monitor's event loop serves an exec exactly
// as it serves a container's init.
#include <string>

#include "runtime/exec_spec.hpp"

namespace gocker::runtime {

struct ExecProcessContext {
  const ExecSpec* exec = nullptr;
  int container_pidfd = -1;  // pidfd of the container's init: the namespaces to join
  int sync_socket = -1;      // the child's end of the monitor<->child socketpair (CLOEXEC)
  int stdin_fd = -1;         // the monitor's pipe ends, unused with a terminal
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// Never returns: execs the command or _exits after reporting {step, errno, message}.
[[noreturn]] void run_exec_process(const ExecProcessContext& context);

// The namespaces the child joins with setns(pidfd, ...): all of the init's but the PID namespace
// (joined by the monitor) and the user namespace (gocker creates none). Joining one the container
// shares with the host is a no-op, so the set needs no per-container configuration.
int exec_setns_flags();

}  // namespace gocker::runtime
