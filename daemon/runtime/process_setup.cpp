#include "runtime/process_setup.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <vector>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "runtime/exec_lookup.hpp"
#include "runtime/security/capabilities.hpp"
#include "runtime/security/process_limits.hpp"
#include "runtime/security/seccomp_filter.hpp"
#include "runtime/sync_protocol.hpp"

namespace gocker::runtime {
namespace {

Status dup_onto(int from, int to) {
  if (from == to) {
    // dup2 onto itself would keep O_CLOEXEC; clear it by hand.
    int flags = ::fcntl(from, F_GETFD);
    if (flags < 0 || ::fcntl(from, F_SETFD, flags & ~FD_CLOEXEC) != 0) return Error::from_errno(errno, "fcntl stdio");
    return ok();
  }
  if (::dup2(from, to) < 0) return Error::from_errno(errno, "dup2 onto fd " + std::to_string(to));
  return ok();
}

// The monitor ignores SIGPIPE and blocks SIGCHLD (for its signalfd); both would survive execve and
// change how the command behaves (a shell pipeline would never see SIGPIPE).
void reset_signals() {
  sigset_t empty;
  sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
}

std::vector<char*> to_argv(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& value : strings) pointers.push_back(const_cast<char*>(value.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

// Closes fds from `first` up, except `keep`. close_range may be refused by a seccomp profile older
// than it (Linux 5.9) that is already loaded at this point: then one close() at a time.
void close_fds_except(int first, int keep) {
  auto close_span = [](unsigned from, unsigned to) {
    if (from > to) return;
    if (::close_range(from, to, 0) == 0) return;
    const long limit = ::sysconf(_SC_OPEN_MAX);
    const unsigned last = std::min<unsigned>(to, limit > 0 ? static_cast<unsigned>(limit) : 1024U);
    for (unsigned fd = from; fd <= last; ++fd) ::close(static_cast<int>(fd));
  };
  if (keep > first) close_span(static_cast<unsigned>(first), static_cast<unsigned>(keep) - 1);
  close_span(static_cast<unsigned>(std::max(keep + 1, first)), ~0U);
}

[[noreturn]] void fail_setup(int sync_socket, const std::string& step, const Error& error) {
  sync::SetupError report{step, error.sys_errno, step + ": " + error.message};
  (void)sync::send_message(sync_socket, sync::MessageType::kError, sync::encode_setup_error(report));
  ::_exit(1);
}

std::string lowercase_first(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

}  // namespace

Status setup_terminal(const OciUser& user, int sync_socket) {
  UniqueFd master{::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)};
  if (!master) return Error::from_errno(errno, "open \"/dev/ptmx\"");
  if (::unlockpt(master.get()) != 0) return Error::from_errno(errno, "unlockpt");
  // TIOCGPTPEER opens the slave through the master, with no path lookup a process in the
  // container could race (CVE-2017-... class; what runc does since 1.0).
  UniqueFd slave{::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)};
  if (!slave) return Error::from_errno(errno, "open pty slave");
  if (::fchown(slave.get(), user.uid, user.gid) != 0) return Error::from_errno(errno, "chown pty slave");
  GOCKER_TRY(sync::send_message(sync_socket, sync::MessageType::kPtyMaster, {}, master.get()));
  master.reset();
  if (::setsid() < 0) return Error::from_errno(errno, "setsid");
  if (::ioctl(slave.get(), TIOCSCTTY, 0) != 0) return Error::from_errno(errno, "set controlling terminal");
  for (int target : {0, 1, 2}) GOCKER_TRY(dup_onto(slave.get(), target));
  return ok();
}

Status setup_pipes(int stdin_fd, int stdout_fd, int stderr_fd) {
  if (::setsid() < 0) return Error::from_errno(errno, "setsid");
  GOCKER_TRY(dup_onto(stdin_fd, 0));
  GOCKER_TRY(dup_onto(stdout_fd, 1));
  GOCKER_TRY(dup_onto(stderr_fd, 2));
  return ok();
}

Status switch_user(const OciUser& user) {
  // Order matters: supplementary groups and gid can only be changed while still uid 0.
  if (::setgroups(user.additional_gids.size(), user.additional_gids.data()) != 0) {
    return Error::from_errno(errno, "setgroups");
  }
  if (::setgid(user.gid) != 0) return Error::from_errno(errno, "setgid " + std::to_string(user.gid));
  if (::setuid(user.uid) != 0) return Error::from_errno(errno, "setuid " + std::to_string(user.uid));
  return ok();
}

Status enter_working_directory(const std::string& cwd, int sync_socket, int preserved_fds) {
  close_fds_except(3 + preserved_fds, sync_socket);
  if (::chdir(cwd.c_str()) != 0) return Error::from_errno(errno, "chdir to cwd " + quoted(cwd) + " set in config.json failed");
  // getcwd says "(unreachable)..." (or fails with ENOENT) for a directory outside our root. Any
  // other failure tells nothing: a seccomp profile loaded before this point (one without
  // noNewPrivileges must be loaded while still privileged) may deny getcwd itself.
  char buffer[PATH_MAX];
  const bool known = ::getcwd(buffer, sizeof buffer) != nullptr;
  if ((known && buffer[0] != '/') || (!known && errno == ENOENT)) {
    return Error{ErrorKind::InvalidArgument, 0, "cwd " + quoted(cwd) + " is outside the container's root"};
  }
  return ok();
}

Status drop_privileges(const OciProcess& process) {
  const ProcessSecurity& security = process.security;
  if (auto status = apply_rlimits(security.rlimits); !status) return std::move(status).error().context("set rlimits");
  if (security.oom_score_adj) {
    if (auto status = set_oom_score_adj(*security.oom_score_adj); !status) return status;
  }
  if (security.seccomp && !security.no_new_privileges) {
    if (auto status = load_seccomp_profile(*security.seccomp); !status) return status;
  }
  const bool change_capabilities = security.capabilities.has_value();
  if (change_capabilities) {
    if (auto status = drop_bounding_set(*security.capabilities); !status) return status;
    if (auto status = keep_capabilities_across_setuid(true); !status) return status;
  }
  if (auto status = switch_user(process.user); !status) return std::move(status).error().context("set user");
  if (change_capabilities) {
    if (auto status = apply_capability_sets(*security.capabilities); !status) return status;
  }
  return ok();
}

void fail_exec(const Error& error, int sync_socket) {
  sync::SetupError report{kExecStep, error.sys_errno, error.message};
  (void)sync::send_message(sync_socket, sync::MessageType::kError, sync::encode_setup_error(report));
  ::_exit(exit_code_for_exec_error(error.sys_errno));
}

void exec_process(const OciProcess& process, const std::string& executable, int sync_socket, int preserved_fds) {
  reset_signals();
  ::prctl(PR_SET_PDEATHSIG, 0);
  close_fds_except(3 + preserved_fds, sync_socket);
  const ProcessSecurity& security = process.security;
  if (security.no_new_privileges) {
    if (auto status = set_no_new_privileges(); !status) fail_setup(sync_socket, "set no_new_privs", status.error());
    if (security.seccomp) {
      if (auto status = load_seccomp_profile(*security.seccomp); !status) fail_setup(sync_socket, "seccomp", status.error());
    }
  }

  std::vector<char*> argv = to_argv(process.args);
  std::vector<char*> envp = to_argv(process.env);
  ::execve(executable.c_str(), argv.data(), envp.data());
  int saved = errno;
  fail_exec(Error{ErrorKind::Internal, saved, "exec: \"" + process.args[0] + "\": " + lowercase_first(std::strerror(saved))},
            sync_socket);
}

}  // namespace gocker::runtime
