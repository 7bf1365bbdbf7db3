// The runtime without the daemon: OCI bundles run through spawn_monitor()/go() by the test-only
// gocker-run-bundle tool, on the real kernel.
//
// The harness (tests/support/harness.cpp) has already, before main, unshared a mount and network
// namespace, made "/" rshared in it (as on a systemd host, so a runtime that forgets
// MS_REC|MS_PRIVATE leaks its mounts into *our* namespace, where the checks below see them) and
// skipped with exit 77 when not root. The first test case checks those preconditions hold.
//
// One busybox rootfs (the built-in image's tarball extracted, with an overlay on top, as the engine
// mounts it) serves every run; each run gets its own state dir and cgroup "gocker-test-<pid>/<id>".
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <set>
#include <string>
#include <vector>

#include "tests/support/harness.hpp"
#include "runtime/monitor_launch.hpp"
#include "runtime/monitor_standby.hpp"

using namespace gocker;
using namespace gocker::test;
using nlohmann::json;

namespace {

std::string run_bundle_binary() {
  const char* from_env = std::getenv("GOCKER_RUN_BUNDLE_BIN");
  return from_env ? from_env : GOCKER_RUN_BUNDLE_BIN;
}

std::multiset<std::string> mount_points() {
  std::multiset<std::string> points;
  for (const MountEntry& entry : read_mountinfo()) points.insert(entry.mount_point);
  return points;
}

// The test's world: temp dir, extracted rootfs, the overlay, and what the namespace looked like
// before any container ran. Built once, on first use; torn down at exit.
struct World {
  std::string temp;
  std::string rootfs;  // the overlay mount point: the bundles' root.path
  std::string cgroup_parent = "gocker-test-" + std::to_string(::getpid());
  std::multiset<std::string> mounts_before;
  std::string proc_self_before;
  std::vector<std::string> ids;
  std::string setup_error;

  World() {
    mounts_before = mount_points();
    char pattern[] = "/tmp/grt.XXXXXX";
    if (!::mkdtemp(pattern)) {
      setup_error = "mkdtemp failed";
      return;
    }
    temp = pattern;
    for (const char* sub : {"/lower", "/upper", "/work", "/rootfs"}) ::mkdir((temp + sub).c_str(), 0755);
    std::string tarball = image_dir() + "/busybox-rootfs.tar";
    auto extracted = run_command({"tar", "-xf", tarball, "-C", temp + "/lower"});
    if (extracted.exit_code != 0) {
      setup_error = "extract " + tarball + " (build the builtin_image target): " + extracted.describe();
      return;
    }
    rootfs = temp + "/rootfs";
    std::string options = "lowerdir=" + temp + "/lower,upperdir=" + temp + "/upper,workdir=" + temp + "/work";
    if (::mount("overlay", rootfs.c_str(), "overlay", 0, options.c_str()) != 0) {
      setup_error = "mount overlay on " + rootfs + ": " + std::strerror(errno);
    }
  }

  ~World() {
    if (!rootfs.empty()) ::umount2(rootfs.c_str(), MNT_DETACH);
    for (const std::string& dir : cgroup_parent_dirs(cgroup_parent)) ::rmdir(dir.c_str());
    if (!temp.empty()) (void)run_command({"rm", "-rf", temp});
  }
};

World& world() {
  static World instance;
  REQUIRE_MESSAGE(instance.setup_error.empty(), instance.setup_error);
  return instance;
}

// runc's default mounts, masked and read-only paths (the engine writes the same).
json base_config(const std::vector<std::string>& args) {
  json mounts = json::array({
      {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}, {"options", {"nosuid", "noexec", "nodev"}}},
      {{"destination", "/dev"},
       {"type", "tmpfs"},
       {"source", "tmpfs"},
       {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
      {{"destination", "/dev/pts"},
       {"type", "devpts"},
       {"source", "devpts"},
       {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}},
      {{"destination", "/dev/shm"},
       {"type", "tmpfs"},
       {"source", "shm"},
       {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
      {{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"}, {"options", {"nosuid", "noexec", "nodev"}}},
      {{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"}, {"options", {"nosuid", "noexec", "nodev", "ro"}}},
  });
  json namespaces = json::array();
  for (const char* type : {"pid", "network", "ipc", "uts", "mount"}) namespaces.push_back({{"type", type}});
  return {
      {"ociVersion", "1.1.0"},
      {"process",
       {{"terminal", false},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", args},
        {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=rt-host", "FOO=bar"}},
        {"cwd", "/"}}},
      {"root", {{"path", world().rootfs}, {"readonly", false}}},
      {"hostname", "rt-host"},
      {"mounts", mounts},
      {"linux",
       {{"namespaces", namespaces},
        {"maskedPaths", {"/proc/kcore", "/proc/timer_list", "/sys/firmware"}},
        {"readonlyPaths", {"/proc/sys", "/proc/sysrq-trigger"}}}},
  };
}

struct LogLine {
  std::string raw;
  std::string log;
  std::string stream;
  std::string time;
};

struct Run {
  std::string id;
  std::string state_dir;
  CommandResult result;
  std::vector<LogLine> lines;
  json exit_status;
  std::string out() const {
    std::string text;
    for (const LogLine& line : lines) {
      if (line.stream == "stdout") text += line.log;
    }
    return text;
  }
  std::string err() const {
    std::string text;
    for (const LogLine& line : lines) {
      if (line.stream == "stderr") text += line.log;
    }
    return text;
  }
  std::string describe() const {
    return "run " + id + ": " + result.describe() + "\nlog:\n" + read_file(state_dir + "/json.log").value_or("(none)");
  }
};

Run run_config(json config, const std::vector<std::string>& extra_flags = {}, const CommandOptions& options = {}) {
  World& w = world();
  Run run;
  run.id = "rt" + std::to_string(w.ids.size());
  w.ids.push_back(run.id);
  config["linux"]["cgroupsPath"] = w.cgroup_parent + "/" + run.id;
  run.state_dir = w.temp + "/" + run.id;
  ::mkdir(run.state_dir.c_str(), 0700);
  std::string bundle = run.state_dir;  // bundle and state share a dir, as in the engine
  {
    std::string text = config.dump(1);
    int fd = ::open((bundle + "/config.json").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fd);
  }
  std::vector<std::string> argv = {run_bundle_binary(), "--id", run.id};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  argv.push_back(bundle);
  argv.push_back(run.state_dir);
  run.result = run_command(argv, options);
  for (const std::string& raw : split_lines(read_file(run.state_dir + "/json.log").value_or(""))) {
    json parsed = json::parse(raw, nullptr, false);
    LogLine line{raw, "", "", ""};
    if (parsed.is_object()) {
      line.log = parsed.value("log", "");
      line.stream = parsed.value("stream", "");
      line.time = parsed.value("time", "");
    }
    run.lines.push_back(line);
  }
  run.exit_status = json::parse(read_file(run.state_dir + "/exit.json").value_or(""), nullptr, false);
  return run;
}

Run run_args(const std::vector<std::string>& args) { return run_config(base_config(args)); }

// The container's cgroup directories still present (in any hierarchy).
std::vector<std::string> leftover_cgroups(const std::string& id) {
  std::vector<std::string> found;
  for (const std::string& dir : cgroup_parent_dirs(world().cgroup_parent)) {
    if (dir.size() > id.size() && dir.compare(dir.size() - id.size() - 1, std::string::npos, "/" + id) == 0) {
      found.push_back(dir);
    }
  }
  return found;
}

const std::regex kRfc3339Nano(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z)");

// The monitor's options for a bundle whose state, log and attach socket all live in `dir`.
runtime::MonitorOptions monitor_options(const std::string& id, const std::string& dir) {
  runtime::MonitorOptions options;
  options.monitor_binary = monitor_binary();
  options.container_id = id;
  options.bundle_dir = dir;
  options.state_dir = dir;
  options.log_path = dir + "/json.log";
  options.attach_socket = dir + "/attach.sock";
  return options;
}

}  // namespace

TEST_CASE("preconditions: own mount and net namespace, / shared like a systemd host") {
  // Our parent (ctest, a shell) is in the namespace we started in.
  char self_ns[64] = {}, parent_ns[64] = {};
  std::string parent_link = "/proc/" + std::to_string(::getppid()) + "/ns/mnt";
  REQUIRE(::readlink("/proc/self/ns/mnt", self_ns, sizeof self_ns - 1) > 0);
  REQUIRE(::readlink(parent_link.c_str(), parent_ns, sizeof parent_ns - 1) > 0);
  CHECK(std::string(self_ns) != std::string(parent_ns));
  auto mountinfo = read_file("/proc/self/mountinfo").value_or("");
  bool root_shared = false;
  for (const std::string& line : split_lines(mountinfo)) {
    // Field 5 is the mount point; field 4 (the mount's root) need not be "/" (a chrooted CI root).
    std::istringstream fields(line);
    std::string id, parent, device, mount_root, mount_point;
    fields >> id >> parent >> device >> mount_root >> mount_point;
    if (mount_point == "/" && contains(line, "shared:")) root_shared = true;
  }
  CHECK_MESSAGE(root_shared, mountinfo);
  world();
}

TEST_CASE("echo lands in the json-file log in Docker's format") {
  Run run = run_args({"echo", "hello"});
  CHECK_MESSAGE(run.result.exit_code == 0, run.describe());
  REQUIRE_MESSAGE(run.lines.size() == 1, run.describe());
  const LogLine& line = run.lines[0];
  CHECK(line.log == "hello\n");
  CHECK(line.stream == "stdout");
  CHECK(std::regex_match(line.time, kRfc3339Nano));
  CHECK(line.raw == R"({"log":"hello\n","stream":"stdout","time":")" + line.time + R"("})");
  CHECK(run.exit_status.value("exit_code", -1) == 0);
  CHECK(run.exit_status.value("oom_killed", true) == false);
  CHECK(std::regex_match(run.exit_status.value("finished_at", ""), kRfc3339Nano));
  // The tool prints exit.json's content.
  CHECK(trim(run.result.out) == trim(read_file(run.state_dir + "/exit.json").value_or("?")));
  auto monitor_state = json::parse(read_file(run.state_dir + "/monitor.json").value_or(""), nullptr, false);
  CHECK(monitor_state["init"]["pid"].is_number_integer());
  CHECK(monitor_state["monitor"]["start_time"].is_number_unsigned());
}

TEST_CASE("exit codes: the command's own, and stderr is its own stream") {
  Run run = run_args({"sh", "-c", "echo oops >&2; exit 3"});
  CHECK_MESSAGE(run.result.exit_code == 3, run.describe());
  CHECK(run.exit_status.value("exit_code", -1) == 3);
  CHECK(run.err() == "oops\n");
  CHECK(run.out().empty());

  // A signal death is 128 + the signal. (PID 1 cannot be killed from inside its own namespace,
  // so the shell's child takes the signal and the shell passes its status on.)
  Run killed = run_args({"sh", "-c", "sh -c 'kill -9 $$'; exit $?"});
  CHECK_MESSAGE(killed.result.exit_code == 137, killed.describe());
}

TEST_CASE("a command that is not on PATH: 127 with Docker's message") {
  Run run = run_args({"no-such-command"});
  CHECK_MESSAGE(run.result.exit_code == 127, run.describe());
  CHECK_MESSAGE(contains(run.result.err, R"(exec: "no-such-command": executable file not found in $PATH)"),
                run.describe());
  CHECK(contains(run.result.err, "(errno 2)"));
  CHECK(run.exit_status.value("exit_code", -1) == 127);
  CHECK(contains(run.exit_status.value("error", ""), "executable file not found"));
}

TEST_CASE("a command that is not executable: 126, permission denied") {
  Run run = run_args({"/etc/passwd"});
  CHECK_MESSAGE(run.result.exit_code == 126, run.describe());
  CHECK_MESSAGE(contains(run.result.err, R"(exec: "/etc/passwd": permission denied)"), run.describe());
  CHECK(contains(run.result.err, "(errno 13)"));
}

TEST_CASE("the command is PID 1 and sees only its own processes") {
  Run pid = run_args({"sh", "-c", "echo $$"});
  CHECK_MESSAGE(pid.out() == "1\n", pid.describe());

  // The host has many processes; the container's ps sees exactly itself.
  Run ps = run_args({"ps", "-o", "pid,comm"});
  std::vector<std::string> lines = split_lines(ps.out());
  REQUIRE_MESSAGE(lines.size() == 2, ps.describe());
  CHECK(trim(lines[1]) == "1 ps");

  // When PID 1 exits, the rest of its namespace dies with it and the run ends at once.
  Run orphan = run_args({"sh", "-c", "sleep 1000 & echo started"});
  CHECK_MESSAGE(orphan.result.exit_code == 0, orphan.describe());
  CHECK(orphan.out() == "started\n");
  CHECK(orphan.result.elapsed < std::chrono::seconds(100));
}

TEST_CASE("only lo in the container's network namespace") {
  Run run = run_args({"cat", "/proc/net/dev"});
  std::vector<std::string> interfaces;
  for (const std::string& line : split_lines(run.out())) {
    auto colon = line.find(':');
    if (colon != std::string::npos) interfaces.push_back(trim(line.substr(0, colon)));
  }
  CHECK_MESSAGE(interfaces == std::vector<std::string>{"lo"}, run.describe());
}

TEST_CASE("hostname, env and cwd come from the config") {
  CHECK(run_args({"hostname"}).out() == "rt-host\n");
  Run env = run_args({"sh", "-c", "echo \"$FOO:$HOSTNAME:$PATH\""});
  CHECK(env.out() == "bar:rt-host:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
  json config = base_config({"pwd"});
  config["process"]["cwd"] = "/tmp";
  CHECK(run_config(config).out() == "/tmp\n");
}

TEST_CASE("user, group and supplementary groups") {
  json config = base_config({"id"});
  config["process"]["user"] = {{"uid", 65534}, {"gid", 65534}, {"additionalGids", {10}}};
  Run run = run_config(config);
  CHECK_MESSAGE(run.out() == "uid=65534(nobody) gid=65534(nogroup) groups=10(wheel)\n", run.describe());
  // The container's user can reopen its stdio (the pipes are its own).
  json reopen = base_config({"sh", "-c", "echo via-dev-stdout > /dev/stdout"});
  reopen["process"]["user"] = {{"uid", 65534}, {"gid", 65534}};
  Run reopened = run_config(reopen);
  CHECK_MESSAGE(reopened.out() == "via-dev-stdout\n", reopened.describe());
}

TEST_CASE("the container's filesystem: devices, masked and read-only paths, its cgroup") {
  Run dev = run_args({"sh", "-c",
                      "ls /dev | tr '\\n' ' '; echo; readlink /dev/ptmx; head -c 4 /dev/zero | wc -c; "
                      "wc -c < /proc/timer_list; echo x > /proc/sys/kernel/hostname || echo ro; "
                      "touch /sys/x 2>/dev/null || echo sys-ro; cat /proc/self/cgroup"});
  std::vector<std::string> lines = split_lines(dev.out());
  REQUIRE_MESSAGE(lines.size() >= 6, dev.describe());
  for (const char* name : {"null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm", "mqueue", "fd",
                           "stdin", "stdout", "stderr"}) {
    CHECK_MESSAGE(contains(" " + lines[0], std::string(" ") + name + " "), lines[0]);
  }
  CHECK(lines[1] == "pts/ptmx");
  CHECK(trim(lines[2]) == "4");
  CHECK(trim(lines[3]) == "0");
  CHECK(lines[4] == "ro");
  CHECK(lines[5] == "sys-ro");
  CHECK_MESSAGE(contains(dev.out(), world().cgroup_parent + "/" + dev.id), dev.describe());
}

TEST_CASE("a terminal: output comes through the container's own pty") {
  json config = base_config({"sh", "-c", "tty; echo hi"});
  config["process"]["terminal"] = true;
  Run run = run_config(config);
  CHECK_MESSAGE(run.result.exit_code == 0, run.describe());
  CHECK_MESSAGE(run.out() == "/dev/pts/0\r\nhi\r\n", run.describe());
  for (const LogLine& line : run.lines) CHECK(line.stream == "stdout");
}

TEST_CASE("attach: output frames and stdin through the attach socket, stdin-once closes stdin") {
  json config = base_config({"sh", "-c", "cat; echo done >&2"});
  config["annotations"] = {{"org.gocker.open-stdin", "true"}, {"org.gocker.stdin-once", "true"}};
  CommandOptions options;
  options.stdin_data = "abc\n";
  Run run = run_config(config, {"--attach", "--stdin"}, options);
  CHECK_MESSAGE(run.result.exit_code == 0, run.describe());
  CHECK(run.result.out == "abc\n");
  CHECK(contains(run.result.err, "done\n"));
  CHECK(run.out() == "abc\n");
  CHECK(run.err() == "done\n");
}

TEST_CASE("a start dropped before go leaves nothing: no init, no monitor, no cgroup, no exit status") {
  World& w = world();
  json config = base_config({"echo", "must-not-run"});
  std::string id = "rt-dropped";
  config["linux"]["cgroupsPath"] = w.cgroup_parent + "/" + id;
  std::string dir = w.temp + "/" + id;
  ::mkdir(dir.c_str(), 0700);
  {
    std::string text = config.dump();
    int fd = ::open((dir + "/config.json").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fd);
  }
  runtime::MonitorOptions options = monitor_options(id, dir);
  UniqueFd monitor_pidfd;
  UniqueFd init_pidfd;
  {
    auto pending = runtime::spawn_monitor(options);
    REQUIRE_MESSAGE(pending, pending.error().message);
    auto monitor = runtime::open_pidfd(pending->processes().monitor);
    auto init = runtime::open_pidfd(pending->processes().init);
    REQUIRE(monitor);
    REQUIRE(init);
    monitor_pidfd = std::move(*monitor);
    init_pidfd = std::move(*init);
    CHECK(read_file(dir + "/monitor.json"));
  }
  struct pollfd wait_for[2] = {{monitor_pidfd.get(), POLLIN, 0}, {init_pidfd.get(), POLLIN, 0}};
  for (auto& entry : wait_for) REQUIRE(::poll(&entry, 1, 10000) == 1);
  CHECK_FALSE(read_file(dir + "/exit.json"));
  CHECK_FALSE(read_file(dir + "/monitor.json"));
  CHECK(read_file(dir + "/json.log").value_or("") == "");
  struct stat ignored {};
  CHECK(::stat((dir + "/attach.sock").c_str(), &ignored) != 0);
  CHECK(leftover_cgroups(id).empty());
}

namespace {

// Writes `config` as the bundle of container `id` and returns its dir.
std::string write_bundle(const std::string& id, json config) {
  World& w = world();
  config["linux"]["cgroupsPath"] = w.cgroup_parent + "/" + id;
  std::string dir = w.temp + "/" + id;
  ::mkdir(dir.c_str(), 0700);
  std::string text = config.dump();
  int fd = ::open((dir + "/config.json").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
  return dir;
}

// Starts the container through spawn_monitor/go and waits for its monitor to exit.
void start_and_wait(const runtime::MonitorOptions& options, runtime::MonitorStandby* standby) {
  auto pending = runtime::spawn_monitor(options, standby);
  REQUIRE_MESSAGE(pending, pending.error().message);
  auto monitor = runtime::open_pidfd(pending->processes().monitor);
  REQUIRE(monitor);
  REQUIRE(pending->go());
  struct pollfd exited = {monitor->get(), POLLIN, 0};
  REQUIRE(::poll(&exited, 1, 10000) == 1);
}

bool reaped(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) < 0 && errno == ECHILD;
}

}  // namespace

TEST_CASE("a standby monitor made ahead serves the next container; one that died is passed over") {
  World& w = world();
  runtime::MonitorStandby standby(monitor_binary());
  REQUIRE(standby.refill());
  const pid_t waiting = standby.waiting_pid();
  REQUIRE(waiting > 0);
  REQUIRE(standby.refill());  // one is waiting already: no second
  CHECK(standby.waiting_pid() == waiting);

  // No binary to spawn: the container can only run through the waiting monitor.
  std::string id = "rt-standby";
  w.ids.push_back(id);
  std::string dir = write_bundle(id, base_config({"echo", "served"}));
  runtime::MonitorOptions options = monitor_options(id, dir);
  options.monitor_binary = w.temp + "/no-such-monitor";
  start_and_wait(options, &standby);
  CHECK(standby.waiting_pid() == 0);
  CHECK(reaped(waiting));
  CHECK(contains(read_file(dir + "/json.log").value_or(""), "served"));
  CHECK(json::parse(read_file(dir + "/exit.json").value_or("{}"), nullptr, false).value("exit_code", -1) == 0);
  CHECK(leftover_cgroups(id).empty());

  // A standby killed while waiting: the start spawns afresh, and the dead one is reaped.
  REQUIRE(standby.refill());
  const pid_t killed = standby.waiting_pid();
  REQUIRE(killed > 0);
  {
    UniqueFd pidfd{static_cast<int>(::syscall(SYS_pidfd_open, killed, 0))};
    REQUIRE(pidfd);
    REQUIRE(::kill(killed, SIGKILL) == 0);
    struct pollfd died = {pidfd.get(), POLLIN, 0};
    REQUIRE(::poll(&died, 1, 10000) == 1);
  }
  std::string second = "rt-standby-dead";
  w.ids.push_back(second);
  std::string second_dir = write_bundle(second, base_config({"echo", "afresh"}));
  start_and_wait(monitor_options(second, second_dir), &standby);
  CHECK(reaped(killed));
  CHECK(contains(read_file(second_dir + "/json.log").value_or(""), "afresh"));
}

TEST_CASE("a waiting standby monitor holds none of its spawner's descriptors") {
  // A pipe without O_CLOEXEC, as Boost.Asio leaves the daemon's client connections: the standby
  // must not keep our write end open, or the read end would never see EOF.
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  UniqueFd read_end{ends[0]};
  UniqueFd write_end{ends[1]};
  runtime::MonitorStandby standby(monitor_binary());
  REQUIRE(standby.refill());
  REQUIRE(standby.waiting_pid() > 0);
  write_end.reset();
  struct pollfd closed = {read_end.get(), POLLIN, 0};
  REQUIRE(::poll(&closed, 1, 10000) == 1);
  char byte = 0;
  CHECK(::read(read_end.get(), &byte, 1) == 0);  // EOF: no other writer is left
  // ps shows what it is while it waits (executed from a memfd, it would be named after the fd).
  const std::string comm_path = "/proc/" + std::to_string(standby.waiting_pid()) + "/comm";
  std::string comm;
  for (int attempt = 0; attempt < 5000 && comm != "gocker-monitor\n"; ++attempt) {
    comm = read_file(comm_path).value_or("");
    if (comm != "gocker-monitor\n") ::usleep(1000);  // it is being executed
  }
  CHECK(comm == "gocker-monitor\n");
}

TEST_CASE("an unused standby monitor ends with its owner and leaves no process") {
  pid_t waiting = 0;
  {
    runtime::MonitorStandby standby(monitor_binary());
    REQUIRE(standby.refill());
    waiting = standby.waiting_pid();
    REQUIRE(waiting > 0);
    CHECK(::kill(waiting, 0) == 0);
  }
  CHECK(reaped(waiting));
}

TEST_CASE("a setup failure is reported by spawn_monitor and leaves nothing behind") {
  World& w = world();
  json config = base_config({"true"});
  config["mounts"].push_back({{"destination", "/mnt/x"}, {"type", "bind"}, {"source", "/no/such/source"},
                              {"options", {"rbind"}}});
  std::string id = "rt-badmount";
  config["linux"]["cgroupsPath"] = w.cgroup_parent + "/" + id;
  std::string dir = w.temp + "/" + id;
  ::mkdir(dir.c_str(), 0700);
  {
    std::string text = config.dump();
    int fd = ::open((dir + "/config.json").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fd);
  }
  runtime::MonitorOptions options = monitor_options(id, dir);
  auto pending = runtime::spawn_monitor(options);
  REQUIRE_FALSE(pending);
  CHECK(pending.error().sys_errno == ENOENT);
  CHECK_MESSAGE(contains(pending.error().message, "/no/such/source"), pending.error().message);
  struct stat ignored {};
  CHECK(::stat((dir + "/attach.sock").c_str(), &ignored) != 0);
  CHECK(leftover_cgroups(id).empty());
}

TEST_CASE("after all runs: no container mount left here, /proc is still ours, cgroups are gone") {
  World& w = world();
  REQUIRE(!w.ids.empty());
  std::multiset<std::string> expected = w.mounts_before;
  expected.insert(w.rootfs);  // the overlay this test mounted
  std::multiset<std::string> now = mount_points();
  std::vector<std::string> extra;
  std::set_difference(now.begin(), now.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  std::string extra_text;
  for (const std::string& point : extra) extra_text += point + "\n";
  CHECK_MESSAGE(extra.empty(), "mounts leaked into the test's namespace:\n" << extra_text);
  // /proc here is still the proc of the test's (host) pid namespace.
  char self[32] = {};
  REQUIRE(::readlink("/proc/self", self, sizeof self - 1) > 0);
  CHECK(std::string(self) == std::to_string(::getpid()));
  // Every container's cgroup is removed: only the parent directories the driver made remain.
  for (const std::string& id : w.ids) CHECK_MESSAGE(leftover_cgroups(id).empty(), id);
  // ...and they were really made: a run's /proc/self/cgroup named its own (checked above).
}
