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

#include <algorithm>
#include <cstring>

#include "base/unique_fd.hpp"
#include "runtime/exec_lookup.hpp"
#include "runtime/hooks.hpp"
#include "runtime/mount_apply.hpp"
#include "runtime/mount_plan.hpp"
#include "runtime/namespace_join.hpp"
#include "runtime/process_setup.hpp"
#include "runtime/process_title.hpp"
#include "runtime/security/process_limits.hpp"
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

// --preserve-fds: the monitor holds the caller's fds 3..3+N-1 at 4..4+N-1 (fd 3 was its control
// socket). The sync socket moves above them first, then each fd moves down by one, lowest first so
// no move overwrites a source still to be moved. Returns the sync socket's new number.
int move_preserved_fds(int sync_socket, int count) {
  int moved_sync = ::fcntl(sync_socket, F_DUPFD_CLOEXEC, 4 + count);
  if (moved_sync < 0) fail(sync_socket, "preserve fds", Error::from_errno(errno, "move sync socket"));
  ::close(sync_socket);
  for (int index = 0; index < count; ++index) {
    if (::dup2(4 + index, 3 + index) < 0) {
      fail(moved_sync, "preserve fds", Error::from_errno(errno, "dup2 preserved fd " + std::to_string(3 + index)));
    }
  }
  ::close(3 + count);
  return moved_sync;
}

// Until now the init had all capabilities in its user namespace (new, or joined by the monitor's
// joiner: namespace_join.hpp) but still the host's root ids,
// which own the bundle: that is what let it reach a rootfs below a directory only root may search.
// From here on it is the namespace's root, so what it creates in the container's own mounts
// (tmpfs /dev, devpts) gets an owner the namespace can map.
Status become_namespace_root() {
  if (::setresgid(0, 0, 0) != 0) return Error::from_errno(errno, "setresgid to the user namespace's gid 0 (is it mapped?)");
  if (::setresuid(0, 0, 0) != 0) return Error::from_errno(errno, "setresuid to the user namespace's uid 0 (is it mapped?)");
  return ok();
}

// The cgroup first (hooks may look at it), then the monitor's prestart and createRuntime hooks;
// returns the state JSON for the init's own hooks.
std::string exchange_hooks(int sync_socket, bool cgroup_joined) {
  if (!cgroup_joined) expect_message(sync_socket, sync::MessageType::kCgroupJoined, "wait for cgroup");
  if (auto status = sync::send_message(sync_socket, sync::MessageType::kRunHooks); !status) ::_exit(1);
  auto message = sync::receive_message(sync_socket);
  if (!message) fail(sync_socket, "wait for hooks", message.error());
  if (!message->has_value()) ::_exit(1);
  if ((*message)->type != sync::MessageType::kHooksDone) fail(sync_socket, "wait for hooks", Error::internal("unexpected sync message"));
  return std::move((*message)->payload);
}

}  // namespace

void run_container_init(const InitContext& context) {
  const OciSpec& spec = *context.spec;
  int sync_socket = context.sync_socket;
  // If the monitor dies during setup there is nobody left to report to or to reap us.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Until execve (which resets it) /proc/<pid>/exe is the host's gocker-monitor: not dumpable keeps
  // the container's processes from opening it or ptracing us while we set up.
  ::prctl(PR_SET_DUMPABLE, 0);
  set_process_title("gocker-init " + context.container_id.substr(0, 12));
  // In a new user namespace nothing can be done until the monitor has written our id maps.
  if (spec.creates_user_namespace()) expect_message(sync_socket, sync::MessageType::kIdMapped, "wait for id maps");

  // 0. Namespaces given by path are joined before anything else happens in them.
  if (!spec.namespace_paths.empty()) {
    if (auto status = join_namespaces(spec); !status) fail(sync_socket, "join namespaces", status.error());
  }
  // 0b. Kernel parameters of the container's own network and IPC namespaces, through the host's
  //    /proc while it is still there (the container's is read-only at /proc/sys once mounted).
  if (auto status = write_sysctls(spec.sysctl); !status) fail(sync_socket, "set sysctls", status.error());

  // 1. Hostname (only meaningful in our own UTS namespace; never touch the host's), before the
  //    filesystem: createContainer hooks see the container's.
  if (spec.has_namespace(NamespaceType::Uts) && !spec.hostname.empty()) {
    if (::sethostname(spec.hostname.data(), spec.hostname.size()) != 0) {
      fail(sync_socket, "set hostname", Error::from_errno(errno, "sethostname " + spec.hostname));
    }
  }

  // The init runs createContainer and startContainer hooks itself; the monitor runs its own first.
  const bool init_runs_hooks = !spec.hooks.create_container.empty() || !spec.hooks.start_container.empty();
  std::string hook_state;
  // A "cgroup" mount binds the container's own cgroups (cgroup_mount.hpp), which it reads from
  // /proc/self/cgroup: then the wait of step 4 comes first, giving up the overlap for this config.
  const bool mounts_cgroup = std::any_of(spec.mounts.begin(), spec.mounts.end(),
                                         [](const OciMount& mount) { return mount.type == "cgroup"; });
  if (mounts_cgroup) expect_message(sync_socket, sync::MessageType::kCgroupJoined, "wait for cgroup");
  bool cgroup_joined = mounts_cgroup;
  // createContainer hooks: after the monitor's, in the container's namespaces, found by paths of
  // the runtime's filesystem, so before pivot_root (or chroot).
  auto run_create_container_hooks = [&] {
    if (!init_runs_hooks) return;
    hook_state = exchange_hooks(sync_socket, cgroup_joined);
    cgroup_joined = true;
    mode_t building_umask = ::umask(0022);
    if (auto status = run_hooks(spec.hooks.create_container, "createContainer", hook_state); !status) {
      fail(sync_socket, "run hooks", status.error());
    }
    ::umask(building_umask);
  };

  // 2. Filesystem. Device nodes get their exact modes, so no umask while creating them.
  ::umask(0);
  if (spec.has_namespace(NamespaceType::Mount)) {
    // Before any mount: otherwise a shared "/" (systemd hosts) propagates our mounts to the host.
    if (auto status = make_rprivate(); !status) fail(sync_socket, "make mounts private", status.error());
    if (auto status = bind_rootfs(spec.root_path); !status) fail(sync_socket, "bind rootfs", status.error());
    auto root_fd = open_rootfs(spec.root_path);
    if (!root_fd) fail(sync_socket, "bind rootfs", root_fd.error());
    std::vector<MountStep> plan = build_mount_plan(spec);
    std::vector<UniqueFd> bind_sources;
    if (spec.has_namespace(NamespaceType::User)) {
      auto opened = pre_open_bind_sources(plan);
      if (!opened) fail(sync_socket, "mount", opened.error());
      bind_sources = std::move(*opened);
      if (auto status = become_namespace_root(); !status) fail(sync_socket, "enter user namespace", status.error());
    }
    if (auto status = apply_mount_plan(*root_fd, plan); !status) fail(sync_socket, "mount", status.error());
    bind_sources.clear();
    run_create_container_hooks();
    if (auto status = pivot_into(*root_fd); !status) fail(sync_socket, "pivot root", status.error());
    if (spec.root_readonly) {
      if (auto status = remount_root_readonly(); !status) fail(sync_socket, "remount root read-only", status.error());
    }
    // linux.rootfsPropagation applies to the container's "/" once it is in place, as runc does.
    if (spec.rootfs_propagation != 0) {
      if (auto status = set_root_propagation(spec.rootfs_propagation); !status) {
        fail(sync_socket, "set rootfs propagation", status.error());
      }
    }
  } else {
    run_create_container_hooks();
    if (::chroot(spec.root_path.c_str()) != 0 || ::chdir("/") != 0) {
      fail(sync_socket, "chroot", Error::from_errno(errno, "chroot to " + spec.root_path));
    }
    if (spec.has_namespace(NamespaceType::User)) {
      if (auto status = become_namespace_root(); !status) fail(sync_socket, "enter user namespace", status.error());
    }
  }
  ::umask(0022);

  // 3. stdio: the pty (opened inside, after devpts is mounted) or the monitor's pipes.
  if (spec.process.terminal) {
    if (auto status = setup_terminal(spec.process.user, sync_socket); !status) {
      fail(sync_socket, "set up terminal", status.error());
    }
  } else if (auto status = setup_pipes(context.stdin_fd, context.stdout_fd, context.stderr_fd); !status) {
    fail(sync_socket, "set up stdio", status.error());
  }

  // 4. Wait until the monitor has put us into the container's cgroup. The monitor creates it while
  //    we build the filesystem (the two overlap: that is a few milliseconds of every start); the
  //    mounts' kernel memory is charged to the monitor's cgroup, while every process and byte of
  //    the command is accounted and limited, because nothing forks or execs before this point.
  if (!cgroup_joined) expect_message(sync_socket, sync::MessageType::kCgroupJoined, "wait for cgroup");

  // 5. Privileges (process_setup.hpp: shared with exec'd processes), while still root; seccomp
  //    goes last, just before execve (see the capabilities/seccomp issue).
  if (auto status = drop_privileges(spec.process); !status) fail(sync_socket, "set privileges", status.error());

  // 6. Working directory and the command, both as the container's user.
  // Preserved fds still sit one above their final numbers here (move_preserved_fds runs after go).
  const int kept_above_stdio = context.preserved_fds > 0 ? context.preserved_fds + 1 : 0;
  if (auto status = enter_working_directory(spec.process.cwd, sync_socket, kept_above_stdio); !status) {
    fail(sync_socket, "chdir", status.error());
  }
  // runc's rule, which Docker's observable state follows: a command that cannot be found fails
  // the create (before ready), the monitor records exit 127 or 126, and an engine leaves the
  // container as it was ("created") with that exit code and the error. A command that is found
  // but cannot be executed (execve itself fails) fails after go, as a start.
  auto executable =
      resolve_executable(spec.process.args[0], path_from_env(spec.process.env), probe_file);
  if (!executable) fail_exec(executable.error(), sync_socket);

  if (auto status = sync::send_message(sync_socket, sync::MessageType::kReady); !status) ::_exit(1);
  expect_message(sync_socket, sync::MessageType::kGo, "wait for go");
  // startContainer hooks: part of the start, in the container (paths resolve inside it); a failure
  // fails the start like a command that cannot be executed.
  if (auto status = run_hooks(spec.hooks.start_container, "startContainer", hook_state); !status) {
    fail(sync_socket, "run hooks", status.error());
  }

  // 7. Leave nothing of the monitor behind and execve (process_setup.hpp).
  if (context.preserved_fds > 0) sync_socket = move_preserved_fds(sync_socket, context.preserved_fds);
  exec_process(spec.process, *executable, sync_socket, context.preserved_fds);
}

}  // namespace gocker::runtime
