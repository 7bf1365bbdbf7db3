#pragma once
// The Daemon fixture: a gockerd of the test's own, and everything it leaves behind cleaned up.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
#include "http_client.hpp"
#include "process.hpp"

namespace gocker::test {

// ---- the daemon -------------------------------------------------------------------------------

struct DaemonOptions {
  // Runs gockerd through this program (e.g. systemd-socket-activate -l {socket} ...); "{socket}"
  // in an argument becomes the API socket path.
  std::vector<std::string> launcher;
  // false: start() returns once gockerd is spawned; call wait_ready() (socket activation starts
  // the daemon only at the first connection).
  bool wait_for_ready = true;
  std::vector<std::string> extra_args;
  Env env;
  std::chrono::milliseconds ready_timeout = 30s;
};

// A gockerd of the test's own: temp dir T = mkdtemp("/tmp/gk.XXXXXX") (short: unix socket paths
// are limited to 108 bytes) holding --root T/root, the API socket T/gockerd.sock, the log
// T/gockerd.log (stderr, appended across restarts) and T/notify.sock, a SOCK_DGRAM socket the
// harness owns and hands over as NOTIFY_SOCKET; start() waits for "READY=1" on it.
// The cgroup parent is unique per daemon: "gocker-test-<pid>-<n>".
//
// The destructor stops everything this daemon started and checks nothing is left:
//   SIGTERM the daemon (SIGKILL after 10 s), reap it; SIGKILL every process in the cgroup parent
//   (every hierarchy) and every monitor recorded in a monitor.json under the root (identity checked
//   by start time through a pidfd), wait for them to die; unmount whatever is still mounted under
//   T (deepest first, MNT_DETACH); rmdir the cgroup parent's directories; remove T.
// On a failed test (see failure_hook below) the daemon log is dumped to stderr.
class Daemon {
 public:
  explicit Daemon(DaemonOptions options = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  bool started() const { return pid_ > 0 && start_error_.empty(); }
  const std::string& start_error() const { return start_error_; }

  const std::string& temp_dir() const { return temp_dir_; }
  const std::string& root() const { return root_; }
  const std::string& socket_path() const { return socket_path_; }
  std::string host() const { return "unix://" + socket_path_; }
  const std::string& cgroup_parent() const { return cgroup_parent_; }
  const std::string& log_path() const { return log_path_; }
  pid_t pid() const { return pid_; }
  std::chrono::milliseconds startup_time() const { return startup_time_; }

  // gockerctl -H unix://<socket> args...
  CommandResult gockerctl(const std::vector<std::string>& args, const CommandOptions& options = {}) const;
  PtyResult gockerctl_pty(const std::vector<std::string>& args, const std::vector<PtyStep>& steps,
                          std::chrono::milliseconds timeout = 60s) const;
  // The docker CLI (docker_cli_path(), which must not be empty) with DOCKER_HOST set to this
  // daemon, as users of docker-against-another-engine run it, and a private DOCKER_CONFIG.
  CommandResult docker(std::vector<std::string> args, CommandOptions options = {}) const;
  HttpResponse http(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& content_type = "application/json") const;

  // Starts gockerd (again: same root, same socket path) and waits for READY=1. False on failure,
  // with start_error() saying why (and the log tail).
  bool start();
  // Waits for READY=1 on the notify socket (or the daemon's exit, or the deadline).
  bool wait_ready(std::chrono::milliseconds timeout);
  // SIGTERM, then waitpid (SIGKILL after the grace period). Returns the daemon's exit status.
  int stop(std::chrono::milliseconds grace = 10s);
  // SIGKILL and reap, as `kill -9` would: containers and monitors are left alone.
  void kill9();

  std::string log() const;  // the whole daemon log
  // Prints the part of the log not dumped before (its last 64 KiB at most) to stderr.
  void dump_log(const char* why) const;

 private:
  void teardown();

  DaemonOptions options_;
  std::string temp_dir_;
  std::string root_;
  std::string socket_path_;
  std::string log_path_;
  std::string notify_path_;
  std::string cgroup_parent_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int notify_fd_ = -1;
  std::string start_error_;
  Clock::time_point spawned_at_;
  std::chrono::milliseconds startup_time_{0};
  unsigned failures_at_start_ = 0;
  mutable size_t dumped_up_to_ = 0;
};

// Dumps the logs of every Daemon alive right now (the doctest listener calls it when a test case
// fails, while the daemons still exist).
void dump_live_daemon_logs(const char* why);

}  // namespace gocker::test
