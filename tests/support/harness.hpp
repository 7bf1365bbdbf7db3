#pragma once
// The integration-test harness: a real gockerd in a throw-away root, driven the way a user drives
// it (gockerctl, raw HTTP on the unix socket, a pty), and torn down so nothing is left behind.
//
// Process set-up (harness.cpp, at static-initialisation time, before main and before any thread):
//   unshare(CLONE_NEWNS | CLONE_NEWNET)       every mount and link the tests cause dies with them
//   "/" made rprivate, then rshared           cut from the host's peer groups first, then shared
//                                             like a systemd host, so a runtime that forgets
//                                             MS_REC|MS_PRIVATE leaks mounts into *our* namespace
//                                             (and a test sees it), never into the host's
//   lo up                                     ioctl(SIOCSIFFLAGS); containers get their own netns
// Not root, or unshare refused: prints "SKIP: <why>" and exits 77 (CTest SKIP_RETURN_CODE), or 1
// when GOCKER_TEST_STRICT=1 (CI: a skip is a failure).
//
// Nothing here uses doctest, so bench/ compiles this file too (and gets the same namespaces).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gocker::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Env = std::vector<std::pair<std::string, std::string>>;

// Ends the program as skipped: a loud "SKIP: <why>" and exit 77, or exit 1 (a failure) when
// GOCKER_TEST_STRICT=1. For a whole test program that cannot run here (no root, no docker CLI).
[[noreturn]] void skip_program(const std::string& why);

// ---- running commands -------------------------------------------------------------------------

struct CommandOptions {
  std::optional<std::string> stdin_data;  // nullopt: stdin is /dev/null; else written, then closed
  Env env;                                // added to (or replacing in) the harness's environment
  std::chrono::milliseconds timeout = 60s;
};

struct CommandResult {
  int exit_code = -1;   // the exit status, or 128 + signal when killed by one
  std::string out;
  std::string err;
  bool timed_out = false;       // killed by the harness at the deadline
  std::string spawn_error;      // non-empty when the command could not be started at all
  std::chrono::milliseconds elapsed{0};
  // "exit 3, stdout: ..., stderr: ..." for failure messages.
  std::string describe() const;
};

// Runs argv[0] (looked up on PATH when it has no '/'), capturing stdout and stderr separately.
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

// ---- a pty ------------------------------------------------------------------------------------

// A scripted terminal session: wait until the output (since the previous step) contains `expect`
// (empty: don't wait), then type `send`.
struct PtyStep {
  std::string expect;
  std::string send;
};

struct PtyResult {
  int exit_code = -1;
  std::string output;  // everything the terminal showed, including echo
  bool timed_out = false;
  std::string error;
  std::string describe() const;
};

// Runs argv with a fresh pty as its controlling terminal and stdio (window 24x80), plays the steps,
// then reads until the program exits and the terminal hangs up. Never sleeps: poll with a deadline.
PtyResult run_in_pty(const std::vector<std::string>& argv, const std::vector<PtyStep>& steps,
                     const Env& env = {}, std::chrono::milliseconds timeout = 60s);

// ---- HTTP over a unix socket -------------------------------------------------------------------

struct HttpResponse {
  int status = 0;  // 0: no response (connect failed, timeout, unparsable); see error
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // de-chunked
  std::string error;
  std::optional<std::string> header(const std::string& name) const;  // case-insensitive
  std::string describe() const;
};

// One request on a new connection (Connection: close), read to EOF or the deadline.
HttpResponse http_request(const std::string& socket_path, const std::string& method, const std::string& target,
                          const std::string& body = "", const std::string& content_type = "application/json",
                          std::chrono::milliseconds timeout = 30s);

// ---- the daemon -------------------------------------------------------------------------------

struct DaemonOptions {
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
  HttpResponse http(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& content_type = "application/json") const;

  // Starts gockerd (again: same root, same socket path) and waits for READY=1. False on failure,
  // with start_error() saying why (and the log tail).
  bool start();
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
  std::chrono::milliseconds startup_time_{0};
  unsigned failures_at_start_ = 0;
  mutable size_t dumped_up_to_ = 0;
};

// Dumps the logs of every Daemon alive right now (the doctest listener calls it when a test case
// fails, while the daemons still exist).
void dump_live_daemon_logs(const char* why);

// ---- inspecting what the kernel says -----------------------------------------------------------

struct MountEntry {
  std::string mount_point;
  std::string fs_type;
  std::string source;
};
std::vector<MountEntry> read_mountinfo(pid_t pid = 0);  // 0: self
std::vector<MountEntry> mounts_under(const std::string& prefix, pid_t pid = 0);

bool is_cgroup_v2_host();
// The directory of a container's cgroup in one hierarchy: a directory below <hierarchy>/<parent>
// whose name contains the container id (the first 12 hex chars suffice). v1: hierarchy is the
// controller name ("memory", "cpu", "cpuset", "pids"); v2: ignored.
std::optional<std::string> find_container_cgroup(const std::string& controller, const std::string& cgroup_parent,
                                                 const std::string& container_id);
// Every directory (deepest first) of the cgroup parent in every hierarchy that has it.
std::vector<std::string> cgroup_parent_dirs(const std::string& cgroup_parent);

std::optional<std::string> read_file(const std::string& path);
std::string trim(std::string text);
std::vector<std::string> split_lines(const std::string& text);
bool contains(const std::string& haystack, const std::string& needle);

// Kernel-reported memory of a process, in kB: VmRSS from status, Pss from smaps_rollup.
std::optional<long> process_rss_kb(pid_t pid);
std::optional<long> process_pss_kb(pid_t pid);
// Processes (not this one) holding an open fd, cwd or root below `dir`, e.g. a daemon's monitors
// (they hold the container's log file under the daemon root).
std::vector<pid_t> processes_using(const std::string& dir);
// /proc/<pid>/comm without the newline; empty if the process is gone.
std::string process_comm(pid_t pid);

// Set by the doctest listener (tests/support/failure_listener.cpp) on every failed assertion; the
// Daemon destructor dumps the log when it moved. Stays 0 in programs without doctest (bench).
unsigned failure_count();
void note_failure();

// Where the binaries under test are: GOCKERD_BIN etc. from CMake, overridable by environment
// variables of the same names (so an installed build can be tested too).
std::string gockerd_binary();
std::string gockerctl_binary();
std::string monitor_binary();
std::string image_dir();

}  // namespace gocker::test
