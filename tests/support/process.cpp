#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

namespace gocker::test {

using namespace detail;

std::string CommandResult::describe() const {
  std::ostringstream text;
  if (!spawn_error.empty()) text << "spawn failed: " << spawn_error << "; ";
  text << "exit " << exit_code << (timed_out ? " (TIMED OUT)" : "") << " after " << elapsed.count() << " ms"
       << "\n--- stdout ---\n" << tail_of(out, 4000) << "\n--- stderr ---\n" << tail_of(err, 4000);
  return text.str();
}

std::string PtyResult::describe() const {
  std::ostringstream text;
  if (!error.empty()) text << "error: " << error << "; ";
  text << "exit " << exit_code << (timed_out ? " (TIMED OUT)" : "") << "\n--- terminal ---\n" << tail_of(output, 4000);
  return text.str();
}

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options) {
  CommandResult result;
  const auto start = Clock::now();
  if (argv.empty()) {
    result.spawn_error = "empty argv";
    return result;
  }
  int out_pipe[2], err_pipe[2], in_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      (options.stdin_data && ::pipe2(in_pipe, O_CLOEXEC) != 0)) {
    result.spawn_error = "pipe2: " + errno_text(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (options.stdin_data) {
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t all_signals, no_signals;
  sigfillset(&all_signals);
  sigemptyset(&no_signals);
  posix_spawnattr_setsigdefault(&attributes, &all_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> arguments = argv;
  std::vector<std::string> environment = build_environment(options.env);
  auto argv_pointers = as_argv(arguments);
  auto env_pointers = as_argv(environment);
  pid_t pid = -1;
  const int spawn_error = ::posix_spawnp(&pid, arguments[0].c_str(), &actions, &attributes, argv_pointers.data(),
                                         env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (in_pipe[0] >= 0) ::close(in_pipe[0]);
  if (spawn_error != 0) {
    result.spawn_error = "spawn " + arguments[0] + ": " + errno_text(spawn_error);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    if (in_pipe[1] >= 0) ::close(in_pipe[1]);
    return result;
  }

  int out_fd = out_pipe[0], err_fd = err_pipe[0], in_fd = in_pipe[1];
  set_nonblocking(out_fd);
  set_nonblocking(err_fd);
  size_t written = 0;
  if (in_fd >= 0) {
    set_nonblocking(in_fd);
    if (options.stdin_data->empty()) {
      ::close(in_fd);
      in_fd = -1;
    }
  }
  int pidfd = open_pidfd(pid);
  bool exited = false;
  int wait_status = 0;
  auto deadline = start + options.timeout;
  bool output_grace_set = false;
  while (out_fd >= 0 || err_fd >= 0 || !exited) {
    std::vector<pollfd> fds;
    if (out_fd >= 0) fds.push_back({out_fd, POLLIN, 0});
    if (err_fd >= 0) fds.push_back({err_fd, POLLIN, 0});
    if (in_fd >= 0) fds.push_back({in_fd, POLLOUT, 0});
    if (!exited && pidfd >= 0) fds.push_back({pidfd, POLLIN, 0});
    const int ready = ::poll(fds.data(), fds.size(), remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      if (!exited) {
        result.timed_out = true;
        ::kill(pid, SIGKILL);
      }
      break;
    }
    for (const auto& entry : fds) {
      if (entry.revents == 0) continue;
      if (entry.fd == out_fd && !read_available(out_fd, result.out)) {
        ::close(out_fd);
        out_fd = -1;
      } else if (entry.fd == err_fd && !read_available(err_fd, result.err)) {
        ::close(err_fd);
        err_fd = -1;
      } else if (entry.fd == in_fd) {
        const std::string& data = *options.stdin_data;
        ssize_t n = ::write(in_fd, data.data() + written, data.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == data.size()) {
          ::close(in_fd);  // EOF for the child
          in_fd = -1;
        }
      } else if (entry.fd == pidfd) {
        exited = true;
      }
    }
    if (exited && !output_grace_set) {
      // Something the child left behind may hold the pipes open: give the output a bounded while.
      deadline = std::min(deadline, Clock::now() + std::chrono::milliseconds(3000));
      output_grace_set = true;
      if (in_fd >= 0) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (out_fd >= 0) ::close(out_fd);
  if (err_fd >= 0) ::close(err_fd);
  if (in_fd >= 0) ::close(in_fd);
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (pidfd >= 0) ::close(pidfd);
  result.exit_code = decode_wait_status(wait_status);
  result.elapsed = since(start);
  return result;
}

PtyResult run_in_pty(const std::vector<std::string>& argv, const std::vector<PtyStep>& steps, const Env& env,
                     std::chrono::milliseconds timeout) {
  PtyResult result;
  const auto deadline = Clock::now() + timeout;
  int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
    result.error = "posix_openpt: " + errno_text(errno);
    if (master >= 0) ::close(master);
    return result;
  }
  char slave_name[128];
  if (::ptsname_r(master, slave_name, sizeof slave_name) != 0) {
    result.error = "ptsname: " + errno_text(errno);
    ::close(master);
    return result;
  }
  struct winsize size {};
  size.ws_row = 24;
  size.ws_col = 80;
  ::ioctl(master, TIOCSWINSZ, &size);
  // Our own reference to the slave keeps the master readable (no EIO) until the child has opened
  // it; dropped once the child has exited, so the final reads end in EIO = hang-up.
  int parent_slave = ::open(slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);

  std::vector<std::string> arguments = argv;
  arguments[0] = find_on_path(arguments[0]);
  std::vector<std::string> environment = build_environment(env);
  if (std::none_of(env.begin(), env.end(), [](const auto& pair) { return pair.first == "TERM"; }))
    environment.push_back("TERM=xterm");
  auto argv_pointers = as_argv(arguments);
  auto env_pointers = as_argv(environment);

  pid_t pid = ::fork();
  if (pid < 0) {
    result.error = "fork: " + errno_text(errno);
    ::close(master);
    if (parent_slave >= 0) ::close(parent_slave);
    return result;
  }
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec (the test process may have threads).
    ::setsid();
    int slave = ::open(slave_name, O_RDWR);
    if (slave < 0) _exit(126);
    ::ioctl(slave, TIOCSCTTY, 0);
    ::dup2(slave, 0);
    ::dup2(slave, 1);
    ::dup2(slave, 2);
    if (slave > 2) ::close(slave);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &default_action, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv_pointers[0], argv_pointers.data(), env_pointers.data());
    _exit(127);
  }

  int pidfd = open_pidfd(pid);
  set_nonblocking(master);
  size_t step = 0;
  size_t step_output_start = 0;
  auto play_steps = [&steps, &step, &step_output_start, &result, master]() {
    while (step < steps.size()) {
      const PtyStep& current = steps[step];
      if (!current.expect.empty() && result.output.find(current.expect, step_output_start) == std::string::npos) return;
      size_t sent = 0;
      while (sent < current.send.size()) {
        ssize_t n = ::write(master, current.send.data() + sent, current.send.size() - sent);
        if (n > 0) sent += static_cast<size_t>(n);
        else if (n < 0 && errno != EINTR && errno != EAGAIN) return;
      }
      step_output_start = result.output.size();
      ++step;
    }
  };
  play_steps();
  bool exited = false;
  bool hung_up = false;
  int wait_status = 0;
  while (!hung_up || !exited) {
    std::vector<pollfd> fds;
    if (!hung_up) fds.push_back({master, POLLIN, 0});
    if (!exited) fds.push_back({pidfd, POLLIN, 0});
    const int ready = ::poll(fds.data(), fds.size(), remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      result.timed_out = true;
      if (!exited) ::kill(pid, SIGKILL);
      break;
    }
    for (const auto& entry : fds) {
      if (entry.revents == 0) continue;
      if (entry.fd == master) {
        if (!read_available(master, result.output)) hung_up = true;
        play_steps();
      } else if (entry.fd == pidfd) {
        exited = true;
        if (parent_slave >= 0) {
          ::close(parent_slave);
          parent_slave = -1;
        }
      }
    }
  }
  if (step < steps.size() && result.error.empty())
    result.error = "step " + std::to_string(step) + " never saw \"" + steps[step].expect + "\"";
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = decode_wait_status(wait_status);
  if (parent_slave >= 0) ::close(parent_slave);
  ::close(pidfd);
  ::close(master);
  return result;
}

int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

int send_signal(int pidfd, int signal) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

bool wait_pidfd_exit(int pidfd, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  struct pollfd entry {pidfd, POLLIN, 0};
  int ready;
  while ((ready = ::poll(&entry, 1, remaining_ms(deadline))) < 0 && errno == EINTR) {
  }
  return ready == 1;
}

}  // namespace gocker::test
