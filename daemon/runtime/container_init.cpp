#include "runtime/container_init.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "base/unique_fd.hpp"
#include "runtime/exec_lookup.hpp"
#include "runtime/mount_apply.hpp"
#include "runtime/mount_plan.hpp"
#include "runtime/process_title.hpp"
#include "runtime/sync_protocol.hpp"

namespace gocker::runtime {
namespace {

[[noreturn]] void fail(int sync_socket, const std::string& step, const Error& error, int exit_code = 1) {
  sync::SetupError report{step, error.sys_errno, step + ": " + error.message};
  // If the monitor is gone there is nobody to tell; exiting is all that is left.
  (void)sync::send_message(sync_socket, sync::MessageType::kError, sync::encode_setup_error(report));
  ::_exit(exit_code);
}

// Blocks for the monitor's next message; anything but `expected` ends the init quietly (EOF means
// the monitor abandoned the start and will reap us).
void expect_message(int sync_socket, sync::MessageType expected, const char* step) {
  auto message = sync::receive_message(sync_socket);
  if (!message) fail(sync_socket, step, message.error());
  if (!message->has_value()) ::_exit(1);
  if ((*message)->type != expected) fail(sync_socket, step, Error::internal("unexpected sync message"));
}

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

// With a terminal, the pty is created *inside* the container, from its own devpts instance (ptmx ->
// pts/ptmx), so the pts number and ownership belong to the container. The master goes to the
// monitor; the slave becomes the controlling terminal and stdio.
Status setup_terminal(const InitContext& context) {
  const OciUser& user = context.spec->process.user;
  UniqueFd master{::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)};
  if (!master) return Error::from_errno(errno, "open \"/dev/ptmx\"");
  if (::unlockpt(master.get()) != 0) return Error::from_errno(errno, "unlockpt");
  // TIOCGPTPEER opens the slave through the master, with no path lookup a process in the
  // container could race (CVE-2017-... class; what runc does since 1.0).
  UniqueFd slave{::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)};
  if (!slave) return Error::from_errno(errno, "open pty slave");
  if (::fchown(slave.get(), user.uid, user.gid) != 0) return Error::from_errno(errno, "chown pty slave");
  GOCKER_TRY(sync::send_message(context.sync_socket, sync::MessageType::kPtyMaster, {}, master.get()));
  master.reset();
  if (::setsid() < 0) return Error::from_errno(errno, "setsid");
  if (::ioctl(slave.get(), TIOCSCTTY, 0) != 0) return Error::from_errno(errno, "set controlling terminal");
  for (int target : {0, 1, 2}) GOCKER_TRY(dup_onto(slave.get(), target));
  return ok();
}

Status setup_pipes(const InitContext& context) {
  if (::setsid() < 0) return Error::from_errno(errno, "setsid");
  GOCKER_TRY(dup_onto(context.stdin_fd, 0));
  GOCKER_TRY(dup_onto(context.stdout_fd, 1));
  GOCKER_TRY(dup_onto(context.stderr_fd, 2));
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

std::string lowercase_first(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

}  // namespace

void run_container_init(const InitContext& context) {
  const OciSpec& spec = *context.spec;
  int sync_socket = context.sync_socket;
  // If the monitor dies during setup there is nobody left to report to or to reap us.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  set_process_title("gocker-init " + context.container_id.substr(0, 12));

  // 1. Wait until the monitor has put us into the container's cgroup: every byte of memory and
  //    every process created from here on is accounted and limited.
  expect_message(sync_socket, sync::MessageType::kCgroupJoined, "wait for cgroup");

  // 2. Filesystem. Device nodes get their exact modes, so no umask while creating them.
  ::umask(0);
  if (spec.has_namespace(NamespaceType::Mount)) {
    // Before any mount: otherwise a shared "/" (systemd hosts) propagates our mounts to the host.
    if (auto status = make_rprivate(); !status) fail(sync_socket, "make mounts private", status.error());
    if (auto status = bind_rootfs(spec.root_path); !status) fail(sync_socket, "bind rootfs", status.error());
    if (auto status = apply_mount_plan(spec.root_path, build_mount_plan(spec)); !status) {
      fail(sync_socket, "mount", status.error());
    }
    if (auto status = pivot_into(spec.root_path); !status) fail(sync_socket, "pivot root", status.error());
    if (spec.root_readonly) {
      if (auto status = remount_root_readonly(); !status) fail(sync_socket, "remount root read-only", status.error());
    }
  } else if (::chroot(spec.root_path.c_str()) != 0 || ::chdir("/") != 0) {
    fail(sync_socket, "chroot", Error::from_errno(errno, "chroot to " + spec.root_path));
  }
  ::umask(0022);

  // 3. Hostname (only meaningful in our own UTS namespace; never touch the host's).
  if (spec.has_namespace(NamespaceType::Uts) && !spec.hostname.empty()) {
    if (::sethostname(spec.hostname.data(), spec.hostname.size()) != 0) {
      fail(sync_socket, "set hostname", Error::from_errno(errno, "sethostname " + spec.hostname));
    }
  }

  // 4. stdio: the pty (opened inside, after devpts is mounted) or the monitor's pipes.
  if (spec.process.terminal) {
    if (auto status = setup_terminal(context); !status) fail(sync_socket, "set up terminal", status.error());
  } else if (auto status = setup_pipes(context); !status) {
    fail(sync_socket, "set up stdio", status.error());
  }

  // 5. Privileges. Capabilities (and no_new_privs, rlimits) will be applied here, while still
  //    root; seccomp goes last, just before execve (see the capabilities/seccomp issue).
  if (auto status = switch_user(spec.process.user); !status) fail(sync_socket, "set user", status.error());

  // 6. Working directory and the command, both as the container's user.
  if (::chdir(spec.process.cwd.c_str()) != 0) {
    fail(sync_socket, "chdir", Error::from_errno(errno, "chdir to cwd " + spec.process.cwd));
  }
  // A command that cannot be found is not a setup failure: as with Docker, the container is
  // created and the start fails with 127/126. So the init reports ready and the error after go.
  auto executable =
      resolve_executable(spec.process.args[0], path_from_env(spec.process.env), probe_file);

  if (auto status = sync::send_message(sync_socket, sync::MessageType::kReady); !status) ::_exit(1);
  expect_message(sync_socket, sync::MessageType::kGo, "wait for go");

  if (!executable) {
    const Error& error = executable.error();
    sync::SetupError report{"exec", error.sys_errno, error.message};
    (void)sync::send_message(sync_socket, sync::MessageType::kError, sync::encode_setup_error(report));
    ::_exit(exit_code_for_exec_error(error.sys_errno));
  }

  // 7. Leave nothing of the monitor behind: signal state, the death signal, and every fd but
  //    stdio and the sync socket (CLOEXEC: its EOF tells the monitor execve succeeded).
  reset_signals();
  ::prctl(PR_SET_PDEATHSIG, 0);
  if (sync_socket > 3) ::close_range(3, static_cast<unsigned>(sync_socket) - 1, 0);
  ::close_range(static_cast<unsigned>(sync_socket) + 1, ~0U, 0);

  std::vector<char*> argv = to_argv(spec.process.args);
  std::vector<char*> envp = to_argv(spec.process.env);
  ::execve(executable->c_str(), argv.data(), envp.data());
  int saved = errno;
  sync::SetupError report{"exec", saved,
                          "exec: \"" + spec.process.args[0] + "\": " + lowercase_first(std::strerror(saved))};
  (void)sync::send_message(sync_socket, sync::MessageType::kError, sync::encode_setup_error(report));
  ::_exit(exit_code_for_exec_error(saved));
}

}  // namespace gocker::runtime
