// Other engines running containers through gocker-runc, as they run them through runc (issue 8):
// Debian's podman 4.3 (with conmon) given `--runtime <build>/runc/gocker-runc`, and dockerd 20.10
// (with its own containerd and containerd-shim-runc-v2) given `--add-runtime gocker=<path>`. Each
// case checks what a user of that engine sees (output, exit codes, exec with and without a
// terminal, stop, rm) and that gocker-runc leaves no state, mount, cgroup or process behind.
//
// Everything stays inside the namespaces the harness made before main (tests/support/harness.hpp):
// the engines' networks are "none" (no bridge, no iptables), their storage, state, sockets and
// logs live in a temp dir, and /run is a tmpfs of this mount namespace, so the runtime's default
// --root (/run/gocker-runc, which podman's cleanup uses), containerd's shim sockets
// (/run/containerd/s) and dockerd's plugin dir are private too. The image is imported offline from
// the build's busybox rootfs tar. Processes the test starts are stopped by PID; what an engine
// started and left (conmon, shims) is found through the temp dir in its command line or the
// cgroup parent, and killed by PID.
//
// A missing engine skips its case loudly: a MESSAGE, and the program exits 77 at the end when
// nothing failed (GOCKER_TEST_STRICT=1 makes the skip a failure; scripts/install-deps.sh --test
// installs both engines).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/support/harness.hpp"

using namespace gocker::test;

namespace {

std::string runc_binary() {
  const char* from_env = std::getenv("GOCKER_RUNC_BIN");
  return from_env ? from_env : GOCKER_RUNC_BIN;
}

// ---- loud skips of one case ----------------------------------------------------------------------

bool g_case_skipped = false;

bool strict() {
  const char* value = std::getenv("GOCKER_TEST_STRICT");
  return value != nullptr && std::string(value) == "1";
}

void exit_77_if_skipped() {
  if (!g_case_skipped || failure_count() != 0) return;
  std::fprintf(stderr, "\nSKIP: a case of this program was skipped (see the MESSAGE above); exiting 77.\n");
  std::fflush(stderr);
  ::_exit(77);
}

void skip_case(const std::string& why) {
  if (strict()) FAIL("GOCKER_TEST_STRICT=1 and " << why);
  std::fprintf(stderr,
               "\n**********************************************************************\n"
               "SKIP (this case): %s\n"
               "**********************************************************************\n\n",
               why.c_str());
  MESSAGE("SKIP (this case): " << why);
  if (!g_case_skipped) std::atexit(exit_77_if_skipped);
  g_case_skipped = true;
}

// The program's path, or "" when it is not installed.
std::string installed(const std::string& program, const std::vector<std::string>& also = {}) {
  const std::string found = detail::find_on_path(program);
  if (found.find('/') != std::string::npos && ::access(found.c_str(), X_OK) == 0) return found;
  for (const std::string& candidate : also) {
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// ---- the test's own world ------------------------------------------------------------------------

void write_text(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE_MESSAGE(fd >= 0, "open " << path << ": " << std::strerror(errno));
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
}

// A tmpfs on /run in this (the harness's) mount namespace, once: see the header comment.
void make_run_private() {
  static bool done = false;
  if (done) return;
  REQUIRE_MESSAGE(::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") == 0,
                  "mount a tmpfs on /run in the test's mount namespace: " << std::strerror(errno));
  done = true;
}

std::multiset<std::string> mount_points() {
  std::multiset<std::string> points;
  for (const MountEntry& entry : read_mountinfo()) points.insert(entry.mount_point);
  return points;
}

std::string read_cmdline(pid_t pid) {
  std::string text = read_file("/proc/" + std::to_string(pid) + "/cmdline").value_or("");
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  return text;
}

// Processes (not this one) whose command line mentions `needle` (a temp dir, a container id).
std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> found;
  DIR* proc = ::opendir("/proc");
  if (!proc) return found;
  while (dirent* entry = ::readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0 || pid == ::getpid()) continue;
    if (contains(read_cmdline(pid), needle)) found.push_back(pid);
  }
  ::closedir(proc);
  return found;
}

// Waits (pidfd) for each process mentioning `needle` to exit; returns those still there.
std::vector<pid_t> lingering(const std::string& needle, std::chrono::milliseconds timeout = 15s) {
  const auto deadline = Clock::now() + timeout;
  for (pid_t pid : processes_mentioning(needle)) {
    int pidfd = open_pidfd(pid);
    if (pidfd < 0) continue;
    (void)wait_pidfd_exit(pidfd, std::chrono::milliseconds(detail::remaining_ms(deadline)));
    ::close(pidfd);
  }
  std::vector<pid_t> left;
  for (pid_t pid : processes_mentioning(needle)) {
    // A zombie (an engine's process whose parent PID 1 does not reap) is gone for every purpose.
    const std::string status = read_file("/proc/" + std::to_string(pid) + "/stat").value_or("");
    const size_t paren = status.rfind(')');
    if (paren != std::string::npos && paren + 2 < status.size() && status[paren + 2] == 'Z') continue;
    left.push_back(pid);
  }
  return left;
}

std::string describe_processes(const std::vector<pid_t>& pids) {
  std::string text;
  for (pid_t pid : pids) text += "\n  " + std::to_string(pid) + ": " + read_cmdline(pid);
  return text;
}

// Subdirectories (not the parent itself) of the cgroup parent in any hierarchy.
std::vector<std::string> cgroups_below(const std::string& cgroup_parent) {
  std::vector<std::string> below;
  for (const std::string& dir : cgroup_parent_dirs(cgroup_parent)) {
    const std::string tail = dir.substr(dir.find(cgroup_parent) + cgroup_parent.size());
    if (!tail.empty() && tail != "/") below.push_back(dir);
  }
  return below;
}

// A temp dir (short: socket paths) with the cgroup parent the engine's containers go under, and
// the teardown of everything an engine may have left: processes mentioning the dir or sitting in
// the cgroup parent (SIGKILL by PID), mounts below the dir, the cgroup directories, the dir.
struct Workspace {
  std::string dir;
  std::string cgroup_parent;

  explicit Workspace(const std::string& engine) {
    char pattern[] = "/tmp/goe.XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    dir = pattern;
    cgroup_parent = "gocker-oci-test-" + std::to_string(::getpid()) + "-" + engine;
  }
  ~Workspace() {
    std::vector<pid_t> victims = processes_mentioning(dir);
    for (const std::string& cgroup : cgroup_parent_dirs(cgroup_parent)) {
      for (const std::string& line : split_lines(read_file(cgroup + "/cgroup.procs").value_or(""))) {
        if (!line.empty()) victims.push_back(static_cast<pid_t>(std::atoi(line.c_str())));
      }
    }
    for (pid_t pid : victims) {
      if (pid <= 1 || pid == ::getpid()) continue;
      int pidfd = open_pidfd(pid);
      if (pidfd < 0) continue;
      (void)send_signal(pidfd, SIGKILL);
      (void)wait_pidfd_exit(pidfd, 10s);
      ::close(pidfd);
    }
    auto under = mounts_under(dir);
    for (auto it = under.rbegin(); it != under.rend(); ++it) ::umount2(it->mount_point.c_str(), MNT_DETACH);
    for (const std::string& cgroup : cgroup_parent_dirs(cgroup_parent)) ::rmdir(cgroup.c_str());
    if (std::getenv("GOCKER_TEST_KEEP_ROOT") == nullptr) (void)run_command({"rm", "-rf", dir});
  }
};

bool starts_with_pts(const std::string& text) { return text.rfind("/dev/pts/", 0) == 0; }

std::string busybox_tar() { return image_dir() + "/busybox-rootfs.tar"; }

// The runtime's own view: `gocker-runc --root ROOT list -q`.
std::string runtime_list(const std::string& root) {
  auto listed = run_command({runc_binary(), "--root", root, "list", "-q"});
  CHECK_MESSAGE(listed.exit_code == 0, listed.describe());
  return listed.out;
}

bool directory_is_empty_or_absent(const std::string& path) {
  DIR* directory = ::opendir(path.c_str());
  if (!directory) return true;
  bool empty = true;
  while (dirent* entry = ::readdir(directory)) {
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) empty = false;
  }
  ::closedir(directory);
  return empty;
}

// soft:hard, both at most 1024 and within this process's hard limit (podman lowers its own
// limits for conmon and the runtime, so that hard limit is not the one to copy).
std::string podman_ulimit(int resource, const char* name) {
  struct rlimit limit {};
  ::getrlimit(resource, &limit);
  const rlim_t value = std::min<rlim_t>(limit.rlim_max, 1024);
  return std::string(name) + "=" + std::to_string(value) + ":" + std::to_string(value);
}

}  // namespace

// ---- podman ----------------------------------------------------------------------------------------

TEST_CASE("podman 4.3 runs containers with --runtime gocker-runc") {
  const std::string podman = installed("podman");
  const std::string conmon = installed("conmon", {"/usr/libexec/podman/conmon"});
  if (podman.empty() || conmon.empty()) {
    skip_case("podman or conmon is not installed (scripts/install-deps.sh --test installs them)");
    return;
  }
  make_run_private();
  Workspace space("podman");
  const std::string& t = space.dir;
  // podman's default ulimits (1048576 open files) are above this host's hard limits, which root
  // without CAP_SYS_RESOURCE cannot raise (any runtime fails so): the test's own limits instead.
  write_text(t + "/containers.conf",
             "[containers]\n"
             "default_ulimits = [\"" + podman_ulimit(RLIMIT_NOFILE, "nofile") + "\", \"" +
                 podman_ulimit(RLIMIT_NPROC, "nproc") + "\"]\n"
             "netns = \"none\"\n"
             "[engine]\n"
             "cgroup_manager = \"cgroupfs\"\n"
             "events_logger = \"file\"\n"
             "events_logfile_path = \"" + t + "/events.log\"\n"
             "tmp_dir = \"" + t + "/tmp\"\n"
             "static_dir = \"" + t + "/static\"\n"
             "volume_path = \"" + t + "/volumes\"\n");
  write_text(t + "/storage.conf",
             "[storage]\n"
             "driver = \"vfs\"\n"
             "runroot = \"" + t + "/runroot\"\n"
             "graphroot = \"" + t + "/root\"\n");
  // podman passes no --root to the runtime (and its cleanup process no runtime flags at all): the
  // runtime uses its default, /run/gocker-runc, private to this mount namespace.
  const std::string runtime_root = "/run/gocker-runc";
  const Env env = {{"CONTAINERS_CONF", t + "/containers.conf"}, {"CONTAINERS_STORAGE_CONF", t + "/storage.conf"}};
  auto run_podman = [&](std::vector<std::string> args, std::optional<std::string> stdin_data = std::nullopt) {
    std::vector<std::string> argv = {podman, "--root", t + "/root", "--runroot", t + "/runroot", "--storage-driver", "vfs",
                                     "--cgroup-manager", "cgroupfs", "--tmpdir", t + "/tmp", "--runtime", runc_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandOptions options;
    options.env = env;
    options.stdin_data = std::move(stdin_data);
    options.timeout = 60s;
    return run_command(argv, options);
  };
  const std::string cgroup_parent = "/" + space.cgroup_parent;
  auto run_args = [&](std::vector<std::string> tail) {
    std::vector<std::string> args = {"run", "--network", "none", "--cgroup-parent", cgroup_parent};
    args.insert(args.end(), tail.begin(), tail.end());
    return args;
  };

  auto imported = run_podman({"import", "--change", "CMD [\"/bin/sh\"]", busybox_tar(), "localhost/busybox:latest"});
  REQUIRE_MESSAGE(imported.exit_code == 0, imported.describe());
  const auto mounts_before = mount_points();

  SUBCASE("run --rm: output and exit codes") {
    auto hello = run_podman(run_args({"--rm", "localhost/busybox", "echo", "hi"}));
    CHECK_MESSAGE(hello.exit_code == 0, hello.describe());
    CHECK(hello.out == "hi\n");
    auto failed = run_podman(run_args({"--rm", "localhost/busybox", "sh", "-c", "exit 3"}));
    CHECK_MESSAGE(failed.exit_code == 3, failed.describe());
    auto missing = run_podman(run_args({"--rm", "localhost/busybox", "/no/such/program"}));
    CHECK_MESSAGE(missing.exit_code == 127, missing.describe());
  }

  SUBCASE("run -d, exec (pipes, stdin, a terminal), stop, rm") {
    auto started = run_podman(
        run_args({"-d", "--name", "top", "localhost/busybox", "sh", "-c", "trap 'exit 7' TERM; sleep 1000 & wait"}));
    REQUIRE_MESSAGE(started.exit_code == 0, started.describe());
    const std::string id = trim(started.out);
    REQUIRE(id.size() == 64);
    auto state = run_command({runc_binary(), "--root", runtime_root, "state", id});
    CHECK_MESSAGE(state.exit_code == 0, state.describe());
    CHECK(contains(state.out, "\"status\": \"running\""));

    auto exec = run_podman({"exec", "top", "sh", "-c", "echo in-exec; echo to-stderr >&2; exit 4"});
    CHECK_MESSAGE(exec.exit_code == 4, exec.describe());
    CHECK(exec.out == "in-exec\n");
    CHECK(exec.err == "to-stderr\n");
    auto piped = run_podman({"exec", "-i", "top", "cat"}, std::string("through stdin\n"));
    CHECK_MESSAGE(piped.exit_code == 0, piped.describe());
    CHECK(piped.out == "through stdin\n");
    // conmon runs `exec --console-socket --tty`: the pty master comes over the console socket.
    auto terminal = run_podman({"exec", "-t", "top", "sh", "-c", "tty; exit 5"});
    CHECK_MESSAGE(terminal.exit_code == 5, terminal.describe());
    CHECK_MESSAGE(starts_with_pts(terminal.out), terminal.describe());
    auto ps = run_podman({"exec", "top", "ps", "-o", "pid,args"});
    CHECK_MESSAGE(contains(ps.out, "1 sh -c trap"), ps.describe());

    auto stopped = run_podman({"stop", "-t", "20", "top"});
    CHECK_MESSAGE(stopped.exit_code == 0, stopped.describe());
    auto exit_code = run_podman({"inspect", "--format", "{{.State.ExitCode}}", "top"});
    CHECK_MESSAGE(trim(exit_code.out) == "7", exit_code.describe());
    auto removed = run_podman({"rm", "top"});
    CHECK_MESSAGE(removed.exit_code == 0, removed.describe());
    const auto left = lingering(id);
    CHECK_MESSAGE(left.empty(), "processes of the container are left: " << describe_processes(left));
  }

  // Nothing of gocker-runc's is left once podman removed its containers.
  const std::string listed = runtime_list(runtime_root);
  CHECK_MESSAGE(listed.empty(), "containers left: " << listed);
  CHECK_MESSAGE(directory_is_empty_or_absent(runtime_root), "state left under " << runtime_root);
  const auto cgroups = cgroups_below(space.cgroup_parent);
  for (const std::string& cgroup : cgroups) CHECK_MESSAGE(!contains(cgroup, "libpod-"), "cgroup left: " << cgroup);
  CHECK(mount_points() == mounts_before);
}

// ---- dockerd ---------------------------------------------------------------------------------------

namespace {

// dockerd, started by the test and stopped by PID: its output in a log file, readiness from its
// sd_notify READY=1 on a socket the test owns (SO_PASSCRED: the containerd it starts may notify
// the same socket, only dockerd's own message counts).
struct Dockerd {
  pid_t pid = -1;
  int pidfd = -1;
  std::string log_path;
  std::string error;

  Dockerd(const std::vector<std::string>& argv, const std::string& notify_path, const std::string& log) : log_path(log) {
    int notify = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(notify >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(notify_path.size() < sizeof address.sun_path);
    std::strcpy(address.sun_path, notify_path.c_str());
    REQUIRE(::bind(notify, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    int on = 1;
    REQUIRE(::setsockopt(notify, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == 0);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> strings = argv;
    std::vector<char*> pointers = detail::as_argv(strings);
    std::vector<std::string> environment = detail::build_environment({{"NOTIFY_SOCKET", notify_path}});
    std::vector<char*> envp = detail::as_argv(environment);
    const int spawned = ::posix_spawn(&pid, strings[0].c_str(), &actions, nullptr, pointers.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      error = "spawn " + strings[0] + ": " + std::strerror(spawned);
      pid = -1;
      ::close(notify);
      return;
    }
    pidfd = open_pidfd(pid);
    const auto deadline = Clock::now() + 60s;
    bool ready = false;
    while (!ready && error.empty()) {
      pollfd fds[2] = {{notify, POLLIN, 0}, {pidfd, POLLIN, 0}};
      const int polled = ::poll(fds, 2, detail::remaining_ms(deadline));
      if (polled == 0) error = "dockerd did not report READY=1 within 60 s";
      if (polled < 0 && errno != EINTR) error = std::string("poll: ") + std::strerror(errno);
      if (polled <= 0) continue;
      if (fds[1].revents) error = "dockerd exited during start";
      if (!(fds[0].revents & POLLIN)) continue;
      char text[4096];
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
      iovec part = {text, sizeof text - 1};
      msghdr message{};
      message.msg_iov = &part;
      message.msg_iovlen = 1;
      message.msg_control = control;
      message.msg_controllen = sizeof control;
      const ssize_t got = ::recvmsg(notify, &message, MSG_DONTWAIT);
      if (got <= 0) continue;
      text[got] = '\0';
      pid_t sender = -1;
      for (cmsghdr* header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_CREDENTIALS) {
          ucred credentials{};
          std::memcpy(&credentials, CMSG_DATA(header), sizeof credentials);
          sender = credentials.pid;
        }
      }
      if (sender == pid && contains(text, "READY=1")) ready = true;
    }
    ::close(notify);
    if (!error.empty()) error += "\n--- dockerd log ---\n" + detail::tail_of(read_file(log_path).value_or(""), 6000);
  }

  // SIGTERM (dockerd stops its containerd and the shims), SIGKILL after 60 s; reaped either way.
  int stop() {
    if (pid <= 0) return -1;
    (void)send_signal(pidfd, SIGTERM);
    if (!wait_pidfd_exit(pidfd, 60s)) (void)send_signal(pidfd, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ::close(pidfd);
    pid = -1;
    return detail::decode_wait_status(status);
  }
  ~Dockerd() { (void)stop(); }
};

}  // namespace

TEST_CASE("dockerd 20.10 runs containers with --add-runtime gocker=gocker-runc") {
  const std::string dockerd = installed("dockerd", {"/usr/sbin/dockerd"});
  const std::string containerd = installed("containerd");
  const std::string shim = installed("containerd-shim-runc-v2");
  const std::string docker = docker_cli_path();
  if (dockerd.empty() || containerd.empty() || shim.empty() || docker.empty()) {
    skip_case("dockerd, containerd, containerd-shim-runc-v2 or the docker CLI is not installed "
              "(scripts/install-deps.sh --test installs Debian's docker.io)");
    return;
  }
  make_run_private();
  Workspace space("docker");
  const std::string& t = space.dir;
  // dockerd 20.10 keeps its identity key in /etc/docker/key.json unless told otherwise.
  write_text(t + "/daemon.json", "{\"deprecated-key-path\": \"" + t + "/key.json\"}\n");
  const std::string socket = t + "/docker.sock";
  std::vector<std::string> argv = {dockerd,
                                   "--config-file", t + "/daemon.json",
                                   "--data-root", t + "/data",
                                   "--exec-root", t + "/exec",
                                   "--pidfile", t + "/dockerd.pid",
                                   "-H", "unix://" + socket,
                                   "--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-forward=false",
                                   "--ip-masq=false",
                                   "--storage-driver", "vfs",
                                   "--cgroup-parent", "/" + space.cgroup_parent,
                                   "--add-runtime", "gocker=" + runc_binary()};
  Dockerd daemon(argv, t + "/notify.sock", t + "/dockerd.log");
  REQUIRE_MESSAGE(daemon.error.empty(), daemon.error);
  auto run_docker = [&](std::vector<std::string> args, std::optional<std::string> stdin_data = std::nullopt) {
    std::vector<std::string> full = {docker, "-H", "unix://" + socket};
    full.insert(full.end(), args.begin(), args.end());
    CommandOptions options;
    options.env = {{"DOCKER_CONFIG", t + "/cli"}};
    options.stdin_data = std::move(stdin_data);
    options.timeout = 60s;
    return run_command(full, options);
  };
  auto dump_log = [&] { return detail::tail_of(read_file(daemon.log_path).value_or(""), 6000); };
  // containerd-shim-runc-v2 calls the runtime with --root <exec-root>/runtime-runc/moby.
  const std::string runtime_root = t + "/exec/runtime-runc/moby";

  auto imported = run_docker({"import", "--change", "CMD [\"/bin/sh\"]", busybox_tar(), "busybox:latest"});
  REQUIRE_MESSAGE(imported.exit_code == 0, imported.describe());
  const auto mounts_before = mount_points();

  SUBCASE("run --rm: output and exit codes") {
    auto hello = run_docker({"run", "--runtime", "gocker", "--rm", "busybox", "echo", "hi"});
    CHECK_MESSAGE(hello.exit_code == 0, hello.describe() << dump_log());
    CHECK(hello.out == "hi\n");
    auto failed = run_docker({"run", "--runtime", "gocker", "--rm", "busybox", "sh", "-c", "exit 3"});
    CHECK_MESSAGE(failed.exit_code == 3, failed.describe());
    auto piped = run_docker({"run", "--runtime", "gocker", "--rm", "-i", "busybox", "cat"}, std::string("stdin\n"));
    CHECK_MESSAGE(piped.exit_code == 0, piped.describe());
    CHECK(piped.out == "stdin\n");
    auto missing = run_docker({"run", "--runtime", "gocker", "--rm", "busybox", "/no/such/program"});
    CHECK_MESSAGE(missing.exit_code == 127, missing.describe());
  }

  SUBCASE("run -d, exec (pipes, stdin, a terminal), stop, rm") {
    auto started = run_docker({"run", "--runtime", "gocker", "-d", "--name", "top", "busybox", "sh", "-c",
                               "trap 'exit 7' TERM; sleep 1000 & wait"});
    REQUIRE_MESSAGE(started.exit_code == 0, started.describe() << dump_log());
    const std::string id = trim(started.out);
    REQUIRE(id.size() == 64);
    auto state = run_command({runc_binary(), "--root", runtime_root, "state", id});
    CHECK_MESSAGE(state.exit_code == 0, state.describe());
    CHECK(contains(state.out, "\"status\": \"running\""));

    auto exec = run_docker({"exec", "top", "sh", "-c", "echo in-exec; echo to-stderr >&2; exit 4"});
    CHECK_MESSAGE(exec.exit_code == 4, exec.describe());
    CHECK(exec.out == "in-exec\n");
    CHECK(exec.err == "to-stderr\n");
    auto piped = run_docker({"exec", "-i", "top", "cat"}, std::string("through stdin\n"));
    CHECK_MESSAGE(piped.exit_code == 0, piped.describe());
    CHECK(piped.out == "through stdin\n");
    // The shim runs `exec --console-socket --detach` with a terminal process.
    auto terminal = run_docker({"exec", "-t", "top", "sh", "-c", "tty; exit 5"});
    CHECK_MESSAGE(terminal.exit_code == 5, terminal.describe());
    CHECK_MESSAGE(starts_with_pts(terminal.out), terminal.describe());
    auto top = run_docker({"top", "top"});
    CHECK_MESSAGE(contains(top.out, "sleep 1000"), top.describe());

    auto stopped = run_docker({"stop", "-t", "20", "top"});
    CHECK_MESSAGE(stopped.exit_code == 0, stopped.describe());
    auto exit_code = run_docker({"inspect", "--format", "{{.State.ExitCode}}", "top"});
    CHECK_MESSAGE(trim(exit_code.out) == "7", exit_code.describe());
    auto removed = run_docker({"rm", "top"});
    CHECK_MESSAGE(removed.exit_code == 0, removed.describe());
    const auto left = lingering(id);
    CHECK_MESSAGE(left.empty(), "processes of the container are left: " << describe_processes(left));
  }

  const std::string listed = runtime_list(runtime_root);
  CHECK_MESSAGE(listed.empty(), "containers left: " << listed << dump_log());
  CHECK_MESSAGE(directory_is_empty_or_absent(runtime_root), "state left under " << runtime_root);
  const auto cgroups = cgroups_below(space.cgroup_parent);
  CHECK_MESSAGE(cgroups.empty(), "cgroups left: " << cgroups.size() << (cgroups.empty() ? "" : ", " + cgroups.front()));
  CHECK(mount_points() == mounts_before);

  const int status = daemon.stop();
  CHECK_MESSAGE(status == 0, "dockerd exit status " << status << "\n" << dump_log());
  // containerd and its shims go with dockerd; nothing of the workspace runs on.
  const auto left = lingering(t);
  CHECK_MESSAGE(left.empty(), "left running: " << describe_processes(left));
}
