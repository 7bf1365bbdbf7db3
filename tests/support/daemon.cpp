#include "daemon.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <utility>

#include "harness.hpp"
#include "kernel_view.hpp"
#include "runtime/monitor_launch.hpp"

namespace gocker::test {

using namespace detail;

namespace {

std::mutex g_daemons_mutex;
std::set<const Daemon*> g_live_daemons;
std::atomic<unsigned> g_daemon_counter{0};


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
    int pidfd = open_pidfd(pid);
    if (pidfd < 0) continue;
    send_signal(pidfd, SIGKILL);
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

// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), 0 if the process is gone.
uint64_t start_time_of(pid_t pid) {
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat_line;
  std::getline(stat_file, stat_line);
  // comm may hold spaces and parentheses: count fields after the last ")".
  const size_t close_paren = stat_line.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 > stat_line.size()) return 0;
  std::istringstream fields(stat_line.substr(close_paren + 2));
  std::string field;
  for (int index = 3; index <= 22 && fields >> field; ++index) {
  }
  return std::strtoull(field.c_str(), nullptr, 10);
}

}  // namespace

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
  std::vector<std::string> arguments = options_.launcher;
  for (auto& argument : arguments) {
    const size_t placeholder = argument.find("{socket}");
    if (placeholder != std::string::npos) argument.replace(placeholder, 8, socket_path_);
  }
  const std::vector<std::string> gockerd_arguments = {gockerd_binary(),  "--root",      root_,
                                        "-H",              host(),        "--cgroup-parent",
                                        cgroup_parent_,    "--image-dir", image_dir(),
                                        "--monitor-path",  monitor_binary(), "--log-level",
                                        "debug"};
  arguments.insert(arguments.end(), gockerd_arguments.begin(), gockerd_arguments.end());
  arguments.insert(arguments.end(), options_.extra_args.begin(), options_.extra_args.end());
  Env env = options_.env;
  env.emplace_back("NOTIFY_SOCKET", notify_path_);
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
  pidfd_ = open_pidfd(pid_);
  spawned_at_ = start_time;
  if (!options_.wait_for_ready) return true;
  return wait_ready(options_.ready_timeout);
}

bool Daemon::wait_ready(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string notifications;
  for (;;) {
    pollfd fds[2] = {{notify_fd_, POLLIN, 0}, {pidfd_, POLLIN, 0}};
    const int ready = ::poll(fds, 2, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      start_error_ = "gockerd sent no READY=1 within " + std::to_string(timeout.count()) +
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
            startup_time_ = since(spawned_at_);
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
  send_signal(pidfd_, SIGTERM);
  struct pollfd entry {pidfd_, POLLIN, 0};
  int ready;
  const auto deadline = Clock::now() + grace;
  while ((ready = ::poll(&entry, 1, remaining_ms(deadline))) < 0 && errno == EINTR) {
  }
  if (ready == 0) {
    std::fprintf(stderr, "harness: gockerd %d ignored SIGTERM for %lld ms; sending SIGKILL\n", pid_,
                 static_cast<long long>(grace.count()));
    send_signal(pidfd_, SIGKILL);
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
  send_signal(pidfd_, SIGKILL);
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

CommandResult Daemon::docker(std::vector<std::string> args, CommandOptions options) const {
  args.insert(args.begin(), docker_cli_path());
  options.env.emplace_back("DOCKER_HOST", host());
  options.env.emplace_back("DOCKER_CONFIG", temp_dir() + "/docker-config");
  return run_command(args, options);
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
  // doctest reports to std::cout, which is a buffered pipe under ctest: flush it first so the failed
  // assertion comes before the log, and keep the log short, or CI's excerpt cuts the failure out.
  std::cout.flush();
  std::fflush(stdout);
  std::fprintf(stderr, "\n======== gockerd log (%s: %s) ========\n%s\n======== end of gockerd log ========\n", why,
               log_path_.c_str(), tail_of(fresh, 12 * 1024).c_str());
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
    // A recycled pid is not ours: only a process with the recorded start time is the monitor.
    const auto& monitor = state.value().monitor;
    if (start_time_of(monitor.pid) == monitor.start_time) leftovers.push_back(monitor.pid);
  }
  for (pid_t pid : processes_using(temp_dir_)) leftovers.push_back(pid);
  std::sort(leftovers.begin(), leftovers.end());
  leftovers.erase(std::unique(leftovers.begin(), leftovers.end()), leftovers.end());
  // A paused container's processes take SIGKILL only once thawed: a frozen leftover would outlive
  // the test (and its cgroup could never be removed).
  for (const auto& directory : cgroup_parent_dirs(cgroup_parent_)) {
    for (const auto& [file, thawed] : {std::pair{"/freezer.state", "THAWED"}, std::pair{"/cgroup.freeze", "0"}}) {
      const std::string path = directory + file;
      if (::access(path.c_str(), W_OK) != 0) continue;
      if (std::FILE* control = std::fopen(path.c_str(), "w")) {
        std::fputs(thawed, control);
        std::fclose(control);
      }
    }
  }
  if (!leftovers.empty()) kill_and_wait(leftovers, 10s);

  auto mounts = mounts_under(temp_dir_ + "/");
  const auto cgroups = cgroup_parent_dirs(cgroup_parent_);
  // Containers still running when the daemon stopped are expected to leave all three (they outlive
  // gockerd by design); a test that removed its containers should see zeros here.
  const auto container_cgroups = std::count_if(cgroups.begin(), cgroups.end(), [this](const std::string& path) {
    return path.substr(path.rfind('/') + 1) != cgroup_parent_;
  });
  if (!leftovers.empty() || !mounts.empty() || container_cgroups > 0) {
    std::fprintf(stderr,
                 "harness: after gockerd (%s): killing %zu processes, unmounting %zu mounts, removing %zd container "
                 "cgroup dirs\n",
                 temp_dir_.c_str(), leftovers.size(), mounts.size(), static_cast<ssize_t>(container_cgroups));
  }
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
    if (::umount2(it->mount_point.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
      std::fprintf(stderr, "harness: umount2 %s: %s\n", it->mount_point.c_str(), std::strerror(errno));
  }
  for (const auto& directory : cgroups) {
    if (::rmdir(directory.c_str()) != 0 && errno != ENOENT)
      std::fprintf(stderr, "harness: rmdir %s: %s\n", directory.c_str(), std::strerror(errno));
  }
  if (notify_fd_ >= 0) ::close(notify_fd_);
  notify_fd_ = -1;
  if (std::getenv("GOCKER_TEST_KEEP_ROOT") == nullptr) remove_tree(temp_dir_);
}

}  // namespace gocker::test
