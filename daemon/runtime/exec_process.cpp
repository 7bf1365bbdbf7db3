#include "runtime/exec_process.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "runtime/exec_lookup.hpp"
#include "runtime/process_setup.hpp"
#include "runtime/sync_protocol.hpp"
#include "runtime/sys/syscalls.hpp"

namespace gocker::runtime {
namespace {

[[noreturn]] void fail(int sync_socket, const std::string& step, const Error& error) {
  sync::SetupError report{step, error.sys_errno, step + ": " + error.message};
  (void)sync::send_message(sync_socket, sync::MessageType::kError, sync::encode_setup_error(report));
  ::_exit(1);
}

// Writing "0" moves the writer itself. Done from the host's mount namespace, before setns: the
// container's view of cgroupfs (if any) is not where the recorded paths are.
Status join_cgroup(const std::string& cgroup_path) {
  const std::string path = cgroup_path + "/cgroup.procs";
  UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
  if (!fd) return Error::from_errno(errno, "open " + quoted(path));
  while (::write(fd.get(), "0", 1) < 0) {
    if (errno != EINTR) return Error::from_errno(errno, "write " + quoted(path));
  }
  return ok();
}

// Whether `pid` is in a user namespace other than ours (setns refuses to re-enter our own).
// Checked between opening the init's root and the pidfd liveness check, like the root itself.
Result<bool> in_other_user_namespace(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/user";
  struct stat theirs {}, ours {};
  if (::stat(path.c_str(), &theirs) != 0) return Error::from_errno(errno, "stat " + quoted(path));
  if (::stat("/proc/self/ns/user", &ours) != 0) return Error::from_errno(errno, "stat \"/proc/self/ns/user\"");
  return theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev;
}

void expect_go(int sync_socket) {
  auto message = sync::receive_message(sync_socket);
  if (!message) fail(sync_socket, "wait for go", message.error());
  if (!message->has_value()) ::_exit(1);  // the monitor abandoned the start and reaps us
  if ((*message)->type != sync::MessageType::kGo) {
    fail(sync_socket, "wait for go", Error::internal("unexpected sync message"));
  }
}

}  // namespace

int exec_setns_flags() { return CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP; }

void run_exec_process(const ExecProcessContext& context) {
  const ExecSpec& exec = *context.exec;
  const OciProcess& process = exec.process;
  int sync_socket = context.sync_socket;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // As for the init: while /proc/<pid>/exe is the host's monitor, the container may not open it.
  ::prctl(PR_SET_DUMPABLE, 0);

  // 1. The container's cgroup(s), first: everything from here on is accounted and limited. The
  //    cgroup namespace is joined after this, so the process sees itself at its namespace's root.
  for (const std::string& path : exec.cgroup_paths) {
    if (auto status = join_cgroup(path); !status) fail(sync_socket, "join cgroup", status.error());
  }

  // 2. The init's root directory, held before the namespaces change: setns(CLONE_NEWNS) moves
  //    root to the namespace's root mount, which is the init's pivoted root only when the daemon
  //    itself is not chrooted (in a chroot, pivot_root swaps the chroot's mount, not the
  //    namespace's root). The pidfd still being live afterwards proves /proc/<pid> was the init's.
  const std::string init_root = "/proc/" + std::to_string(exec.container_init.pid) + "/root";
  UniqueFd root_fd{::open(init_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)};
  if (!root_fd) fail(sync_socket, "open container root", Error::from_errno(errno, "open " + quoted(init_root)));
  // A container with a user namespace of its own (created or joined) is entered through it too,
  // so the process has the container's ids and capabilities, not the host root's.
  int setns_flags = exec_setns_flags();
  auto separate_user_namespace = in_other_user_namespace(exec.container_init.pid);
  if (!separate_user_namespace) fail(sync_socket, "join namespaces", separate_user_namespace.error());
  if (*separate_user_namespace) setns_flags |= CLONE_NEWUSER;
  if (sys::pidfd_send_signal(context.container_pidfd, 0) != 0) {
    fail(sync_socket, "open container root", Error::from_errno(errno, "the container's init is gone"));
  }

  // 3. The remaining namespaces, all at once through the pidfd (Linux 5.8): no /proc path a
  //    recycled pid could redirect. This process is single-threaded (a fork of the freshly exec'd
  //    static monitor), which setns(CLONE_NEWNS) requires. Then root is the init's.
  if (::setns(context.container_pidfd, setns_flags) != 0) {
    fail(sync_socket, "join namespaces", Error::from_errno(errno, "setns into the container's namespaces"));
  }
  if (::fchdir(root_fd.get()) != 0 || ::chroot(".") != 0) {
    fail(sync_socket, "enter container root", Error::from_errno(errno, "chroot to the container's root"));
  }
  root_fd.reset();
  ::umask(0022);

  // 4. stdio: a pty from the container's own devpts (as for the init), or the monitor's pipes.
  if (process.terminal) {
    if (auto status = setup_terminal(process.user, sync_socket); !status) fail(sync_socket, "set up terminal", status.error());
  } else if (auto status = setup_pipes(context.stdin_fd, context.stdout_fd, context.stderr_fd); !status) {
    fail(sync_socket, "set up stdio", status.error());
  }

  // 5. The same privilege steps as the container's init (process_setup.hpp), then the user.
  if (auto status = drop_privileges(process); !status) fail(sync_socket, "set privileges", status.error());

  // 6. Working directory and the command, as the user. Docker reports a bad -w as a start failure.
  if (auto status = enter_working_directory(process.cwd, sync_socket); !status) {
    fail(sync_socket, "chdir", status.error());
  }
  auto executable = resolve_executable(process.args[0], path_from_env(process.env), probe_file);

  if (auto status = sync::send_message(sync_socket, sync::MessageType::kReady); !status) ::_exit(1);
  expect_go(sync_socket);
  if (!executable) fail_exec(executable.error(), sync_socket);
  exec_process(process, *executable, sync_socket);
}

}  // namespace gocker::runtime
