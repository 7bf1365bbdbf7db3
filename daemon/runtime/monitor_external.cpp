// The monitor driving another OCI runtime (runc, crun): conmon's part. See oci_runtime.hpp for
// the sequence. Everything after the init is adopted is the built-in runtime's event loop.
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string_view>

#include "base/strings.hpp"
#include "runtime/exec_lookup.hpp"
#include "runtime/exec_spec.hpp"
#include "runtime/file_util.hpp"
#include "runtime/monitor.hpp"
#include "runtime/monitor_state.hpp"
#include "runtime/sys/syscalls.hpp"
#include "runtime/unix_socket.hpp"

namespace gocker::runtime {
namespace {

constexpr const char* kPidFile = "runtime.pid";
constexpr const char* kRuntimeLog = "runtime-log.json";
constexpr const char* kProcessFile = "process.json";

bool path_exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

// SIGCHLD through a signalfd, blocked before the runtime runs, as in Monitor::run(): the
// adopted init's exit is pending there however early it comes.
Result<UniqueFd> block_child_signal() {
  sigset_t child_signal;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &child_signal, nullptr);
  UniqueFd fd{::signalfd(-1, &child_signal, SFD_CLOEXEC | SFD_NONBLOCK)};
  if (!fd) return Error::from_errno(errno, "signalfd");
  return fd;
}

}  // namespace

OciRuntimeCommand Monitor::runtime_command() const {
  return OciRuntimeCommand{options_.runtime_path, options_.runtime_root, options_.state_dir + "/" + kRuntimeLog};
}

Status Monitor::listen_console_socket() {
  // Next to the attach socket, whose directory keeps paths short enough for sockaddr_un.
  console_socket_path_ = options_.attach_socket.empty() ? options_.state_dir + "/console.sock"
                                                        : options_.attach_socket + ".tty";
  auto listener = listen_unix(console_socket_path_, SOCK_STREAM | SOCK_NONBLOCK, 1);
  if (!listener) return std::move(listener).error().context("console socket");
  console_listener_ = std::move(*listener);
  return ok();
}

Status Monitor::receive_console_master() {
  // The runtime connected and sent the master before its create (or exec) returned; the message
  // waits in the socket, so the accept does not block.
  UniqueFd connection{::accept4(console_listener_.get(), nullptr, nullptr, SOCK_CLOEXEC)};
  console_listener_.reset();
  ::unlink(console_socket_path_.c_str());
  if (!connection) {
    if (errno == EAGAIN) return Error::internal("the runtime sent no terminal to the console socket");
    return Error::from_errno(errno, "accept on the console socket");
  }
  auto master = receive_fd(connection.get());
  if (!master) return std::move(master).error().context("receive the terminal from the runtime");
  return take_pty_master(std::move(*master));
}

Status Monitor::adopt_runtime_process(const std::string& pid_file) {
  auto pid = read_pid_file(pid_file);
  if (!pid) return std::move(pid).error();
  // The runtime's process exited, so its orphan (the init) is ours: we are a child subreaper.
  // A pidfd of a zombie is fine; its exit status waits in waitpid for the event loop.
  UniqueFd pidfd{sys::pidfd_open(*pid, 0)};
  if (!pidfd) return Error::from_errno(errno, "pidfd_open the runtime's process " + std::to_string(*pid));
  init_pid_ = *pid;
  init_pidfd_ = std::move(pidfd);
  return ok();
}

void Monitor::delete_with_runtime() {
  if (exec_mode_) return;
  // Nothing to report to: the engine runs the same delete again when it removes the container,
  // if anything was left.
  (void)run_runtime_command(runtime_command(), runtime_delete_argv(runtime_command(), options_.container_id));
}

int Monitor::run_external() {
  output_deferred_ = true;
  UniqueFd child_stdin, child_stdout, child_stderr;
  auto fail = [&](const char* step, const Error& error) {
    if (listener_) ::unlink(options_.attach_socket.c_str());
    if (console_listener_) ::unlink(console_socket_path_.c_str());
    fail_step(step, error);
    return 1;
  };
  if (auto status = setup_stdio(child_stdin, child_stdout, child_stderr); !status) {
    return fail("set up stdio", status.error());
  }
  if (auto status = listen_attach_socket(); !status) return fail("listen on attach socket", status.error());
  auto signal_fd = block_child_signal();
  if (!signal_fd) return fail("create signalfd", signal_fd.error());
  signal_fd_ = std::move(*signal_fd);
  if (spec_.process.terminal) {
    if (auto status = listen_console_socket(); !status) return fail("listen on console socket", status.error());
  }
  const OciRuntimeCommand runtime = runtime_command();
  // State a killed monitor left behind (or a reboot, the runtime's root being on disk) would make
  // the create fail with "already exists".
  if (path_exists(runtime.root + "/" + options_.container_id)) delete_with_runtime();
  const std::string pid_file = options_.state_dir + "/" + kPidFile;
  ::unlink(pid_file.c_str());
  auto created = run_runtime_command(
      runtime, runtime_create_argv(runtime, options_.container_id, options_.bundle_dir, pid_file, console_socket_path_),
      child_stdin.get(), child_stdout.get(), child_stderr.get());
  // The init holds the container's ends now; EOF on the output must depend on it alone.
  child_stdin.reset();
  child_stdout.reset();
  child_stderr.reset();
  if (!created) {
    // The command cannot run (runc and crun find that out at create).
    if (created.error().sys_errno != 0) record_exec_failure(created.error().sys_errno, created.error().message);
    delete_with_runtime();
    return fail("create container", created.error());
  }
  auto fail_after_create = [&](const char* step, const Error& error) {
    kill_init_and_wait();
    delete_with_runtime();
    ::unlink((options_.state_dir + "/" + kMonitorStateFile).c_str());
    return fail(step, error);
  };
  if (auto status = adopt_runtime_process(pid_file); !status) return fail_after_create("adopt container init", status.error());
  if (spec_.process.terminal) {
    if (auto status = receive_console_master(); !status) return fail_after_create("receive terminal", status.error());
  }
  if (!spec_.cgroups_path.empty()) {
    // The runtime made the cgroup; the monitor only reads it (OOM kills, the paths the engine keeps).
    auto driver = detect_cgroup_driver();
    if (!driver) return fail_after_create("detect cgroups", driver.error());
    cgroup_ = std::move(*driver);
    auto oom_kills = cgroup_->oom_kill_count(spec_.cgroups_path);
    oom_kills_at_start_ = oom_kills ? *oom_kills : 0;
    processes_.cgroup_paths = cgroup_->paths(spec_.cgroups_path);
  }
  if (auto status = report_ready(); !status) return fail_after_create("report ready", status.error());
  if (auto status = run_event_loop(); !status) {
    kill_init_and_wait();
    delete_with_runtime();
    return 1;
  }
  return 0;
}

void Monitor::on_external_go() {
  phase_ = Phase::kStarting;
  Status started = ok();
  if (!exec_mode_) {
    started = run_runtime_command(runtime_command(), runtime_start_argv(runtime_command(), options_.container_id));
  }
  if (output_deferred_) {
    output_deferred_ = false;
    if (stdout_ && stdout_->fd) watch(stdout_->fd.get(), EPOLLIN);
    if (stderr_ && stderr_->fd) watch(stderr_->fd.get(), EPOLLIN);
  }
  phase_ = Phase::kRunning;
  if (started) {
    if (control_) (void)sync::send_message(control_.get(), sync::MessageType::kStarted);
    return;
  }
  // The init never ran the command: it goes, and the daemon hears why once the exit is recorded.
  sync::SetupError error = sync::setup_error_from_error("start", started.error());
  exec_exit_code_ = error.sys_errno != 0 ? exit_code_for_exec_error(error.sys_errno) : 128;
  error_message_ = error.message;
  start_error_ = std::move(error);
  if (init_pidfd_) sys::pidfd_send_signal(init_pidfd_.get(), SIGKILL);
}

int Monitor::run_exec_external(const ExecSpec& exec) {
  exec_mode_ = true;
  output_deferred_ = true;
  // `<runtime> exec --detach` leaves the process to whoever reaps its orphans: us.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  UniqueFd child_stdin, child_stdout, child_stderr;
  auto fail = [&](const char* step, const Error& error) {
    if (listener_) ::unlink(options_.attach_socket.c_str());
    if (console_listener_) ::unlink(console_socket_path_.c_str());
    fail_step(step, error);
    return 1;
  };
  if (auto status = setup_stdio(child_stdin, child_stdout, child_stderr); !status) {
    return fail("set up stdio", status.error());
  }
  if (auto status = listen_attach_socket(); !status) return fail("listen on attach socket", status.error());
  auto signal_fd = block_child_signal();
  if (!signal_fd) return fail("create signalfd", signal_fd.error());
  signal_fd_ = std::move(*signal_fd);
  if (spec_.process.terminal) {
    if (auto status = listen_console_socket(); !status) return fail("listen on console socket", status.error());
  }
  const std::string process_file = options_.state_dir + "/" + kProcessFile;
  if (auto written = write_file_atomically(process_file, oci_process_json(exec.process).dump()); !written) {
    return fail("write process.json", written.error());
  }
  const std::string pid_file = options_.state_dir + "/" + kPidFile;
  const OciRuntimeCommand runtime = runtime_command();
  // The process runs from here on; its output waits in the pipes until go (attach clients are
  // connected by then), its stdin in the pipe until a client writes.
  auto started = run_runtime_command(
      runtime, runtime_exec_argv(runtime, options_.container_id, process_file, pid_file, console_socket_path_),
      child_stdin.get(), child_stdout.get(), child_stderr.get());
  child_stdin.reset();
  child_stdout.reset();
  child_stderr.reset();
  if (!started) {
    // Step "exec": the engine reports it as a failed exec (exit 127 or 126 from its errno), in
    // dockerd's words around the runtime's own ("OCI runtime exec failed: exec failed: unable to
    // start container process: " + what runc says after that same prefix).
    std::string message = started.error().message;
    if (auto log = read_file(runtime.log_path)) {
      std::string own = runc_style_error(last_runtime_error(*log));
      constexpr std::string_view kRuncPrefix = "exec failed: unable to start container process: ";
      if (own.rfind(kRuncPrefix, 0) == 0) own.erase(0, kRuncPrefix.size());
      if (!own.empty()) message = own;
    }
    sync::SetupError failure{"exec", started.error().sys_errno, message};
    if (listener_) ::unlink(options_.attach_socket.c_str());
    if (console_listener_) ::unlink(console_socket_path_.c_str());
    (void)sync::send_message(control_.get(), sync::MessageType::kError, sync::encode_setup_error(failure));
    return 1;
  }
  auto fail_after_start = [&](const char* step, const Error& error) {
    kill_init_and_wait();
    ::unlink((options_.state_dir + "/" + kMonitorStateFile).c_str());
    return fail(step, error);
  };
  if (auto status = adopt_runtime_process(pid_file); !status) return fail_after_start("adopt exec process", status.error());
  if (spec_.process.terminal) {
    if (auto status = receive_console_master(); !status) return fail_after_start("receive terminal", status.error());
  }
  if (auto status = report_ready(); !status) return fail_after_start("report ready", status.error());
  if (auto status = run_event_loop(); !status) {
    kill_init_and_wait();
    return 1;
  }
  return 0;
}

}  // namespace gocker::runtime
