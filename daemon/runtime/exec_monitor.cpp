#include "runtime/exec_monitor.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "runtime/exec_launch.hpp"
#include "runtime/exec_process.hpp"
#include "runtime/exec_spec.hpp"
#include "runtime/monitor.hpp"
#include "runtime/monitor_args.hpp"
#include "runtime/monitor_state.hpp"
#include "runtime/process_title.hpp"
#include "runtime/sync_protocol.hpp"
#include "runtime/sys/syscalls.hpp"

namespace gocker::runtime {
namespace {

void report(int control, const std::string& step, const Error& error) {
  sync::SetupError failure{step, error.sys_errno, step + ": " + error.message};
  (void)sync::send_message(control, sync::MessageType::kError, sync::encode_setup_error(failure));
}

Result<ExecSpec> receive_exec_spec(int control) {
  auto message = sync::receive_message(control);
  if (!message) return std::move(message).error();
  if (!message->has_value()) return Error::internal("the daemon closed the control socket before sending the exec spec");
  if ((*message)->type != sync::MessageType::kExecSpec) return Error::internal("expected the exec spec first");
  return decode_exec_spec((*message)->payload);
}

}  // namespace

Status Monitor::fork_exec_process(const ExecSpec& exec, const UniqueFd& container_pidfd, const UniqueFd& child_stdin,
                                  const UniqueFd& child_stdout, const UniqueFd& child_stderr, UniqueFd& child_sync) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return Error::from_errno(errno, "create sync socketpair");
  }
  sync_.reset(pair[0]);
  child_sync.reset(pair[1]);

  int pidfd = -1;
  struct clone_args args {};
  args.flags = CLONE_PIDFD;
  args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  pid_t pid = sys::clone3(&args);
  if (pid < 0) return Error::from_errno(errno, "fork exec process");
  if (pid == 0) {
    // Nothing of the monitor's own may reach the container (all CLOEXEC as well).
    for (int fd : {control_.get(), sync_.get(), listener_.get(), signal_fd_.get(), stdin_.get(),
                   stdout_ ? stdout_->fd.get() : -1, stderr_ ? stderr_->fd.get() : -1}) {
      if (fd >= 0) ::close(fd);
    }
    ExecProcessContext context{&exec,           container_pidfd.get(), child_sync.get(), child_stdin.get(),
                               child_stdout.get(), child_stderr.get()};
    run_exec_process(context);
  }
  init_pid_ = pid;
  init_pidfd_.reset(pidfd);
  return ok();
}

int Monitor::run_exec(const ExecSpec& exec) {
  // The event loop reads the process settings from spec_: an exec is served like a container whose
  // stdin closes with the client's half-close (Docker's exec has no later attach).
  spec_.process = exec.process;
  spec_.open_stdin = exec.open_stdin;
  spec_.stdin_once = true;
  if (uses_external_runtime()) return run_exec_external(exec);

  auto container_pidfd = open_pidfd(exec.container_init);
  if (!container_pidfd) {
    fail_step("open container init", container_pidfd.error());
    return 1;
  }
  // Not dumpable from here on (and so for the forked child until its execve): /proc/<pid> of the
  // child becomes root-owned and not ptrace-able, so a process in the container cannot reach the
  // child's fds or /proc/<pid>/exe, which is this host binary (the CVE-2019-5736 path). The binary
  // itself stays out of reach: it runs from the host path, the monitor never enters the container's
  // mount or PID namespace, and the child replaces it by execve before any container code runs.
  ::prctl(PR_SET_DUMPABLE, 0);
  // Affects only children: the process forked below is born in the container's PID namespace.
  if (::setns(container_pidfd->get(), CLONE_NEWPID) != 0) {
    fail_step("join pid namespace", Error::from_errno(errno, "setns into the container's pid namespace"));
    return 1;
  }

  UniqueFd child_stdin, child_stdout, child_stderr, child_sync;
  auto fail_before_fork = [&](const char* step, const Error& error) {
    if (!options_.attach_socket.empty() && listener_) ::unlink(options_.attach_socket.c_str());
    fail_step(step, error);
    return 1;
  };
  if (auto status = setup_stdio(child_stdin, child_stdout, child_stderr); !status) {
    return fail_before_fork("set up stdio", status.error());
  }
  if (auto status = listen_attach_socket(); !status) return fail_before_fork("listen on attach socket", status.error());

  // As in run(): SIGCHLD blocked before the fork, taken through the signalfd in the loop.
  sigset_t child_signal;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &child_signal, nullptr);
  signal_fd_.reset(::signalfd(-1, &child_signal, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd_) return fail_before_fork("create signalfd", Error::from_errno(errno, "signalfd"));

  if (auto status = fork_exec_process(exec, *container_pidfd, child_stdin, child_stdout, child_stderr, child_sync);
      !status) {
    return fail_before_fork("fork exec process", status.error());
  }
  child_sync.reset();
  child_stdin.reset();
  child_stdout.reset();
  child_stderr.reset();
  container_pidfd->reset();
  if (options_.inherit_stdio) {
    // As in run(): the spawner's stdio is the process's now; a reader waiting for its end must
    // not wait for us too.
    int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd : {0, 1, 2}) {
      if (null_fd >= 0) ::dup3(null_fd, fd, 0);
    }
    if (null_fd > 2) ::close(null_fd);
  }

  if (auto status = wait_for_init_ready(); !status) {
    kill_init_and_wait();
    if (listener_) ::unlink(options_.attach_socket.c_str());
    // The child's reports already name their step.
    sync::SetupError failure{"exec", status.error().sys_errno, status.error().message};
    (void)sync::send_message(control_.get(), sync::MessageType::kError, sync::encode_setup_error(failure));
    return 1;
  }
  if (auto status = report_ready(); !status) {
    kill_init_and_wait();
    if (listener_) ::unlink(options_.attach_socket.c_str());
    fail_step("report ready", status.error());
    return 1;
  }
  if (auto status = run_event_loop(); !status) {
    kill_init_and_wait();
    return 1;
  }
  return 0;
}

int exec_monitor_main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  ::close_range(kMonitorControlFd + 1, ~0U, 0);
  UniqueFd control{kMonitorControlFd};
  if (::fcntl(control.get(), F_SETFD, FD_CLOEXEC) != 0) return 1;

  auto options = parse_exec_monitor_argv(std::vector<std::string>(argv, argv + argc));
  if (!options) {
    report(control.get(), "parse arguments", options.error());
    return 2;
  }
  auto exec = receive_exec_spec(control.get());
  if (!exec) {
    report(control.get(), "read exec spec", exec.error());
    return 2;
  }

  // Double fork and a session of its own, as the container monitor (monitor_main): the daemon
  // reaps the spawned process at once and watches this one through a pidfd.
  pid_t pid = ::fork();
  if (pid < 0) {
    report(control.get(), "fork monitor", Error::from_errno(errno, "fork"));
    return 1;
  }
  if (pid > 0) ::_exit(0);
  ::setsid();
  // Paths are taken relative to the spawner's directory, which the monitor does not keep.
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd)) {
    for (std::string* path : {&options->state_dir, &options->attach_socket, &options->console_socket}) {
      if (!path->empty() && path->front() != '/') *path = std::string(cwd) + "/" + *path;
    }
  }
  if (::chdir("/") != 0) return 1;
  init_process_title(argc, argv);
  set_process_title("gocker-exec " + options->exec_id.substr(0, 12));

  MonitorOptions monitor_options;
  monitor_options.container_id = options->container_id;
  monitor_options.bundle_dir = options->state_dir;
  monitor_options.state_dir = options->state_dir;
  monitor_options.attach_socket = options->attach_socket;
  monitor_options.console_socket = options->console_socket;
  monitor_options.inherit_stdio = options->inherit_stdio;
  monitor_options.hand_off_init = options->hand_off_init;
  monitor_options.runtime_path = options->runtime_path;
  monitor_options.runtime_root = options->runtime_root;
  Monitor monitor(std::move(monitor_options), std::move(control));
  return monitor.run_exec(*exec);
}

}  // namespace gocker::runtime
