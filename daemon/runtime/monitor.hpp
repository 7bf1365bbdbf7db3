#pragma once
// gocker-monitor: one small, single-threaded process per container (see sync_protocol.hpp for the
// start sequence). It is the parent of the container's init and owns everything that must outlive
// the daemon: the stdio pipes or pty master, the json-file log, the attach socket, the cgroup,
// and the exit status (state_dir/exit.json). Its event loop is one epoll over a signalfd
// (SIGCHLD), the control and sync sockets, the output fds, stdin, the attach listener and clients,
// and a timerfd bounding how long slow attach clients may delay the exit. No sleeps, no polling.
#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "runtime/attach_codec.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"
#include "runtime/json_log.hpp"
#include "runtime/monitor_launch.hpp"
#include "runtime/oci_config.hpp"
#include "runtime/oci_runtime.hpp"
#include "runtime/sync_protocol.hpp"

namespace gocker::runtime {

struct ExecSpec;

int monitor_main(int argc, char** argv);

class Monitor {
 public:
  Monitor(MonitorOptions options, UniqueFd control) : options_(std::move(options)), control_(std::move(control)) {}
  // Sets up and starts the container, serves it until it exits; returns the process exit code.
  int run();
  // Exec mode (exec_monitor.cpp): runs one process inside an already running container and serves
  // it exactly like a container's command (attach socket, exit.json), then exits.
  int run_exec(const ExecSpec& exec);

 private:
  enum class Phase {
    kWaitingForGo,     // ready was reported; the daemon decides
    kStarting,         // go relayed; the init's sync socket tells exec success (EOF) or failure
    kRunning,          // the command runs
    kAbandoned,        // the daemon dropped the start: the init is being killed
    kExited,           // exit recorded; only flushing attach clients
  };
  struct Client {
    UniqueFd fd;
    attach::FrameDecoder decoder;
    bool subscribed = false;
    attach::Hello hello;
    std::string pending_output;
    bool closing = false;  // kExit queued: close once flushed
  };
  struct OutputStream {
    UniqueFd fd;
    JsonLogSplitter splitter;
    attach::MessageType frame_type;
  };

  // Setup, up to reporting ready (monitor.cpp).
  // Reports a setup failure to the daemon as {step, errno, "step: message"}.
  void fail_step(const std::string& step, const Error& error);
  Status setup_cgroup();
  Status setup_stdio(UniqueFd& child_stdin, UniqueFd& child_stdout, UniqueFd& child_stderr);
  Status listen_attach_socket();
  Status clone_init(const UniqueFd& child_stdin, const UniqueFd& child_stdout, const UniqueFd& child_stderr,
                    UniqueFd& child_sync);
  // A new user namespace: the init's uid/gid maps, then kIdMapped (it waits for them first).
  Status map_init_ids();
  // prestart and createRuntime, once: when the init asks (kRunHooks, before its createContainer
  // hooks) or else once it is ready.
  Status run_create_hooks();
  Status wait_for_init_ready();
  Status report_ready();
  void kill_init_and_wait();
  void remove_cgroup();
  // Standalone mode (standalone.hpp): the start socket, and where a terminal's master goes.
  bool is_standalone() const { return !options_.control_socket.empty(); }
  Status listen_control_socket();
  void close_control_socket();
  void on_control_connection();
  Status forward_pty_master(UniqueFd master);
  // A terminal's master (from the init, or from another runtime's console socket) becomes the
  // output stream, and stdin too with open-stdin.
  Status take_pty_master(UniqueFd master);
  // Another OCI runtime does the container work (monitor_external.cpp, oci_runtime.hpp).
  bool uses_external_runtime() const { return !options_.runtime_path.empty(); }
  OciRuntimeCommand runtime_command() const;
  int run_external();
  int run_exec_external(const ExecSpec& exec);
  // The runtime's process (create or exec) has exited: its pid file names the init, now ours.
  Status adopt_runtime_process(const std::string& pid_file);
  Status listen_console_socket();
  Status receive_console_master();
  // On go: `<runtime> start` (a container) or nothing (an exec runs already); then the output is read.
  void on_external_go();
  // `<runtime> delete --force`: the runtime's state and cgroup go (after the exit, or an abandon).
  void delete_with_runtime();
  // Exec mode: forks the process that enters the container (exec_monitor.cpp).
  Status fork_exec_process(const ExecSpec& exec, const UniqueFd& container_pidfd, const UniqueFd& child_stdin,
                           const UniqueFd& child_stdout, const UniqueFd& child_stderr, UniqueFd& child_sync);

  // The event loop (monitor_loop.cpp).
  Status run_event_loop();
  void watch(int fd, uint32_t events);
  void unwatch(int fd);
  void on_signal();
  // waitpid for every exited child, except an init being handed off (hand_off_init): that one
  // stays a zombie for its next parent.
  void reap_children();
  void on_control();
  void on_sync();
  void on_output(OutputStream& stream);
  void on_stdin_writable();
  void on_attach_connection();
  void on_client(int fd, uint32_t events);
  // false: protocol error, drop the client.
  bool handle_client_frame(Client& client, attach::Frame& frame);
  // false: the client was dropped (error, or closing and fully flushed); `client` is gone.
  bool flush_client(Client& client);
  void drop_client(int fd);
  uint32_t client_events(const Client& client) const;
  void broadcast_output(attach::MessageType type, std::string_view data);
  void close_stdin();
  void update_stdin_interest();
  void finish_if_done();
  void record_exit();
  // A command that cannot run, found before ready (the init's lookup, an OCI runtime's create):
  // exit.json says 127 or 126 with the error, as it would for a failed execve after go, so the
  // engine reports the same whichever runtime ran the container.
  void record_exec_failure(int sys_errno, const std::string& message);
  bool output_done() const;

  MonitorOptions options_;
  UniqueFd control_;
  OciSpec spec_;
  std::unique_ptr<CgroupDriver> cgroup_;
  uint64_t oom_kills_at_start_ = 0;
  StartedProcesses processes_;

  UniqueFd sync_;
  UniqueFd init_pidfd_;
  pid_t init_pid_ = 0;
  bool create_hooks_ran_ = false;
  std::optional<int> init_wait_status_;
  std::optional<int> exec_exit_code_;  // set when execve (or the lookup before it) failed
  std::string error_message_;          // why the command did not start, for exit.json
  std::optional<sync::SetupError> start_error_;  // sent to the daemon after exit.json is written

  UniqueFd epoll_;
  UniqueFd signal_fd_;
  UniqueFd drain_timer_;
  UniqueFd log_fd_;
  UniqueFd pty_master_;
  std::optional<OutputStream> stdout_;
  std::optional<OutputStream> stderr_;
  UniqueFd stdin_;  // pipe write end (open-stdin), or a dup of the pty master
  std::string stdin_queue_;
  bool stdin_close_pending_ = false;
  bool stdin_watched_ = false;
  bool clients_paused_ = false;
  UniqueFd listener_;
  UniqueFd control_listener_;  // standalone mode: <state>/control.sock, until the start
  std::map<int, Client> clients_;
  Phase phase_ = Phase::kWaitingForGo;
  bool done_ = false;
  // Decided at go: options_.hand_off_init and a subreaper (not PID 1) adopted the monitor. The
  // monitor then exits once the command runs, without reaping the init or touching its cgroup.
  bool hand_off_ = false;
  // Another runtime: an exec of it (no runtime state of its own to delete), the console socket
  // a terminal's master arrives on, and the output fds, read only from go on.
  bool exec_mode_ = false;
  std::string console_socket_path_;
  UniqueFd console_listener_;
  bool output_deferred_ = false;
};

}  // namespace gocker::runtime
