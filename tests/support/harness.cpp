#include "harness.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <dirent.h>
#include <linux/magic.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "runtime/monitor_launch.hpp"

extern char** environ;

namespace gocker::test {
namespace {

// ---- process set-up, before main ---------------------------------------------------------------

[[noreturn]] void skip_or_fail(const std::string& why, const char* needs) {
  const char* strict = std::getenv("GOCKER_TEST_STRICT");
  const bool is_strict = strict != nullptr && std::string(strict) == "1";
  std::fprintf(stderr,
               "\n"
               "**********************************************************************\n"
               "SKIP: %s\n"
               "  %s\n"
               "  %s\n"
               "**********************************************************************\n\n",
               why.c_str(), needs,
               is_strict ? "GOCKER_TEST_STRICT=1: a skip counts as a FAILURE (exit 1)."
                         : "exiting 77 (skipped); GOCKER_TEST_STRICT=1 would make this a failure.");
  std::fflush(stderr);
  _exit(is_strict ? 1 : 77);
}

std::string errno_text(int err) { return std::strerror(err); }

[[noreturn]] void skip_namespaces(const std::string& why) {
  skip_or_fail(why, "integration tests need root, a mount and a network namespace.");
}

void bring_loopback_up() {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) skip_namespaces("socket(AF_INET) for bringing lo up: " + errno_text(errno));
  struct ifreq request {};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(fd, SIOCGIFFLAGS, &request) < 0) skip_namespaces("SIOCGIFFLAGS lo: " + errno_text(errno));
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(fd, SIOCSIFFLAGS, &request) < 0) skip_namespaces("SIOCSIFFLAGS lo up: " + errno_text(errno));
  ::close(fd);
}

void enter_test_namespaces() {
  if (::geteuid() != 0) skip_namespaces("not running as root (euid " + std::to_string(::geteuid()) + ")");
  if (::unshare(CLONE_NEWNS | CLONE_NEWNET) != 0)
    skip_namespaces("unshare(CLONE_NEWNS | CLONE_NEWNET): " + errno_text(errno));
  // The copies of a shared host mount stay in the host's peer group after unshare: make them
  // private first so nothing we mount reaches the host, then shared again (a new peer group of
  // ours alone), which is what "/" looks like on a systemd host. A runtime that forgets to make
  // its own namespace MS_REC|MS_PRIVATE then leaks its mounts into our namespace, where tests
  // look for them.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    skip_namespaces("make / rprivate: " + errno_text(errno));
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SHARED, nullptr) != 0)
    skip_namespaces("make / rshared: " + errno_text(errno));
  bring_loopback_up();
  // Writes to a child's stdin pipe after it exited must be an EPIPE, not the end of the test.
  // Children get SIGPIPE back at its default (posix_spawn SETSIGDEF, or explicitly after fork).
  ::signal(SIGPIPE, SIG_IGN);
}

// Runs before main (and so before doctest or any test starts a thread): unshare(CLONE_NEWNS)
// fails with EINVAL in a multi-threaded process.
const bool g_namespaces_entered = (enter_test_namespaces(), true);

// ---- small helpers ------------------------------------------------------------------------------

std::atomic<unsigned> g_failures{0};
std::mutex g_daemons_mutex;
std::set<const Daemon*> g_live_daemons;
std::atomic<unsigned> g_daemon_counter{0};

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

int open_pidfd_of(pid_t pid) { return ::pidfd_open(pid, 0); }

int decode_wait_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// environ plus additions (an addition replaces a variable of the same name).
std::vector<std::string> build_environment(const Env& additions) {
  std::vector<std::string> result;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string variable(*entry);
    const std::string name = variable.substr(0, variable.find('='));
    const bool replaced = std::any_of(additions.begin(), additions.end(),
                                      [&name](const auto& pair) { return pair.first == name; });
    if (!replaced) result.push_back(std::move(variable));
  }
  for (const auto& [name, value] : additions) result.push_back(name + "=" + value);
  return result;
}

std::vector<char*> as_argv(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

std::string find_on_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::stringstream directories(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    std::string candidate = (directory.empty() ? "." : directory) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return program;
}

// Appends what is readable on fd; false at EOF or a hard error (EIO on a pty master = hang-up).
bool read_available(int fd, std::string& into) {
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      into.append(buffer, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof buffer) return true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    return false;
  }
}

std::string tail_of(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  return "[... " + std::to_string(text.size() - max_bytes) + " bytes cut ...]\n" + text.substr(text.size() - max_bytes);
}

std::string decode_mountinfo_escapes(const std::string& field) {
  std::string result;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string octal = field.substr(i + 1, 3);
      if (octal.size() == 3 && std::all_of(octal.begin(), octal.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        result.push_back(static_cast<char>(std::stoi(octal, nullptr, 8)));
        i += 3;
        continue;
      }
    }
    result.push_back(field[i]);
  }
  return result;
}

int remove_entry(const char* path, const struct stat*, int type, struct FTW*) {
  // Best effort: a leftover that cannot be removed shows up in the next test's checks, not here.
  if (type == FTW_DP) {
    ::rmdir(path);
  } else {
    ::unlink(path);
  }
  return 0;
}

void remove_tree(const std::string& path) {
  // FTW_MOUNT: never descend into a mount we failed to detach (it could be the host's).
  ::nftw(path.c_str(), remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

std::vector<std::string> subdirectories_deepest_first(const std::string& base) {
  std::vector<std::string> result;
  std::vector<std::string> stack{base};
  std::vector<std::string> preorder;
  while (!stack.empty()) {
    std::string directory = stack.back();
    stack.pop_back();
    preorder.push_back(directory);
    DIR* handle = ::opendir(directory.c_str());
    if (handle == nullptr) continue;
    while (dirent* entry = ::readdir(handle)) {
      if (entry->d_type != DT_DIR) continue;
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      stack.push_back(directory + "/" + name);
    }
    ::closedir(handle);
  }
  // Preorder puts every parent before its children, so its reverse is a safe rmdir order.
  result.assign(preorder.rbegin(), preorder.rend());
  return result;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<pid_t> read_pids(const std::string& path) {
  std::vector<pid_t> pids;
  std::ifstream in(path);
  pid_t pid = 0;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

// Kills the processes (only if pidfd_open still finds them) and waits until every one has exited.
void kill_and_wait(const std::vector<pid_t>& pids, std::chrono::milliseconds timeout) {
  std::vector<int> pidfds;
  for (pid_t pid : pids) {
    if (pid <= 0 || pid == ::getpid()) continue;
    int pidfd = open_pidfd_of(pid);
    if (pidfd < 0) continue;
    ::pidfd_send_signal(pidfd, SIGKILL, nullptr, 0);
    pidfds.push_back(pidfd);
  }
  const auto deadline = Clock::now() + timeout;
  for (int pidfd : pidfds) {
    struct pollfd entry {pidfd, POLLIN, 0};
    while (::poll(&entry, 1, remaining_ms(deadline)) < 0 && errno == EINTR) {
    }
    ::close(pidfd);
  }
}

}  // namespace

void skip_program(const std::string& why) { skip_or_fail(why, "this test program cannot run here."); }

// ---- results ----------------------------------------------------------------------------------

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

std::optional<std::string> HttpResponse::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return value;
  }
  return std::nullopt;
}

std::string HttpResponse::describe() const {
  std::ostringstream text;
  text << "HTTP " << status;
  if (!error.empty()) text << " (error: " << error << ")";
  text << " body: " << tail_of(body, 4000);
  return text.str();
}

// ---- run_command --------------------------------------------------------------------------------

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
  int pidfd = open_pidfd_of(pid);
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

// ---- run_in_pty ---------------------------------------------------------------------------------

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

  int pidfd = open_pidfd_of(pid);
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

// ---- HTTP ---------------------------------------------------------------------------------------

namespace {

bool decode_chunked(const std::string& raw, std::string& body) {
  size_t position = 0;
  for (;;) {
    size_t line_end = raw.find("\r\n", position);
    if (line_end == std::string::npos) return false;
    const size_t size = std::stoul(raw.substr(position, line_end - position), nullptr, 16);
    position = line_end + 2;
    if (size == 0) return true;
    if (position + size > raw.size()) return false;
    body.append(raw, position, size);
    position += size + 2;
  }
}

// True when `raw` holds a whole response (so we need not wait for the server to close).
bool parse_response(const std::string& raw, HttpResponse& response, bool at_eof) {
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  std::istringstream head(raw.substr(0, head_end));
  std::string status_line;
  std::getline(head, status_line);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return false;
  response.status = std::stoi(status_line.substr(9, 3));
  response.headers.clear();
  std::string line;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    response.headers.emplace_back(line.substr(0, colon), trim(line.substr(colon + 1)));
  }
  const std::string rest = raw.substr(head_end + 4);
  auto encoding = response.header("Transfer-Encoding");
  if (encoding && contains(*encoding, "chunked")) {
    response.body.clear();
    return decode_chunked(rest, response.body) || at_eof;
  }
  if (auto length = response.header("Content-Length")) {
    const size_t expected = std::stoul(*length);
    response.body = rest.substr(0, expected);
    return rest.size() >= expected;
  }
  if (response.status == 204 || response.status == 304) {
    response.body.clear();
    return true;
  }
  response.body = rest;
  return at_eof;
}

}  // namespace

HttpResponse http_request(const std::string& socket_path, const std::string& method, const std::string& target,
                          const std::string& body, const std::string& content_type, std::chrono::milliseconds timeout) {
  HttpResponse response;
  const auto deadline = Clock::now() + timeout;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof address.sun_path) {
    response.error = "socket path too long: " + socket_path;
    ::close(fd);
    return response;
  }
  std::strcpy(address.sun_path, socket_path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    response.error = "connect " + socket_path + ": " + errno_text(errno);
    ::close(fd);
    return response;
  }
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: gocker\r\nUser-Agent: gocker-test\r\nConnection: close\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    request += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      response.error = "send: " + errno_text(errno);
      ::close(fd);
      return response;
    }
    sent += static_cast<size_t>(n);
  }
  set_nonblocking(fd);
  std::string raw;
  bool at_eof = false;
  bool complete = false;
  while (!complete) {
    struct pollfd entry {fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      response.error = "timed out after " + std::to_string(timeout.count()) + " ms";
      break;
    }
    at_eof = !read_available(fd, raw);
    complete = parse_response(raw, response, at_eof) || at_eof;
  }
  ::close(fd);
  if (!complete && response.error.empty()) response.error = "incomplete response";
  if (response.status == 0 && response.error.empty()) response.error = "no HTTP response: " + tail_of(raw, 200);
  return response;
}

// ---- Daemon -------------------------------------------------------------------------------------

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)) {
  failures_at_start_ = failure_count();
  char pattern[] = "/tmp/gk.XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    start_error_ = "mkdtemp /tmp/gk.XXXXXX: " + errno_text(errno);
    return;
  }
  temp_dir_ = pattern;
  root_ = temp_dir_ + "/root";
  socket_path_ = temp_dir_ + "/gockerd.sock";
  log_path_ = temp_dir_ + "/gockerd.log";
  notify_path_ = temp_dir_ + "/notify.sock";
  cgroup_parent_ = "gocker-test-" + std::to_string(::getpid()) + "-" + std::to_string(g_daemon_counter++);
  {
    std::lock_guard lock(g_daemons_mutex);
    g_live_daemons.insert(this);
  }
  notify_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strcpy(address.sun_path, notify_path_.c_str());
  if (notify_fd_ < 0 || ::bind(notify_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    start_error_ = "bind notify socket " + notify_path_ + ": " + errno_text(errno);
    return;
  }
  start();
}

bool Daemon::start() {
  start_error_.clear();
  const auto start_time = Clock::now();
  // Drop what an earlier run of the daemon left in the notify socket (STOPPING=1 and the like).
  char discard[4096];
  while (::recv(notify_fd_, discard, sizeof discard, 0) > 0) {
  }
  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    start_error_ = "open " + log_path_ + ": " + errno_text(errno);
    return false;
  }
  std::vector<std::string> arguments = {gockerd_binary(), "--root",      root_,        "-H",
                                        host(),           "--cgroup-parent", cgroup_parent_, "--image-dir",
                                        image_dir(),      "--log-level", "debug"};
  arguments.insert(arguments.end(), options_.extra_args.begin(), options_.extra_args.end());
  Env env = options_.env;
  env.emplace_back("NOTIFY_SOCKET", notify_path_);
  env.emplace_back("GOCKER_MONITOR_BIN", monitor_binary());
  std::vector<std::string> environment = build_environment(env);
  auto argv_pointers = as_argv(arguments);
  auto env_pointers = as_argv(environment);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t all_signals, no_signals;
  sigfillset(&all_signals);
  sigemptyset(&no_signals);
  posix_spawnattr_setsigdefault(&attributes, &all_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  const int spawn_error =
      ::posix_spawn(&pid_, arguments[0].c_str(), &actions, &attributes, argv_pointers.data(), env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(log_fd);
  if (spawn_error != 0) {
    pid_ = -1;
    start_error_ = "spawn " + arguments[0] + ": " + errno_text(spawn_error);
    return false;
  }
  pidfd_ = open_pidfd_of(pid_);

  const auto deadline = start_time + options_.ready_timeout;
  std::string notifications;
  for (;;) {
    pollfd fds[2] = {{notify_fd_, POLLIN, 0}, {pidfd_, POLLIN, 0}};
    const int ready = ::poll(fds, 2, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      start_error_ = "gockerd sent no READY=1 within " + std::to_string(options_.ready_timeout.count()) +
                     " ms (notifications so far: \"" + notifications + "\")";
      break;
    }
    if (fds[0].revents & POLLIN) {
      char message[4096];
      ssize_t n;
      while ((n = ::recv(notify_fd_, message, sizeof message, 0)) > 0) {
        const std::string text(message, static_cast<size_t>(n));
        notifications += text + ";";
        for (const auto& line : split_lines(text)) {
          if (line == "READY=1") {
            startup_time_ = since(start_time);
            return true;
          }
        }
      }
    }
    if (fds[1].revents & POLLIN) {
      int status = 0;
      ::waitpid(pid_, &status, 0);
      start_error_ = "gockerd exited with status " + std::to_string(decode_wait_status(status)) + " before READY=1";
      ::close(pidfd_);
      pidfd_ = -1;
      pid_ = -1;
      break;
    }
  }
  start_error_ += "\n--- gockerd log (tail) ---\n" + tail_of(log(), 8000);
  return false;
}

int Daemon::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  ::pidfd_send_signal(pidfd_, SIGTERM, nullptr, 0);
  struct pollfd entry {pidfd_, POLLIN, 0};
  int ready;
  const auto deadline = Clock::now() + grace;
  while ((ready = ::poll(&entry, 1, remaining_ms(deadline))) < 0 && errno == EINTR) {
  }
  if (ready == 0) {
    std::fprintf(stderr, "harness: gockerd %d ignored SIGTERM for %lld ms; sending SIGKILL\n", pid_,
                 static_cast<long long>(grace.count()));
    ::pidfd_send_signal(pidfd_, SIGKILL, nullptr, 0);
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  ::close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
  return ready == 0 ? -1 : decode_wait_status(status);
}

void Daemon::kill9() {
  if (pid_ <= 0) return;
  ::pidfd_send_signal(pidfd_, SIGKILL, nullptr, 0);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  ::close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
}

CommandResult Daemon::gockerctl(const std::vector<std::string>& args, const CommandOptions& options) const {
  std::vector<std::string> argv = {gockerctl_binary(), "-H", host()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, options);
}

PtyResult Daemon::gockerctl_pty(const std::vector<std::string>& args, const std::vector<PtyStep>& steps,
                                std::chrono::milliseconds timeout) const {
  std::vector<std::string> argv = {gockerctl_binary(), "-H", host()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_in_pty(argv, steps, {}, timeout);
}

HttpResponse Daemon::http(const std::string& method, const std::string& target, const std::string& body,
                          const std::string& content_type) const {
  return http_request(socket_path_, method, target, body, content_type);
}

std::string Daemon::log() const { return read_file(log_path_).value_or(""); }

void Daemon::dump_log(const char* why) const {
  const std::string whole = log();
  if (whole.size() <= dumped_up_to_) return;
  const std::string fresh = whole.substr(dumped_up_to_);
  dumped_up_to_ = whole.size();
  std::fprintf(stderr, "\n======== gockerd log (%s: %s) ========\n%s\n======== end of gockerd log ========\n", why,
               log_path_.c_str(), tail_of(fresh, 64 * 1024).c_str());
  std::fflush(stderr);
}

void dump_live_daemon_logs(const char* why) {
  std::lock_guard lock(g_daemons_mutex);
  for (const Daemon* daemon : g_live_daemons) daemon->dump_log(why);
}

Daemon::~Daemon() {
  {
    std::lock_guard lock(g_daemons_mutex);
    g_live_daemons.erase(this);
  }
  if (failure_count() != failures_at_start_) dump_log("a test failed while this daemon ran");
  teardown();
}

void Daemon::teardown() {
  if (temp_dir_.empty()) return;
  if (pid_ > 0) stop();

  // Whatever the daemon started and left running: processes in our cgroup parent (containers),
  // monitors recorded under the root (identity checked by start time), and anything else holding
  // a file under our temp dir. All of them are ours: the temp dir and the cgroup parent are unique.
  std::vector<pid_t> leftovers;
  for (const auto& directory : cgroup_parent_dirs(cgroup_parent_)) {
    for (pid_t pid : read_pids(directory + "/cgroup.procs")) leftovers.push_back(pid);
  }
  for (const auto& directory : subdirectories_deepest_first(root_)) {
    if (::access((directory + "/monitor.json").c_str(), F_OK) != 0) continue;
    auto state = runtime::read_monitor_state(directory);
    if (!state) continue;
    const auto& monitor = state.value().monitor;
    std::ifstream stat_file("/proc/" + std::to_string(monitor.pid) + "/stat");
    std::string stat_line;
    std::getline(stat_file, stat_line);
    // Field 22 (starttime) counted after the ")" that closes comm.
    const size_t close_paren = stat_line.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream fields(stat_line.substr(close_paren + 2));
    std::string field;
    for (int index = 3; index <= 22 && fields >> field; ++index) {
    }
    if (field == std::to_string(monitor.start_time)) leftovers.push_back(monitor.pid);
  }
  for (pid_t pid : processes_using(temp_dir_)) leftovers.push_back(pid);
  if (!leftovers.empty()) {
    std::sort(leftovers.begin(), leftovers.end());
    leftovers.erase(std::unique(leftovers.begin(), leftovers.end()), leftovers.end());
    kill_and_wait(leftovers, 10s);
  }

  auto mounts = mounts_under(temp_dir_ + "/");
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
    if (::umount2(it->mount_point.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
      std::fprintf(stderr, "harness: umount2 %s: %s\n", it->mount_point.c_str(), std::strerror(errno));
  }
  for (const auto& directory : cgroup_parent_dirs(cgroup_parent_)) {
    if (::rmdir(directory.c_str()) != 0 && errno != ENOENT)
      std::fprintf(stderr, "harness: rmdir %s: %s\n", directory.c_str(), std::strerror(errno));
  }
  if (notify_fd_ >= 0) ::close(notify_fd_);
  notify_fd_ = -1;
  if (std::getenv("GOCKER_TEST_KEEP_ROOT") == nullptr) remove_tree(temp_dir_);
}

// ---- kernel views -------------------------------------------------------------------------------

std::vector<MountEntry> read_mountinfo(pid_t pid) {
  std::vector<MountEntry> entries;
  std::ifstream in(pid == 0 ? std::string("/proc/self/mountinfo") : "/proc/" + std::to_string(pid) + "/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> parts;
    std::string part;
    while (fields >> part) parts.push_back(part);
    auto separator = std::find(parts.begin(), parts.end(), "-");
    if (parts.size() < 7 || separator == parts.end() || separator + 2 >= parts.end()) continue;
    entries.push_back({decode_mountinfo_escapes(parts[4]), *(separator + 1), decode_mountinfo_escapes(*(separator + 2))});
  }
  return entries;
}

std::vector<MountEntry> mounts_under(const std::string& prefix, pid_t pid) {
  std::vector<MountEntry> result;
  for (auto& entry : read_mountinfo(pid)) {
    if (entry.mount_point.rfind(prefix, 0) == 0) result.push_back(std::move(entry));
  }
  return result;
}

bool is_cgroup_v2_host() {
  struct statfs info {};
  return ::statfs("/sys/fs/cgroup", &info) == 0 && info.f_type == CGROUP2_SUPER_MAGIC;
}

std::optional<std::string> find_container_cgroup(const std::string& controller, const std::string& cgroup_parent,
                                                 const std::string& container_id) {
  const std::string base =
      is_cgroup_v2_host() ? "/sys/fs/cgroup/" + cgroup_parent : "/sys/fs/cgroup/" + controller + "/" + cgroup_parent;
  const std::string short_id = container_id.substr(0, 12);
  for (const auto& directory : subdirectories_deepest_first(base)) {
    const std::string name = directory.substr(directory.rfind('/') + 1);
    if (!short_id.empty() && contains(name, short_id)) return directory;
  }
  return std::nullopt;
}

std::vector<std::string> cgroup_parent_dirs(const std::string& cgroup_parent) {
  std::vector<std::string> result;
  std::vector<std::string> bases;
  if (is_directory("/sys/fs/cgroup/" + cgroup_parent)) bases.push_back("/sys/fs/cgroup/" + cgroup_parent);
  if (DIR* handle = ::opendir("/sys/fs/cgroup")) {
    while (dirent* entry = ::readdir(handle)) {
      const std::string name = entry->d_name;
      if (name == "." || name == ".." || entry->d_type != DT_DIR) continue;  // skips cpu -> cpu,cpuacct links
      const std::string candidate = "/sys/fs/cgroup/" + name + "/" + cgroup_parent;
      if (is_directory(candidate)) bases.push_back(candidate);
    }
    ::closedir(handle);
  }
  for (const auto& base : bases) {
    for (auto& directory : subdirectories_deepest_first(base)) result.push_back(std::move(directory));
  }
  return result;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string trim(std::string text) {
  const auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!text.empty() && is_space(static_cast<unsigned char>(text.back()))) text.pop_back();
  size_t first = 0;
  while (first < text.size() && is_space(static_cast<unsigned char>(text[first]))) ++first;
  return text.substr(first);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

namespace {
std::optional<long> read_kb_field(const std::string& path, const std::string& field) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
  }
  return std::nullopt;
}
}  // namespace

std::optional<long> process_rss_kb(pid_t pid) {
  return read_kb_field("/proc/" + std::to_string(pid) + "/status", "VmRSS:");
}

std::optional<long> process_pss_kb(pid_t pid) {
  return read_kb_field("/proc/" + std::to_string(pid) + "/smaps_rollup", "Pss:");
}

std::string process_comm(pid_t pid) {
  return trim(read_file("/proc/" + std::to_string(pid) + "/comm").value_or(""));
}

std::vector<pid_t> processes_using(const std::string& dir) {
  std::vector<pid_t> result;
  const std::string prefix = dir + "/";
  const pid_t self = ::getpid();
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return result;
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || pid == self) continue;
    const std::string base = std::string("/proc/") + entry->d_name;
    auto points_below = [&prefix](const std::string& link) {
      char target[4096];
      ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
      if (n <= 0) return false;
      return std::string(target, static_cast<size_t>(n)).rfind(prefix, 0) == 0;
    };
    bool uses = points_below(base + "/cwd");
    if (!uses) {
      if (DIR* fds = ::opendir((base + "/fd").c_str())) {
        while (dirent* fd_entry = ::readdir(fds)) {
          if (fd_entry->d_name[0] == '.') continue;
          if (points_below(base + "/fd/" + fd_entry->d_name)) {
            uses = true;
            break;
          }
        }
        ::closedir(fds);
      }
    }
    if (uses) result.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return result;
}

unsigned failure_count() { return g_failures.load(); }
void note_failure() { ++g_failures; }

namespace {
std::string from_env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}
}  // namespace

#ifndef GOCKERD_BIN
#define GOCKERD_BIN "gockerd"
#endif
#ifndef GOCKERCTL_BIN
#define GOCKERCTL_BIN "gockerctl"
#endif
#ifndef GOCKER_MONITOR_BIN
#define GOCKER_MONITOR_BIN "gocker-monitor"
#endif
#ifndef GOCKER_IMAGE_DIR
#define GOCKER_IMAGE_DIR "/usr/local/share/gocker"
#endif

std::string gockerd_binary() { return from_env_or("GOCKERD_BIN", GOCKERD_BIN); }
std::string gockerctl_binary() { return from_env_or("GOCKERCTL_BIN", GOCKERCTL_BIN); }
std::string monitor_binary() { return from_env_or("GOCKER_MONITOR_BIN", GOCKER_MONITOR_BIN); }
std::string image_dir() { return from_env_or("GOCKER_IMAGE_DIR", GOCKER_IMAGE_DIR); }

}  // namespace gocker::test
