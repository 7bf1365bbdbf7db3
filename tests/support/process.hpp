#pragma once
// Running programs the way a user would, and watching processes through pidfds.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"

namespace gocker::test {

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


// pidfds through syscall(2): glibc 2.36's <sys/pidfd.h> (Debian 12) declares pidfd_open and
// pidfd_send_signal without extern "C", so C++ callers fail to link against it.
int open_pidfd(pid_t pid);                   // -1 with errno when the process is gone
int send_signal(int pidfd, int signal);      // 0 or -1 with errno
// True once the process behind the pidfd has exited (poll with a deadline; false on timeout).
bool wait_pidfd_exit(int pidfd, std::chrono::milliseconds timeout);

}  // namespace gocker::test
