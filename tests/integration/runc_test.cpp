// gocker-runc, the runc-compatible CLI (runc/), on the real kernel: the lifecycle a engine drives
// (create, state, start, kill, delete), run, errors as runc gives them, --console-socket and
// --preserve-fds, and that delete leaves no state dir, mount, cgroup or process behind.
//
// The harness has unshared a mount and network namespace before main (tests/support/harness.hpp).
// Each test gets its own --root and bundle under one temp dir; the bundles share one extracted
// busybox rootfs (root.path is absolute) and bind a per-bundle directory at /io for output.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <filesystem>
#include <functional>
#include <thread>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/support/harness.hpp"

using namespace gocker::test;
using nlohmann::json;

namespace {

std::string runc_binary() {
  const char* from_env = std::getenv("GOCKER_RUNC_BIN");
  return from_env ? from_env : GOCKER_RUNC_BIN;
}

std::multiset<std::string> mount_points() {
  std::multiset<std::string> points;
  for (const MountEntry& entry : read_mountinfo()) points.insert(entry.mount_point);
  return points;
}

struct World {
  std::string temp;
  std::string rootfs;
  std::string cgroup_parent = "gocker-runc-test-" + std::to_string(::getpid());
  std::string setup_error;
  int bundles = 0;

  World() {
    char pattern[] = "/tmp/grc.XXXXXX";
    if (!::mkdtemp(pattern)) {
      setup_error = "mkdtemp failed";
      return;
    }
    temp = pattern;
    rootfs = temp + "/rootfs";
    ::mkdir(rootfs.c_str(), 0755);
    std::string tarball = image_dir() + "/busybox-rootfs.tar";
    auto extracted = run_command({"tar", "-xf", tarball, "-C", rootfs});
    if (extracted.exit_code != 0) setup_error = "extract " + tarball + ": " + extracted.describe();
  }
  ~World() {
    for (const std::string& dir : cgroup_parent_dirs(cgroup_parent)) ::rmdir(dir.c_str());
    if (!temp.empty()) (void)run_command({"rm", "-rf", temp});
  }
};

World& world() {
  static World instance;
  REQUIRE_MESSAGE(instance.setup_error.empty(), instance.setup_error);
  return instance;
}

void write_text(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
}

// A bundle of its own with an empty io/ directory bound at /io, and a --root of its own.
struct Bundle {
  std::string dir;
  std::string root;
  std::string io;
  std::string id;
  std::string cgroup_path;

  explicit Bundle(const std::vector<std::string>& args, bool terminal = false, const json& hooks = json()) {
    World& w = world();
    int number = ++w.bundles;
    dir = w.temp + "/b" + std::to_string(number);
    root = w.temp + "/root" + std::to_string(number);
    io = dir + "/io";
    id = "c" + std::to_string(number);
    cgroup_path = w.cgroup_parent + "/" + id;
    ::mkdir(dir.c_str(), 0755);
    ::mkdir(io.c_str(), 0777);
    json mounts = json::array({
        {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
        {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"nosuid", "mode=755"}}},
        {{"destination", "/dev/pts"},
         {"type", "devpts"},
         {"source", "devpts"},
         {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}}},
        {{"destination", "/io"}, {"type", "bind"}, {"source", io}, {"options", {"rbind", "rw"}}},
    });
    json namespaces = json::array();
    for (const char* type : {"pid", "network", "ipc", "uts", "mount"}) namespaces.push_back({{"type", type}});
    json config = {
        {"ociVersion", "1.1.0"},
        {"process",
         {{"terminal", terminal},
          {"user", {{"uid", 0}, {"gid", 0}}},
          {"args", args},
          {"env", {"PATH=/bin:/usr/bin:/sbin:/usr/sbin"}},
          {"cwd", "/"}}},
        {"root", {{"path", w.rootfs}}},
        {"hostname", "runc-test"},
        {"mounts", mounts},
        {"annotations", {{"org.example.key", "value"}}},
        {"linux", {{"namespaces", namespaces}, {"cgroupsPath", "/" + cgroup_path}}},
    };
    if (!hooks.is_null()) config["hooks"] = hooks;
    write_text(dir + "/config.json", config.dump(1));
  }

  std::vector<std::string> command(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {runc_binary(), "--root", root};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  CommandResult runc(const std::vector<std::string>& args) const { return run_command(command(args)); }
  json state() const {
    auto result = runc({"state", id});
    REQUIRE_MESSAGE(result.exit_code == 0, result.describe());
    json parsed = json::parse(result.out, nullptr, false);
    REQUIRE_MESSAGE(parsed.is_object(), result.out);
    return parsed;
  }
};

// Runs gocker-runc with its stdout and stderr going to files (the container inherits them and
// outlives the command, so a captured pipe would only end with the container). Returns the exit
// code; extra_fds are passed on as 3, 4, ...
int run_to_files(const std::vector<std::string>& argv, const std::string& out, const std::string& err,
                 const std::vector<int>& extra_fds = {}) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  for (size_t index = 0; index < extra_fds.size(); ++index) {
    posix_spawn_file_actions_adddup2(&actions, extra_fds[index], 3 + static_cast<int>(index));
  }
  std::vector<std::string> strings = argv;
  std::vector<char*> pointers;
  for (std::string& value : strings) pointers.push_back(value.data());
  pointers.push_back(nullptr);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, strings[0].c_str(), &actions, nullptr, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(spawned == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Waits for a process (by pid) to exit through a pidfd; true if it is gone.
bool wait_gone(pid_t pid, std::chrono::milliseconds timeout = 10s) {
  int pidfd = open_pidfd(pid);
  if (pidfd < 0) return true;
  bool gone = wait_pidfd_exit(pidfd, timeout);
  ::close(pidfd);
  return gone;
}

bool path_exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

}  // namespace

TEST_CASE("create waits, start runs the process, kill and delete leave nothing behind") {
  Bundle bundle({"sh", "-c", "echo started > /io/marker; echo hello $(hostname); exec sleep 100"});
  auto mounts_before = mount_points();
  std::string out = bundle.dir + "/out", err = bundle.dir + "/err", pid_file = bundle.dir + "/pid";
  int created = run_to_files(bundle.command({"create", "--bundle", bundle.dir, "--pid-file", pid_file, bundle.id}), out, err);
  REQUIRE_MESSAGE(created == 0, read_file(err).value_or(""));

  json state = bundle.state();
  CHECK(state["ociVersion"] == "1.1.0");
  CHECK(state["id"] == bundle.id);
  CHECK(state["status"] == "created");
  CHECK(state["bundle"] == bundle.dir);
  CHECK(state["annotations"]["org.example.key"] == "value");
  int pid = state["pid"].get<int>();
  CHECK(pid > 0);
  CHECK(trim(read_file(pid_file).value_or("")) == std::to_string(pid));
  // process.args are not applied before start.
  CHECK_FALSE(path_exists(bundle.io + "/marker"));
  auto listed = bundle.runc({"list", "-q"});
  CHECK(listed.out == bundle.id + "\n");

  auto started = bundle.runc({"start", bundle.id});
  REQUIRE_MESSAGE(started.exit_code == 0, started.describe());
  CHECK(wait_for_file_content(out, "hello runc-test\n", 10s));
  CHECK(read_file(bundle.io + "/marker") == "started\n");
  CHECK(bundle.state()["status"] == "running");
  auto again = bundle.runc({"start", bundle.id});
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "cannot start an already running container"));
  auto refused = bundle.runc({"delete", bundle.id});
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "cannot delete container " + bundle.id + " that is not stopped: running"));

  auto cgroups = cgroup_parent_dirs(bundle.cgroup_path);
  CHECK_FALSE(cgroups.empty());
  json monitor = json::parse(read_file(bundle.root + "/" + bundle.id + "/monitor.json").value_or(""), nullptr, false);
  REQUIRE(monitor.is_object());
  pid_t monitor_pid = monitor["monitor"]["pid"].get<pid_t>();

  auto killed = bundle.runc({"kill", bundle.id, "KILL"});
  REQUIRE_MESSAGE(killed.exit_code == 0, killed.describe());
  CHECK(wait_gone(pid));
  CHECK(bundle.state()["status"] == "stopped");
  auto kill_stopped = bundle.runc({"kill", bundle.id, "9"});
  CHECK(kill_stopped.exit_code == 1);
  CHECK(contains(kill_stopped.err, "container not running"));

  auto deleted = bundle.runc({"delete", bundle.id});
  REQUIRE_MESSAGE(deleted.exit_code == 0, deleted.describe());
  CHECK(wait_gone(monitor_pid));
  CHECK_FALSE(path_exists(bundle.root + "/" + bundle.id));
  CHECK(cgroup_parent_dirs(bundle.cgroup_path).empty());
  CHECK(mount_points() == mounts_before);
  auto gone = bundle.runc({"state", bundle.id});
  CHECK(gone.exit_code == 1);
  CHECK(contains(gone.err, "container does not exist"));
}

TEST_CASE("a created container can be killed and deleted, and delete --force ends a running one") {
  Bundle bundle({"sleep", "100"});
  std::string out = bundle.dir + "/out", err = bundle.dir + "/err";
  REQUIRE(run_to_files(bundle.command({"create", "-b", bundle.dir, bundle.id}), out, err) == 0);
  int pid = bundle.state()["pid"].get<int>();
  auto refused = bundle.runc({"delete", bundle.id});
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "that is not stopped: created"));
  REQUIRE(bundle.runc({"kill", bundle.id, "SIGKILL"}).exit_code == 0);
  CHECK(wait_gone(pid));
  CHECK(bundle.state()["status"] == "stopped");
  auto start_stopped = bundle.runc({"start", bundle.id});
  CHECK(start_stopped.exit_code == 1);
  CHECK(contains(start_stopped.err, "cannot start a container that has stopped"));
  REQUIRE(bundle.runc({"delete", bundle.id}).exit_code == 0);

  REQUIRE(run_to_files(bundle.command({"run", "-d", "-b", bundle.dir, bundle.id}), out, err) == 0);
  CHECK(bundle.state()["status"] == "running");
  auto forced = bundle.runc({"delete", "--force", bundle.id});
  REQUIRE_MESSAGE(forced.exit_code == 0, forced.describe());
  CHECK_FALSE(path_exists(bundle.root + "/" + bundle.id));
  CHECK(cgroup_parent_dirs(bundle.cgroup_path).empty());
  CHECK(bundle.runc({"delete", "--force", bundle.id}).exit_code == 0);  // not there: fine with --force
}

TEST_CASE("pause freezes every process and state says so; resume thaws; ps lists the cgroup's processes") {
  // The init ticks into /io/ticks (a bind of the bundle's io/, so visible here) every 20 ms.
  Bundle bundle({"sh", "-c", "sleep 200 & while :; do echo x >> /io/ticks; usleep 20000; done"});
  std::string out = bundle.dir + "/out", err = bundle.dir + "/err";
  REQUIRE(run_to_files(bundle.command({"run", "-d", "-b", bundle.dir, bundle.id}), out, err) == 0);
  const int pid = bundle.state()["pid"].get<int>();

  // ps: the init and its child, as pids and as ps prints them.
  auto listed = bundle.runc({"ps", "--format", "json", bundle.id});
  REQUIRE_MESSAGE(listed.exit_code == 0, listed.describe());
  auto pids = json::parse(listed.out);
  REQUIRE(pids.is_array());
  CHECK(pids.size() >= 2);  // sh, sleep 200, and now and then a usleep
  CHECK(std::find(pids.begin(), pids.end(), pid) != pids.end());
  auto table = bundle.runc({"ps", bundle.id, "-o", "pid,args"});
  REQUIRE_MESSAGE(table.exit_code == 0, table.describe());
  CHECK(contains(table.out, "PID"));
  CHECK(contains(table.out, "sleep 200"));
  CHECK_FALSE(contains(table.out, "gocker-runc"));

  const std::string ticks = bundle.io + "/ticks";
  auto tick_count = [&] { return std::filesystem::exists(ticks) ? std::filesystem::file_size(ticks) : 0; };
  REQUIRE(bundle.runc({"pause", bundle.id}).exit_code == 0);
  CHECK(bundle.state()["status"] == "paused");
  // Frozen: not one tick while paused.
  const auto frozen_at = tick_count();
  std::this_thread::sleep_for(300ms);
  CHECK(tick_count() == frozen_at);
  auto listed_paused = bundle.runc({"list", "--format", "json"});
  CHECK(contains(listed_paused.out, "\"status\":\"paused\""));
  auto again = bundle.runc({"pause", bundle.id});
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "already paused"));

  REQUIRE(bundle.runc({"resume", bundle.id}).exit_code == 0);
  CHECK(bundle.state()["status"] == "running");
  const auto deadline = Clock::now() + 5s;
  while (tick_count() == frozen_at && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  CHECK(tick_count() > frozen_at);
  auto not_paused = bundle.runc({"resume", bundle.id});
  CHECK(not_paused.exit_code == 1);
  CHECK(contains(not_paused.err, "container not paused"));

  // A paused container still goes with delete --force, cgroup and all.
  REQUIRE(bundle.runc({"pause", bundle.id}).exit_code == 0);
  auto forced = bundle.runc({"delete", "--force", bundle.id});
  REQUIRE_MESSAGE(forced.exit_code == 0, forced.describe());
  CHECK(wait_gone(pid));
  CHECK(cgroup_parent_dirs(bundle.cgroup_path).empty());
  auto gone = bundle.runc({"pause", bundle.id});
  CHECK(gone.exit_code == 1);
}

TEST_CASE("exec: a process in the container's namespaces and cgroup, its stdio relayed, its exit code returned") {
  Bundle bundle({"sleep", "100"});
  std::string out = bundle.dir + "/out", err = bundle.dir + "/err";
  REQUIRE(run_to_files(bundle.command({"run", "-d", "-b", bundle.dir, bundle.id}), out, err) == 0);

  auto ran = bundle.runc({"exec", bundle.id, "sh", "-c", "echo out; echo err >&2; hostname; exit 7"});
  CHECK(ran.exit_code == 7);
  CHECK(ran.out == "out\nrunc-test\n");
  CHECK(contains(ran.err, "err\n"));
  auto piped = run_command(bundle.command({"exec", bundle.id, "cat"}), CommandOptions{"through stdin\n", {}});
  CHECK(piped.exit_code == 0);
  CHECK(piped.out == "through stdin\n");
  auto flags = bundle.runc({"exec", "--cwd", "/tmp", "-e", "FOO=bar", "-u", "65534", bundle.id, "sh", "-c", "pwd; echo $FOO; id -u"});
  CHECK(flags.out == "/tmp\nbar\n65534\n");
  CHECK(bundle.runc({"exec", bundle.id, "no-such-command"}).exit_code == 127);

  // The process is in the container's cgroup: ps sees it next to the init.
  const std::string pid_file = bundle.dir + "/exec.pid";
  // Detached, the process has our stdio (as with runc): files, not pipes that it would hold open.
  REQUIRE(run_to_files(bundle.command({"exec", "-d", "--pid-file", pid_file, bundle.id, "sleep", "50"}), out, err) == 0);
  std::ifstream pid_in(pid_file);
  int exec_pid = 0;
  pid_in >> exec_pid;
  CHECK(exec_pid > 0);
  auto pids = json::parse(bundle.runc({"ps", "--format", "json", bundle.id}).out);
  CHECK(std::find(pids.begin(), pids.end(), exec_pid) != pids.end());

  write_text(bundle.dir + "/process.json", R"({"args":["sh","-c","echo from a process file"],"cwd":"/","user":{"uid":0,"gid":0}})");
  auto from_file = bundle.runc({"exec", "-p", bundle.dir + "/process.json", bundle.id});
  CHECK(from_file.out == "from a process file\n");

  auto deleted = bundle.runc({"delete", "--force", bundle.id});
  INFO(deleted.describe());
  REQUIRE(deleted.exit_code == 0);
  CHECK(wait_gone(exec_pid));
  auto stopped = bundle.runc({"exec", bundle.id, "true"});
  CHECK(stopped.exit_code == 1);
}

TEST_CASE("a config that denies every device (as runc spec writes) still gets the devices every container has") {
  Bundle bundle({"sh", "-c", "echo x > /dev/null && head -c 4 /dev/urandom | wc -c && ls /dev/pts/ptmx"});
  std::ifstream in(bundle.dir + "/config.json");
  json config = json::parse(in);
  config["linux"]["resources"]["devices"] = json::array({{{"allow", false}, {"access", "rwm"}}});
  write_text(bundle.dir + "/config.json", config.dump());
  // Twenty times: the init's own mknod of /dev/null must not depend on when it joins the cgroup.
  for (int round = 0; round < 20; ++round) {
    auto ran = bundle.runc({"run", "-b", bundle.dir, bundle.id + "-" + std::to_string(round)});
    INFO("round " << round << ": " << ran.describe());
    REQUIRE(ran.exit_code == 0);
    CHECK(ran.out == "4\n/dev/pts/ptmx\n");
  }
}

TEST_CASE("run in the foreground returns the container's exit code and removes it") {
  Bundle bundle({"sh", "-c", "echo out; echo err >&2; exit 3"});
  std::string out = bundle.dir + "/out", err = bundle.dir + "/err";
  int code = run_to_files(bundle.command({"run", "--bundle", bundle.dir, bundle.id}), out, err);
  CHECK(code == 3);
  CHECK(read_file(out) == "out\n");
  CHECK(read_file(err) == "err\n");
  CHECK_FALSE(path_exists(bundle.root + "/" + bundle.id));
  CHECK(cgroup_parent_dirs(bundle.cgroup_path).empty());
}

TEST_CASE("errors: runc's messages, exit 1, JSON lines with --log-format json") {
  Bundle bundle({"true"});
  auto missing = bundle.runc({"state", "nope"});
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.err, "level=error msg=\"container does not exist\""));
  auto no_id = bundle.runc({"state"});
  CHECK(no_id.exit_code == 1);
  auto bad_id = bundle.runc({"create", "-b", bundle.dir, "../x"});
  CHECK(bad_id.exit_code == 1);
  CHECK(contains(bad_id.err, "invalid id format: ../x"));

  std::string log = bundle.dir + "/runc.log";
  auto logged = bundle.runc({"--log", log, "--log-format", "json", "kill", "nope", "KILL"});
  CHECK(logged.exit_code == 1);
  CHECK(logged.err == "container does not exist\n");
  json line = json::parse(read_file(log).value_or(""), nullptr, false);
  REQUIRE(line.is_object());
  CHECK(line["level"] == "error");
  CHECK(line["msg"] == "container does not exist");
  CHECK(line["time"].is_string());

  std::string out = bundle.dir + "/out", err = bundle.dir + "/err";
  REQUIRE(run_to_files(bundle.command({"create", "-b", bundle.dir, bundle.id}), out, err) == 0);
  CHECK(run_to_files(bundle.command({"create", "-b", bundle.dir, bundle.id}), out, err) == 1);
  CHECK(contains(read_file(err).value_or(""), "container with id exists: " + bundle.id));
  auto bad_signal = bundle.runc({"kill", bundle.id, "NOSUCH"});
  CHECK(bad_signal.exit_code == 1);
  CHECK(contains(bad_signal.err, "unknown signal \\\"NOSUCH\\\""));
  CHECK(bundle.runc({"delete", "-f", bundle.id}).exit_code == 0);
  CHECK_FALSE(path_exists(bundle.root + "/" + bundle.id));
}

TEST_CASE("--preserve-fds passes the caller's fds on as 3, 4, ...") {
  Bundle bundle({"sh", "-c", "echo through-four >&4"});
  int first[2], second[2];
  REQUIRE(::pipe2(first, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(second, O_CLOEXEC) == 0);
  std::string out = bundle.dir + "/out", err = bundle.dir + "/err";
  int code = run_to_files(bundle.command({"run", "--preserve-fds", "2", "-b", bundle.dir, bundle.id}), out, err,
                          {first[1], second[1]});
  ::close(first[1]);
  ::close(second[1]);
  CHECK_MESSAGE(code == 0, read_file(err).value_or(""));
  char buffer[64] = {};
  ssize_t count = ::read(second[0], buffer, sizeof buffer);
  CHECK(std::string(buffer, count > 0 ? static_cast<size_t>(count) : 0) == "through-four\n");
  ::close(first[0]);
  ::close(second[0]);
}

namespace {

// Receives the pty master a runtime sends to a console socket (SCM_RIGHTS); -1 on failure.
int receive_pty_master(int listener) {
  int connection = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (connection < 0) return -1;
  char name[256];
  struct iovec part = {name, sizeof name};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  struct msghdr message {};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  int master = -1;
  if (::recvmsg(connection, &message, MSG_CMSG_CLOEXEC) > 0) {
    struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    if (header != nullptr && header->cmsg_type == SCM_RIGHTS) std::memcpy(&master, CMSG_DATA(header), sizeof master);
  }
  ::close(connection);
  return master;
}

// Everything the terminal shows until it hangs up (or 10 s pass).
std::string read_terminal(int master) {
  std::string output;
  auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    struct pollfd readable = {master, POLLIN, 0};
    if (::poll(&readable, 1, detail::remaining_ms(deadline)) <= 0) break;
    char buffer[256];
    ssize_t count = ::read(master, buffer, sizeof buffer);
    if (count <= 0) break;  // EIO: the terminal hung up
    output.append(buffer, static_cast<size_t>(count));
  }
  return output;
}

int listen_on(const std::string& path) {
  int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  struct sockaddr_un address {};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  return listener;
}

}  // namespace

TEST_CASE("--console-socket receives the pty master of a terminal container") {
  Bundle bundle({"sh", "-c", "tty; stty size"}, /*terminal=*/true);
  std::string socket_path = bundle.dir + "/console.sock";
  int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  struct sockaddr_un address {};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof(address.sun_path) - 1);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  auto no_socket = bundle.runc({"create", "-b", bundle.dir, bundle.id});
  CHECK(no_socket.exit_code == 1);
  CHECK(contains(no_socket.err, "cannot allocate tty if runc will detach without setting console socket"));

  std::string out = bundle.dir + "/out", err = bundle.dir + "/err";
  REQUIRE(run_to_files(bundle.command({"create", "--console-socket", socket_path, "-b", bundle.dir, bundle.id}), out,
                       err) == 0);
  int master = receive_pty_master(listener);
  REQUIRE(master >= 0);
  ::close(listener);

  REQUIRE(bundle.runc({"start", bundle.id}).exit_code == 0);
  std::string output = read_terminal(master);
  ::close(master);
  CHECK(contains(output, "/dev/pts/0"));
  auto deleted = bundle.runc({"delete", "-f", bundle.id});
  CHECK(deleted.exit_code == 0);
  CHECK_FALSE(path_exists(bundle.root + "/" + bundle.id));
}

TEST_CASE("hooks: prestart, poststart and poststop run in order with the state on stdin") {
  World& w = world();
  std::string hook_dir = w.temp + "/hooks" + std::to_string(w.bundles + 1);
  ::mkdir(hook_dir.c_str(), 0755);
  auto hook = [&](const std::string& name) {
    return json{{"path", "/bin/sh"},
                {"args", {"sh", "-c", "cat > " + hook_dir + "/" + name + ".json; echo " + name + " >> " + hook_dir + "/order"}},
                {"timeout", 10}};
  };
  json hooks = {{"prestart", {hook("prestart")}}, {"poststart", {hook("poststart")}}, {"poststop", {hook("poststop")}}};
  Bundle bundle({"true"}, /*terminal=*/false, hooks);
  std::string out = bundle.dir + "/out", err = bundle.dir + "/err";
  REQUIRE(run_to_files(bundle.command({"create", "-b", bundle.dir, bundle.id}), out, err) == 0);
  int pid = bundle.state()["pid"].get<int>();
  CHECK(read_file(hook_dir + "/order") == "prestart\n");
  REQUIRE(bundle.runc({"start", bundle.id}).exit_code == 0);
  CHECK(read_file(hook_dir + "/order") == "prestart\npoststart\n");
  CHECK(wait_gone(pid));
  REQUIRE(bundle.runc({"delete", bundle.id}).exit_code == 0);
  CHECK(read_file(hook_dir + "/order") == "prestart\npoststart\npoststop\n");
  for (auto [name, status] : {std::pair{"prestart", "created"}, std::pair{"poststart", "running"}, std::pair{"poststop", "stopped"}}) {
    json state = json::parse(read_file(hook_dir + "/" + name + ".json").value_or(""), nullptr, false);
    REQUIRE_MESSAGE(state.is_object(), name);
    CHECK(state["id"] == bundle.id);
    CHECK(state["status"] == status);
    CHECK(state["pid"] == pid);
    CHECK(state["bundle"] == bundle.dir);
    CHECK(state["annotations"]["org.example.key"] == "value");
  }

  // A failing prestart hook fails the create and leaves nothing behind.
  json failing = {{"prestart", {{{"path", "/bin/false"}}}}};
  Bundle refused({"true"}, false, failing);
  CHECK(run_to_files(refused.command({"create", "-b", refused.dir, refused.id}), out, err) == 1);
  CHECK(contains(read_file(err).value_or(""), "prestart hook: hook \\\"/bin/false\\\": exit status 1"));
  CHECK_FALSE(path_exists(refused.root + "/" + refused.id));
  CHECK(cgroup_parent_dirs(refused.cgroup_path).empty());
}


TEST_CASE("exec -t hands the pty master to --console-socket; exec -d gives the process the caller's stdio") {
  Bundle bundle({"sleep", "100"});
  std::string out = bundle.dir + "/out", err = bundle.dir + "/err";
  REQUIRE(run_to_files(bundle.command({"run", "-d", "-b", bundle.dir, bundle.id}), out, err) == 0);

  // As conmon and containerd's shim run it: detached, a terminal, the master to their socket.
  const std::string socket_path = bundle.dir + "/console.sock";
  int listener = listen_on(socket_path);
  const std::string pid_file = bundle.dir + "/exec-tty.pid";
  REQUIRE(run_to_files(bundle.command({"exec", "-d", "-t", "--console-socket", socket_path, "--pid-file", pid_file,
                                       bundle.id, "sh", "-c", "tty; echo done"}),
                       out, err) == 0);
  int master = receive_pty_master(listener);
  ::close(listener);
  REQUIRE(master >= 0);
  std::string shown = read_terminal(master);
  ::close(master);
  CHECK_MESSAGE(contains(shown, "/dev/pts/"), shown);
  CHECK_MESSAGE(contains(shown, "done"), shown);

  // Detached without a terminal the process writes to our stdout and stderr itself.
  const std::string exec_out = bundle.dir + "/exec-out", exec_err = bundle.dir + "/exec-err";
  const std::string plain_pid_file = bundle.dir + "/exec-plain.pid";
  REQUIRE(run_to_files(bundle.command({"exec", "-d", "--pid-file", plain_pid_file, bundle.id, "sh", "-c",
                                       "echo to-stdout; echo to-stderr >&2"}),
                       exec_out, exec_err) == 0);
  int exec_pid = std::atoi(read_file(plain_pid_file).value_or("0").c_str());
  CHECK(exec_pid > 0);
  CHECK(wait_gone(exec_pid));
  CHECK(read_file(exec_out) == "to-stdout\n");
  CHECK(read_file(exec_err) == "to-stderr\n");

  auto no_socket = bundle.runc({"exec", "-d", "-t", bundle.id, "true"});
  CHECK(no_socket.exit_code == 1);
  CHECK(contains(no_socket.err, "cannot allocate tty if runc will detach without setting console socket"));
  auto no_tty = bundle.runc({"exec", "--console-socket", socket_path, bundle.id, "true"});
  CHECK(no_tty.exit_code == 1);
  CHECK(contains(no_tty.err, "cannot use console socket if runc will not detach or allocate tty"));
  REQUIRE(bundle.runc({"delete", "--force", bundle.id}).exit_code == 0);
}

TEST_CASE("a cgroup mount shows the container its own cgroups, read-only") {
  Bundle bundle({"sh", "-c",
                 "cat /sys/fs/cgroup/" + std::string(is_cgroup_v2_host() ? "" : "pids/") +
                     "cgroup.procs > /io/procs; ls /sys/fs/cgroup > /io/ls; "
                     "mkdir /sys/fs/cgroup/x 2>/dev/null; echo $? > /io/mkdir"});
  json config = json::parse(read_file(bundle.dir + "/config.json").value_or(""));
  config["mounts"].push_back({{"destination", "/sys/fs/cgroup"},
                              {"type", "cgroup"},
                              {"source", "cgroup"},
                              {"options", {"nosuid", "noexec", "nodev", "relatime", "ro"}}});
  write_text(bundle.dir + "/config.json", config.dump(1));
  auto mounts_before = mount_points();
  auto ran = run_command(bundle.command({"run", "-b", bundle.dir, bundle.id}));
  REQUIRE_MESSAGE(ran.exit_code == 0, ran.describe());
  // Its own cgroup is the root it sees: only its own processes (its PID 1, sh, and cat).
  std::vector<std::string> procs = split_lines(read_file(bundle.io + "/procs").value_or(""));
  CHECK_MESSAGE(std::find(procs.begin(), procs.end(), "1") != procs.end(), read_file(bundle.io + "/procs").value_or(""));
  CHECK(procs.size() <= 3);
  if (!is_cgroup_v2_host()) CHECK(contains(read_file(bundle.io + "/ls").value_or(""), "memory"));
  CHECK(trim(read_file(bundle.io + "/mkdir").value_or("")) != "0");
  CHECK(mount_points() == mounts_before);
  CHECK(cgroup_parent_dirs(bundle.cgroup_path).empty());
}

TEST_CASE("a --root too long for a unix socket path (dockerd's) still creates, starts and deletes") {
  Bundle bundle({"sleep", "100"});
  bundle.root = world().temp + "/" + std::string(110, 'r');
  std::string out = bundle.dir + "/out", err = bundle.dir + "/err";
  REQUIRE(run_to_files(bundle.command({"create", "-b", bundle.dir, bundle.id}), out, err) == 0);
  CHECK(bundle.state()["status"] == "created");
  auto started = bundle.runc({"start", bundle.id});
  CHECK_MESSAGE(started.exit_code == 0, started.describe());
  CHECK(bundle.state()["status"] == "running");
  auto ran = bundle.runc({"exec", bundle.id, "echo", "exec works"});
  CHECK_MESSAGE(ran.out == "exec works\n", ran.describe());
  REQUIRE(bundle.runc({"delete", "--force", bundle.id}).exit_code == 0);
  CHECK_FALSE(path_exists(bundle.root + "/" + bundle.id));
}

TEST_CASE("a user namespace: the container's root is an unprivileged host id, even with the bundle below a 0700 dir") {
  Bundle bundle({"sh", "-c",
                 "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map | tr -s ' '; stat -c %u /bin/busybox; "
                 "echo made > /io/made; echo x > /dev/null && head -c 4 /dev/urandom | wc -c; "
                 "touch /bin/owned-by-host-root 2>/dev/null || echo rootfs-write-refused"});
  std::ifstream in(bundle.dir + "/config.json");
  json config = json::parse(in);
  config["linux"]["namespaces"].push_back({{"type", "user"}});
  config["linux"]["uidMappings"] = json::array({{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}});
  config["linux"]["gidMappings"] = json::array({{{"containerID", 0}, {"hostID", 200000}, {"size", 65536}}});
  write_text(bundle.dir + "/config.json", config.dump());
  // The rootfs sits below the world's temp dir (mkdtemp: 0700, root's): host id 100000 could not
  // search it; the init reaches the rootfs before it takes that id.
  struct stat temp_stat {};
  REQUIRE(::stat(world().temp.c_str(), &temp_stat) == 0);
  REQUIRE((temp_stat.st_mode & 0777) == 0700);
  // Mount targets are made by the container's root, which may not write to the host root's image:
  // /io must be there already (a userns-remapped engine gives the rootfs to the container's root).
  ::mkdir((world().rootfs + "/io").c_str(), 0755);
  REQUIRE(::chmod(bundle.io.c_str(), 0777) == 0);  // host id 100000 writes there

  auto ran = bundle.runc({"run", "-b", bundle.dir, bundle.id});
  INFO(ran.describe());
  REQUIRE(ran.exit_code == 0);
  CHECK(ran.out ==
        "0\n0\n"
        " 0 100000 65536\n 0 200000 65536\n"
        "65534\n"  // the image's files belong to the host's root, which the namespace does not map
        "4\n"
        "rootfs-write-refused\n");
  struct stat made {};
  REQUIRE(::stat((bundle.io + "/made").c_str(), &made) == 0);
  CHECK(made.st_uid == 100000);
  CHECK(made.st_gid == 200000);
  CHECK(cgroup_parent_dirs(bundle.cgroup_path).empty());
}

TEST_CASE("a user namespace joined by path: the other container's maps and host ids, its config maps checked") {
  ::mkdir((world().rootfs + "/io").c_str(), 0755);
  json uid_map = json::array({{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}});
  json gid_map = json::array({{{"containerID", 0}, {"hostID", 200000}, {"size", 65536}}});
  auto edit_config = [](const Bundle& bundle, const std::function<void(json&)>& edit) {
    json config = json::parse(read_file(bundle.dir + "/config.json").value_or(""));
    edit(config);
    write_text(bundle.dir + "/config.json", config.dump());
  };
  // The namespace's owner: a container with a user namespace of its own, kept running.
  Bundle owner({"sleep", "100"});
  edit_config(owner, [&](json& config) {
    config["linux"]["namespaces"].push_back({{"type", "user"}});
    config["linux"]["uidMappings"] = uid_map;
    config["linux"]["gidMappings"] = gid_map;
  });
  std::string out = owner.dir + "/out", err = owner.dir + "/err";
  REQUIRE_MESSAGE(run_to_files(owner.command({"run", "-d", "-b", owner.dir, owner.id}), out, err) == 0,
                  read_file(err).value_or(""));
  const std::string user_namespace = "/proc/" + std::to_string(owner.state()["pid"].get<int>()) + "/ns/user";
  char owner_link[256] = {};
  REQUIRE(::readlink(user_namespace.c_str(), owner_link, sizeof owner_link - 1) > 0);

  // Joined without mappings of its own: the joiner's root is host id 100000/200000 like the owner's.
  Bundle joiner({"sh", "-c", "id -u; readlink /proc/self/ns/user; cat /proc/self/uid_map /proc/self/gid_map | tr -s ' '; "
                             "echo made > /io/made"});
  REQUIRE(::chmod(joiner.io.c_str(), 0777) == 0);
  edit_config(joiner, [&](json& config) { config["linux"]["namespaces"].push_back({{"type", "user"}, {"path", user_namespace}}); });
  auto ran = joiner.runc({"run", "-b", joiner.dir, joiner.id});
  INFO(ran.describe());
  REQUIRE(ran.exit_code == 0);
  CHECK(ran.out == "0\n" + std::string(owner_link) + "\n 0 100000 65536\n 0 200000 65536\n");
  struct stat made {};
  REQUIRE(::stat((joiner.io + "/made").c_str(), &made) == 0);
  CHECK(made.st_uid == 100000);
  CHECK(made.st_gid == 200000);

  // Mappings that describe the joined namespace are accepted; others are refused, naming the field.
  Bundle consistent({"true"});
  edit_config(consistent, [&](json& config) {
    config["linux"]["namespaces"].push_back({{"type", "user"}, {"path", user_namespace}});
    config["linux"]["uidMappings"] = uid_map;
    config["linux"]["gidMappings"] = gid_map;
  });
  auto accepted = consistent.runc({"run", "-b", consistent.dir, consistent.id});
  CHECK_MESSAGE(accepted.exit_code == 0, accepted.describe());
  Bundle inconsistent({"true"});
  edit_config(inconsistent, [&](json& config) {
    config["linux"]["namespaces"].push_back({{"type", "user"}, {"path", user_namespace}});
    config["linux"]["uidMappings"] = json::array({{{"containerID", 0}, {"hostID", 300000}, {"size", 65536}}});
  });
  auto refused = inconsistent.runc({"run", "-b", inconsistent.dir, inconsistent.id});
  CHECK(refused.exit_code == 1);
  CHECK_MESSAGE(contains(refused.err, "linux.uidMappings: does not match the user namespace"), refused.err);
  CHECK_FALSE(path_exists(inconsistent.root + "/" + inconsistent.id));
  CHECK(cgroup_parent_dirs(inconsistent.cgroup_path).empty());

  // A path that is no user namespace fails the create, naming it (the joiner's setns refuses it).
  Bundle wrong_type({"true"});
  const std::string network_namespace = "/proc/" + std::to_string(owner.state()["pid"].get<int>()) + "/ns/net";
  edit_config(wrong_type, [&](json& config) { config["linux"]["namespaces"].push_back({{"type", "user"}, {"path", network_namespace}}); });
  auto wrong = wrong_type.runc({"run", "-b", wrong_type.dir, wrong_type.id});
  CHECK(wrong.exit_code == 1);
  CHECK_MESSAGE(contains(wrong.err, "join user namespace \\\"" + network_namespace + "\\\": Invalid argument"), wrong.err);
  CHECK_FALSE(path_exists(wrong_type.root + "/" + wrong_type.id));
  CHECK(cgroup_parent_dirs(wrong_type.cgroup_path).empty());

  // exec enters the container's user namespace too: the container's ids, not the host root's.
  auto exec = owner.runc({"exec", owner.id, "sh", "-c", "id -u; cat /proc/self/uid_map | tr -s ' '"});
  CHECK_MESSAGE(exec.out == "0\n 0 100000 65536\n", exec.describe());

  REQUIRE(owner.runc({"delete", "--force", owner.id}).exit_code == 0);
  for (const Bundle* bundle : {&owner, &joiner, &consistent}) CHECK(cgroup_parent_dirs(bundle->cgroup_path).empty());
}

TEST_CASE("user namespace configs that cannot work are refused with the field named") {
  Bundle bundle({"true"});
  std::ifstream in(bundle.dir + "/config.json");
  json base = json::parse(in);
  struct Case {
    const char* what;
    json uid_mappings;
    json gid_mappings;
    bool with_namespace;
    const char* expected;
  };
  json one_range = json::array({{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}});
  json overlapping = json::array({{{"containerID", 0}, {"hostID", 100000}, {"size", 10}},
                                  {{"containerID", 5}, {"hostID", 300000}, {"size", 10}}});
  for (const Case& test : std::vector<Case>{
           {"no gid map", one_range, json(), true, "needs linux.uidMappings and linux.gidMappings"},
           {"maps without the namespace", one_range, one_range, false, "without a user namespace"},
           {"overlapping ranges", overlapping, one_range, true, "linux.uidMappings[1]: overlaps range 0"},
       }) {
    INFO(test.what);
    json config = base;
    if (test.with_namespace) config["linux"]["namespaces"].push_back({{"type", "user"}});
    if (!test.uid_mappings.is_null()) config["linux"]["uidMappings"] = test.uid_mappings;
    if (!test.gid_mappings.is_null()) config["linux"]["gidMappings"] = test.gid_mappings;
    write_text(bundle.dir + "/config.json", config.dump());
    auto created = bundle.runc({"create", "-b", bundle.dir, bundle.id});
    CHECK(created.exit_code == 1);
    CHECK_MESSAGE(created.err.find(test.expected) != std::string::npos, created.err);
    CHECK_FALSE(path_exists(bundle.root + "/" + bundle.id));
  }
}

TEST_CASE("hooks: createContainer runs in the container's namespaces before pivot_root, startContainer inside it at start") {
  World& w = world();
  // The bundle made next gets this io dir (see Bundle): host hooks write there, the container's
  // startContainer hook writes to the same dir as /io.
  std::string io = w.temp + "/b" + std::to_string(w.bundles + 1) + "/io";
  auto hook = [](const std::string& name, const std::string& dir) {
    return json{{"path", "/bin/sh"},
                {"args", {"sh", "-c", "cat > " + dir + "/" + name + ".json; echo " + name + " $(hostname) >> " + dir + "/order"}},
                {"timeout", 10}};
  };
  json hooks = {{"prestart", {hook("prestart", io)}},
                {"createRuntime", {hook("createRuntime", io)}},
                {"createContainer", {hook("createContainer", io)}},
                {"startContainer", {hook("startContainer", "/io")}}};
  Bundle bundle({"sh", "-c", "echo command $(hostname) >> /io/order"}, /*terminal=*/false, hooks);
  REQUIRE(bundle.io == io);
  char host_name[256] = {};
  REQUIRE(::gethostname(host_name, sizeof host_name - 1) == 0);
  std::string host(host_name);

  std::string out = bundle.dir + "/out", err = bundle.dir + "/err";
  REQUIRE_MESSAGE(run_to_files(bundle.command({"create", "-b", bundle.dir, bundle.id}), out, err) == 0,
                  read_file(err).value_or(""));
  int pid = bundle.state()["pid"].get<int>();
  // prestart and createRuntime run in the runtime's namespaces, createContainer in the container's
  // (its UTS namespace already has the container's hostname).
  std::string created = "prestart " + host + "\ncreateRuntime " + host + "\ncreateContainer runc-test\n";
  CHECK(read_file(io + "/order").value_or("") == created);
  REQUIRE(bundle.runc({"start", bundle.id}).exit_code == 0);
  CHECK(wait_gone(pid));
  CHECK(read_file(io + "/order").value_or("") == created + "startContainer runc-test\ncommand runc-test\n");
  for (const char* name : {"createContainer", "startContainer"}) {
    json state = json::parse(read_file(io + "/" + name + ".json").value_or(""), nullptr, false);
    REQUIRE_MESSAGE(state.is_object(), name);
    CHECK(state["id"] == bundle.id);
    CHECK(state["pid"] == pid);
    CHECK(state["bundle"] == bundle.dir);
  }
  REQUIRE(bundle.runc({"delete", bundle.id}).exit_code == 0);

  // A failing createContainer hook fails the create; a failing startContainer hook fails the start.
  Bundle refused_create({"true"}, false, {{"createContainer", {{{"path", "/bin/false"}}}}});
  CHECK(run_to_files(refused_create.command({"create", "-b", refused_create.dir, refused_create.id}), out, err) == 1);
  CHECK(contains(read_file(err).value_or(""), "createContainer hook: hook \\\"/bin/false\\\": exit status 1"));
  CHECK_FALSE(path_exists(refused_create.root + "/" + refused_create.id));
  CHECK(cgroup_parent_dirs(refused_create.cgroup_path).empty());

  Bundle refused_start({"sh", "-c", "echo ran > /io/ran"}, false, {{"startContainer", {{{"path", "/bin/false"}}}}});
  REQUIRE(run_to_files(refused_start.command({"create", "-b", refused_start.dir, refused_start.id}), out, err) == 0);
  auto started = refused_start.runc({"start", refused_start.id});
  CHECK(started.exit_code == 1);
  CHECK_MESSAGE(contains(started.err, "startContainer hook"), started.err);
  CHECK_FALSE(path_exists(refused_start.io + "/ran"));
  (void)refused_start.runc({"delete", "--force", refused_start.id});
}
