// What a user sees: gockerctl against a real gockerd (its own root, socket and cgroup parent, in
// the harness's mount and network namespace). Most cases share one daemon; the ones that kill or
// flood it get their own.
#include <doctest/doctest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/harness.hpp"

using namespace gocker::test;
using nlohmann::json;

namespace {

Daemon& shared_daemon() {
  static Daemon daemon;
  return daemon;
}

#define REQUIRE_DAEMON(daemon) REQUIRE_MESSAGE((daemon).started(), (daemon).start_error())

json inspect(const Daemon& daemon, const std::string& ref) {
  const auto result = daemon.gockerctl({"inspect", ref});
  INFO("inspect " << ref << ": " << result.describe());
  REQUIRE(result.exit_code == 0);
  json parsed = json::parse(result.out, nullptr, false);
  REQUIRE_FALSE(parsed.is_discarded());
  if (parsed.is_array()) {
    REQUIRE(parsed.size() == 1);
    return parsed[0];
  }
  return parsed;
}

// `run -d` prints the full id on its own line.
std::string run_detached(const Daemon& daemon, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"run", "-d"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto result = daemon.gockerctl(argv);
  INFO("run -d: " << result.describe());
  REQUIRE(result.exit_code == 0);
  const std::string id = trim(result.out);
  REQUIRE(std::regex_match(id, std::regex("[0-9a-f]{64}")));
  return id;
}

void remove_forcefully(const Daemon& daemon, const std::string& ref) {
  const auto result = daemon.gockerctl({"rm", "-f", ref});
  INFO("rm -f " << ref << ": " << result.describe());
  CHECK(result.exit_code == 0);
}

std::string cgroup_value(const Daemon& daemon, const std::string& id, const std::string& controller,
                         const std::string& file) {
  const auto directory = find_container_cgroup(controller, daemon.cgroup_parent(), id);
  INFO("no " << controller << " cgroup for " << id << " under " << daemon.cgroup_parent());
  REQUIRE(directory.has_value());
  const auto value = read_file(*directory + "/" + file);
  INFO("cannot read " << *directory << "/" << file);
  REQUIRE(value.has_value());
  return trim(*value);
}

// Paths below `base` (files and directories) whose name contains `needle`.
std::vector<std::string> paths_named_like(const std::string& base, const std::string& needle) {
  std::vector<std::string> found;
  std::vector<std::string> stack{base};
  while (!stack.empty()) {
    const std::string directory = stack.back();
    stack.pop_back();
    DIR* handle = ::opendir(directory.c_str());
    if (handle == nullptr) continue;
    while (dirent* entry = ::readdir(handle)) {
      const std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      const std::string path = directory + "/" + name;
      if (contains(name, needle)) found.push_back(path);
      if (entry->d_type == DT_DIR) stack.push_back(path);
    }
    ::closedir(handle);
  }
  return found;
}

// What a removal left below the daemon's root named like `needle`: nothing outside trash/ the
// moment rm returns, and nothing at all once the background deletion of the container's files has
// run (engine/tree_removal.hpp), which is given a few seconds.
std::vector<std::string> removal_leftovers(const Daemon& daemon, const std::string& needle) {
  const std::string trash = daemon.root() + "/trash/";
  std::vector<std::string> left;
  for (const auto& path : paths_named_like(daemon.root(), needle))
    if (path.rfind(trash, 0) != 0) left.push_back(path);
  if (!left.empty()) return left;
  const auto deadline = Clock::now() + 10s;
  for (;;) {
    left = paths_named_like(daemon.root(), needle);
    if (left.empty() || Clock::now() > deadline) return left;
    std::this_thread::sleep_for(10ms);
  }
}

void check_daemon_alive(const Daemon& daemon) {
  const auto ping = daemon.http("GET", "/_ping");
  INFO("after bad input, /_ping: " << ping.describe());
  CHECK(ping.status == 200);
  CHECK(ping.body == "OK");
}

}  // namespace

TEST_CASE("run --rm busybox echo hello prints exactly hello and removes the container") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const auto result = daemon.gockerctl({"run", "--rm", "--name", "hello", "busybox", "echo", "hello"});
  INFO(result.describe());
  CHECK(result.exit_code == 0);
  CHECK(result.out == "hello\n");
  const auto gone = daemon.gockerctl({"inspect", "hello"});
  CHECK_MESSAGE(gone.exit_code != 0, "--rm left the container behind: " << gone.describe());
}

TEST_CASE("the container's exit code is gockerctl's") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const auto three = daemon.gockerctl({"run", "--rm", "busybox", "sh", "-c", "exit 3"});
  INFO(three.describe());
  CHECK(three.exit_code == 3);

  const auto missing = daemon.gockerctl({"run", "--rm", "busybox", "no-such-command"});
  INFO(missing.describe());
  CHECK(missing.exit_code == 127);
  CHECK(contains(missing.out + missing.err, "executable file not found"));
}

TEST_CASE("env, workdir, user and hostname reach the command") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  SUBCASE("-e NAME=value and -e NAME from the client's environment") {
    CommandOptions options;
    options.env = {{"FROM_CLIENT", "xyz"}};
    const auto result = daemon.gockerctl(
        {"run", "--rm", "-e", "A=1", "-e", "FROM_CLIENT", "busybox", "sh", "-c", "echo \"$A-$FROM_CLIENT\""}, options);
    INFO(result.describe());
    CHECK(result.exit_code == 0);
    CHECK(result.out == "1-xyz\n");
  }
  SUBCASE("-w") {
    const auto result = daemon.gockerctl({"run", "--rm", "-w", "/tmp", "busybox", "pwd"});
    INFO(result.describe());
    CHECK(result.out == "/tmp\n");
  }
  SUBCASE("-u uid:gid") {
    const auto result = daemon.gockerctl({"run", "--rm", "-u", "1000:1000", "busybox", "sh", "-c", "id -u; id -g"});
    INFO(result.describe());
    CHECK(result.exit_code == 0);
    CHECK(result.out == "1000\n1000\n");
  }
  SUBCASE("-u name from the image's /etc/passwd") {
    const auto result = daemon.gockerctl({"run", "--rm", "-u", "nobody", "busybox", "sh", "-c", "id -u; id -g"});
    INFO(result.describe());
    CHECK(result.exit_code == 0);
    CHECK(result.out == "65534\n65534\n");
  }
  SUBCASE("-h") {
    const auto result = daemon.gockerctl({"run", "--rm", "-h", "myhost", "busybox", "hostname"});
    INFO(result.describe());
    CHECK(result.out == "myhost\n");
  }
  SUBCASE("the default hostname is the short id") {
    const auto result = daemon.gockerctl({"run", "--name", "hostname-default", "busybox", "hostname"});
    INFO(result.describe());
    CHECK(result.exit_code == 0);
    const std::string id = inspect(daemon, "hostname-default").value("Id", "");
    REQUIRE(id.size() == 64);
    CHECK(result.out == id.substr(0, 12) + "\n");
    remove_forcefully(daemon, "hostname-default");
  }
}

TEST_CASE("the command is PID 1 and sees only its own processes and its own links") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const auto pid = daemon.gockerctl({"run", "--rm", "busybox", "sh", "-c", "echo $$"});
  INFO(pid.describe());
  CHECK(pid.out == "1\n");

  // `; true` keeps busybox sh from exec'ing its last command, so sh stays PID 1 beside ps.
  const auto ps = daemon.gockerctl({"run", "--rm", "busybox", "sh", "-c", "ps -o pid,comm; true"});
  INFO(ps.describe());
  CHECK(ps.exit_code == 0);
  auto lines = split_lines(ps.out);
  REQUIRE(lines.size() >= 2);
  lines.erase(lines.begin());  // PID COMMAND
  std::map<std::string, int> pid_of;
  for (const auto& line : lines) {
    std::istringstream fields(line);
    int process_id = 0;
    std::string command;
    fields >> process_id >> command;
    pid_of[command] = process_id;
  }
  CHECK(lines.size() == 2);
  CHECK(pid_of.size() == 2);
  CHECK(pid_of["sh"] == 1);
  CHECK(pid_of.count("ps") == 1);

  // Its own network namespace: with --network none only lo; on the default bridge lo and eth0.
  const auto links = daemon.gockerctl({"run", "--rm", "--network", "none", "busybox", "cat", "/proc/net/dev"});
  INFO(links.describe());
  auto dev_lines = split_lines(links.out);
  REQUIRE(dev_lines.size() >= 3);
  CHECK(dev_lines.size() == 3);  // two header lines, then one per link
  CHECK(trim(dev_lines[2]).rfind("lo:", 0) == 0);
  const auto bridged = daemon.gockerctl({"run", "--rm", "busybox", "cat", "/proc/net/dev"});
  INFO(bridged.describe());
  std::set<std::string> names;
  for (const auto& line : split_lines(bridged.out))
    if (auto colon = line.find(':'); colon != std::string::npos) names.insert(trim(line.substr(0, colon)));
  CHECK(names == std::set<std::string>{"lo", "eth0"});
}

TEST_CASE("run -i forwards stdin and closes it at EOF") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  CommandOptions options;
  options.stdin_data = "abc\n";
  const auto result = daemon.gockerctl({"run", "-i", "--rm", "busybox", "cat"}, options);
  INFO(result.describe());
  CHECK(result.exit_code == 0);
  CHECK(result.out == "abc\n");
}

TEST_CASE("run -it gives an interactive shell on a pty") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  // The "h''i" makes the echo of what we type differ from what the shell prints.
  const auto session = daemon.gockerctl_pty({"run", "-it", "--rm", "-h", "ptyhost", "busybox", "sh"},
                                            {{"# ", "ps -o pid,comm; hostname; tty; echo h''i; exit 3\r"}}, 30s);
  INFO(session.describe());
  CHECK(session.error.empty());
  CHECK(session.exit_code == 3);
  CHECK(contains(session.output, "hi\r\n"));
  CHECK(contains(session.output, "ptyhost\r\n"));
  CHECK(contains(session.output, "/dev/pts/"));
  CHECK(std::regex_search(session.output, std::regex("(^|\\n)\\s*1\\s+sh\\s*\\r?\\n")));
}

TEST_CASE("a detached container with limits: ps, cgroup files, rm") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string id = run_detached(daemon, {"--name", "web", "-m", "64m", "--cpus", "0.5", "--cpuset-cpus", "0",
                                               "--pids-limit", "50", "busybox", "sleep", "1000"});
  const auto ps = daemon.gockerctl({"ps"});
  INFO(ps.describe());
  CHECK(ps.exit_code == 0);
  bool found_row = false;
  for (const auto& line : split_lines(ps.out)) {
    if (contains(line, "web") && contains(line, "Up")) found_row = true;
  }
  CHECK(found_row);
  const auto quiet = daemon.gockerctl({"ps", "-q"});
  CHECK(contains(quiet.out, id.substr(0, 12)));

  if (is_cgroup_v2_host()) {
    CHECK(cgroup_value(daemon, id, "memory", "memory.max") == "67108864");
    CHECK(cgroup_value(daemon, id, "cpu", "cpu.max") == "50000 100000");
    CHECK(cgroup_value(daemon, id, "cpuset", "cpuset.cpus") == "0");
    CHECK(cgroup_value(daemon, id, "pids", "pids.max") == "50");
  } else {
    CHECK(cgroup_value(daemon, id, "memory", "memory.limit_in_bytes") == "67108864");
    CHECK(cgroup_value(daemon, id, "cpu", "cpu.cfs_quota_us") == "50000");
    CHECK(cgroup_value(daemon, id, "cpu", "cpu.cfs_period_us") == "100000");
    CHECK(cgroup_value(daemon, id, "cpuset", "cpuset.cpus") == "0");
    CHECK(cgroup_value(daemon, id, "pids", "pids.max") == "50");
  }
  const std::string init_pid = std::to_string(inspect(daemon, "web")["State"].value("Pid", 0));
  const auto memory_dir = find_container_cgroup("memory", daemon.cgroup_parent(), id);
  REQUIRE(memory_dir.has_value());
  CHECK(contains(read_file(*memory_dir + "/cgroup.procs").value_or(""), init_pid));

  // While it runs, the only mount under the root in our namespace is its rootfs: the container's
  // /proc, /dev, /sys live in its own mount namespace (made rprivate before mounting, although our
  // "/" is shared) and must not propagate here.
  for (const auto& mount : mounts_under(daemon.root() + "/")) {
    INFO("mount under the daemon root: " << mount.mount_point << " (" << mount.fs_type << ")");
    CHECK(mount.fs_type == "overlay");
  }
  CHECK(mounts_under(daemon.root() + "/").size() <= 1);

  SUBCASE("rm refuses a running container, rm -f removes every trace") {
    const auto refused = daemon.gockerctl({"rm", "web"});
    INFO(refused.describe());
    CHECK(refused.exit_code != 0);
    CHECK_FALSE(trim(refused.err).empty());
    CHECK(inspect(daemon, "web")["State"].value("Running", false));

    remove_forcefully(daemon, "web");
    CHECK(daemon.gockerctl({"inspect", "web"}).exit_code != 0);
    for (const auto& mount : read_mountinfo()) {
      INFO("mount left behind: " << mount.mount_point);
      CHECK_FALSE(contains(mount.mount_point, id.substr(0, 12)));
    }
    CHECK_FALSE(find_container_cgroup("memory", daemon.cgroup_parent(), id).has_value());
    CHECK_FALSE(find_container_cgroup("pids", daemon.cgroup_parent(), id).has_value());
    CHECK_FALSE(find_container_cgroup("cpu", daemon.cgroup_parent(), id).has_value());
    const auto leftovers = removal_leftovers(daemon, id.substr(0, 12));
    for (const auto& path : leftovers) CHECK_MESSAGE(false, "left behind: " << path);
    const int pid = std::stoi(init_pid);
    CHECK_MESSAGE(open_pidfd(pid) < 0, "the container's init " << pid << " is still alive");
  }
}

TEST_CASE("logs after exit, --tail, -t") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  // stdout and stderr are separate pipes, so only the order within each stream is defined.
  const auto run = daemon.gockerctl({"run", "--name", "logger", "busybox", "sh", "-c", "echo one; echo two >&2; echo three"});
  INFO(run.describe());
  CHECK(run.exit_code == 0);
  CHECK(run.out == "one\nthree\n");
  CHECK(run.err == "two\n");

  const auto logs = daemon.gockerctl({"logs", "logger"});
  INFO(logs.describe());
  CHECK(logs.exit_code == 0);
  CHECK(logs.out == "one\nthree\n");
  CHECK(logs.err == "two\n");
  remove_forcefully(daemon, "logger");

  const auto counted = daemon.gockerctl({"run", "--name", "counter", "busybox", "sh", "-c", "echo one; echo two; echo three"});
  INFO(counted.describe());
  CHECK(counted.exit_code == 0);
  const auto tail = daemon.gockerctl({"logs", "--tail", "1", "counter"});
  INFO(tail.describe());
  CHECK(tail.out == "three\n");
  CHECK(tail.err.empty());
  CHECK(daemon.gockerctl({"logs", "--tail", "2", "counter"}).out == "two\nthree\n");

  const auto stamped = daemon.gockerctl({"logs", "-t", "counter"});
  INFO(stamped.describe());
  const auto lines = split_lines(stamped.out);
  REQUIRE(lines.size() == 3);
  const std::regex timestamp("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d) ");
  for (const auto& line : lines) CHECK(std::regex_search(line, timestamp));
  CHECK(lines[0].substr(lines[0].find(' ') + 1) == "one");
  CHECK(lines[2].substr(lines[2].find(' ') + 1) == "three");
  remove_forcefully(daemon, "counter");
}

TEST_CASE("logs -f into a pipe passes each line on while the container runs") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  REQUIRE(daemon.gockerctl({"run", "-d", "--name", "chatty", "busybox", "sh", "-c", "echo first; exec sleep 60"}).exit_code == 0);
  // The reader takes one line, then looks at the container: a client that held output back until
  // the stream ended would only deliver "first" after 60 s, with the container exited.
  CommandOptions options;
  options.env.emplace_back("GOCKERCTL", gockerctl_binary() + " -H " + daemon.host());
  options.timeout = 30s;
  const auto piped = run_command({"sh", "-c",
                                  "$GOCKERCTL logs -f chatty | { read -r line; echo \"got $line\"; "
                                  "$GOCKERCTL inspect --format '{{.State.Status}}' chatty; "
                                  "$GOCKERCTL kill chatty >/dev/null; cat >/dev/null; }"},
                                 options);
  INFO(piped.describe());
  CHECK_FALSE(piped.timed_out);
  CHECK(piped.out == "got first\nrunning\n");
  remove_forcefully(daemon, "chatty");
}

TEST_CASE("stop -t 1 of a process ignoring SIGTERM kills it after the timeout") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  run_detached(daemon, {"--name", "stubborn", "busybox", "sh", "-c", "trap '' TERM; sleep 1000"});
  const auto stop = daemon.gockerctl({"stop", "-t", "1", "stubborn"});
  INFO(stop.describe());
  CHECK(stop.exit_code == 0);
  CHECK(stop.elapsed >= 900ms);
  CHECK(stop.elapsed < 3500ms);
  const auto state = inspect(daemon, "stubborn")["State"];
  CHECK(state.value("Running", true) == false);
  CHECK(state.value("ExitCode", -1) == 137);
  const auto wait = daemon.gockerctl({"wait", "stubborn"});
  CHECK(trim(wait.out) == "137");
  remove_forcefully(daemon, "stubborn");
}

TEST_CASE("a 64 MB allocation under -m 32m is OOM-killed") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const auto run = daemon.gockerctl(
      {"run", "--name", "oom", "-m", "32m", "busybox", "sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1"});
  INFO(run.describe());
  CHECK(run.exit_code == 137);
  const auto state = inspect(daemon, "oom")["State"];
  INFO(state.dump());
  CHECK(state.value("OOMKilled", false) == true);
  CHECK(state.value("ExitCode", -1) == 137);
  remove_forcefully(daemon, "oom");
}

TEST_CASE("bad input gets a clear error and the daemon stays up") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  SUBCASE("malformed JSON: 400 with a JSON message") {
    const auto response = daemon.http("POST", "/containers/create", "{\"Image\": \"busybox\",");
    INFO(response.describe());
    CHECK(response.status == 400);
    const auto body = json::parse(response.body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK_FALSE(body.value("message", "").empty());
  }
  SUBCASE("unknown image: 404") {
    const auto response = daemon.http("POST", "/v1.41/containers/create", R"({"Image":"no-such-image","Cmd":["true"]})");
    INFO(response.describe());
    CHECK(response.status == 404);
    CHECK(json::parse(response.body, nullptr, false).value("message", "") != "");
  }
  SUBCASE("duplicate name: 409") {
    const std::string request = R"({"Image":"busybox","Cmd":["true"]})";
    const auto first = daemon.http("POST", "/containers/create?name=twin", request);
    INFO(first.describe());
    CHECK(first.status == 201);
    const auto second = daemon.http("POST", "/containers/create?name=twin", request);
    INFO(second.describe());
    CHECK(second.status == 409);
    CHECK(json::parse(second.body, nullptr, false).value("message", "") != "");
    CHECK(daemon.http("DELETE", "/containers/twin?force=1").status == 204);
  }
  SUBCASE("unknown container: 404") {
    const auto response = daemon.http("GET", "/containers/no-such-container/json");
    INFO(response.describe());
    CHECK(response.status == 404);
  }
  SUBCASE("a bad memory value from the CLI: one line, non-zero exit") {
    const auto result = daemon.gockerctl({"run", "--rm", "-m", "12qq", "busybox", "true"});
    INFO(result.describe());
    CHECK(result.exit_code == 125);  // docker's code for a usage or daemon error
    // One line with the reason (docker adds a second one pointing at --help).
    const auto lines = split_lines(trim(result.err));
    REQUIRE_FALSE(lines.empty());
    CHECK(lines.size() <= 2);
    CHECK(contains(lines[0], "12qq"));
    CHECK(result.out.empty());
  }
  SUBCASE("a bad memory value through the API: 400") {
    const auto response =
        daemon.http("POST", "/containers/create", R"({"Image":"busybox","HostConfig":{"Memory":-5}})");
    INFO(response.describe());
    CHECK(response.status == 400);
  }
  check_daemon_alive(daemon);
}

TEST_CASE("the daemon's namespace keeps its own /proc and no container mounts") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  // Make sure containers have run in this daemon, whatever the test order.
  CHECK(daemon.gockerctl({"run", "--rm", "busybox", "true"}).exit_code == 0);
  // A container's /proc mounted over ours would make /proc/self someone else.
  char self[64] = {};
  REQUIRE(::readlink("/proc/self", self, sizeof self - 1) > 0);
  CHECK(std::string(self) == std::to_string(::getpid()));
  CHECK(process_comm(daemon.pid()) == "gockerd");
  const auto init_comm = process_comm(1);
  CHECK_FALSE(init_comm.empty());
  CHECK(init_comm != "sh");
  CHECK(init_comm != "sleep");
  // The daemon's mount namespace is ours: compare the links.
  char ours[64] = {}, its[64] = {};
  REQUIRE(::readlink("/proc/self/ns/mnt", ours, sizeof ours - 1) > 0);
  REQUIRE(::readlink(("/proc/" + std::to_string(daemon.pid()) + "/ns/mnt").c_str(), its, sizeof its - 1) > 0);
  CHECK(std::string(ours) == std::string(its));
  const auto ps = daemon.gockerctl({"ps", "-q"});
  if (trim(ps.out).empty()) {
    for (const auto& mount : mounts_under(daemon.root() + "/")) CHECK_MESSAGE(false, "mounted: " << mount.mount_point);
  }
  for (const auto& mount : read_mountinfo()) {
    INFO("mount in the daemon's namespace: " << mount.mount_point << " " << mount.fs_type);
    CHECK_FALSE(contains(mount.mount_point, "/merged/"));
  }
}

TEST_CASE("the socket: a second daemon is refused, gockerctl without a daemon says so") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  char pattern[] = "/tmp/gk2.XXXXXX";
  REQUIRE(::mkdtemp(pattern) != nullptr);
  const std::string other_root = std::string(pattern) + "/root";
  CommandOptions options;
  options.timeout = 10s;
  const auto second = run_command({gockerd_binary(), "--root", other_root, "-H", daemon.host(), "--cgroup-parent",
                                   daemon.cgroup_parent() + "-second", "--monitor-path", monitor_binary(),
                                   "--image-dir", image_dir()},
                                  options);
  INFO(second.describe());
  CHECK_FALSE(second.timed_out);
  CHECK(second.exit_code != 0);
  CHECK(contains(second.out + second.err, daemon.socket_path()));
  run_command({"rm", "-rf", pattern});
  check_daemon_alive(daemon);

  const std::string missing = daemon.temp_dir() + "/no-daemon.sock";
  const auto unreachable = run_command({gockerctl_binary(), "-H", "unix://" + missing, "run", "--rm", "busybox", "true"});
  INFO(unreachable.describe());
  CHECK(unreachable.exit_code == 125);  // docker run's code for "the daemon failed"
  const auto lines = split_lines(trim(unreachable.err));
  CHECK(lines.size() == 1);
  CHECK(contains(unreachable.err, missing));
}

TEST_CASE("kill -9 of gockerd and a restart keep a detached container") {
  Daemon daemon;
  REQUIRE_DAEMON(daemon);
  const std::string id = run_detached(
      daemon, {"--name", "survivor", "busybox", "sh", "-c", "echo started; trap 'exit 7' TERM; while true; do sleep 1; done"});
  // It ends when the test creates a file: a signal could arrive before its shell set the trap, and
  // the PID 1 of a namespace ignores a signal it has no handler for.
  const std::string trigger_dir = daemon.temp_dir() + "/ends-alone";
  REQUIRE(::mkdir(trigger_dir.c_str(), 0755) == 0);
  const std::string ends_alone_id = run_detached(
      daemon, {"--name", "ends-alone", "-v", trigger_dir + ":/w", "busybox", "sh", "-c",
               "while [ ! -e /w/go ]; do sleep 0.1; done; exit 9"});
  const int survivor_pid = inspect(daemon, "survivor")["State"].value("Pid", 0);
  const int ends_alone_pid = inspect(daemon, "ends-alone")["State"].value("Pid", 0);
  REQUIRE(survivor_pid > 0);
  REQUIRE(ends_alone_pid > 0);

  daemon.kill9();
  // While no daemon runs, one container ends on its own: its monitor records the exit.
  const int ends_alone_pidfd = open_pidfd(ends_alone_pid);
  REQUIRE(ends_alone_pidfd >= 0);
  REQUIRE(std::ofstream(trigger_dir + "/go").good());
  CHECK(wait_pidfd_exit(ends_alone_pidfd, 10s));
  ::close(ends_alone_pidfd);

  REQUIRE_MESSAGE(daemon.start(), daemon.start_error());
  const int survivor_pidfd = open_pidfd(survivor_pid);
  CHECK_MESSAGE(survivor_pidfd >= 0, "the container died with the daemon");
  if (survivor_pidfd >= 0) ::close(survivor_pidfd);

  const auto state = inspect(daemon, "survivor")["State"];
  CHECK(state.value("Running", false));
  CHECK(state.value("Pid", 0) == survivor_pid);
  const auto ps = daemon.gockerctl({"ps"});
  INFO(ps.describe());
  CHECK(contains(ps.out, "survivor"));
  const auto logs = daemon.gockerctl({"logs", "survivor"});
  INFO(logs.describe());
  CHECK(logs.out == "started\n");

  const auto ended = inspect(daemon, "ends-alone")["State"];
  INFO(ended.dump());
  CHECK(ended.value("Running", true) == false);
  CHECK(ended.value("ExitCode", -1) == 9);

  const auto stop = daemon.gockerctl({"stop", "survivor"});
  INFO(stop.describe());
  CHECK(stop.exit_code == 0);
  CHECK(stop.elapsed < 5s);  // the trap exits within a `sleep 1`, long before the 10 s default
  const auto stopped = inspect(daemon, "survivor")["State"];
  CHECK(stopped.value("Running", true) == false);
  CHECK(stopped.value("ExitCode", -1) == 7);
  CHECK(trim(daemon.gockerctl({"wait", "survivor"}).out) == "7");

  CHECK(daemon.gockerctl({"rm", "survivor", "ends-alone"}).exit_code == 0);
  CHECK(mounts_under(daemon.root() + "/").empty());
  CHECK(removal_leftovers(daemon, id.substr(0, 12)).empty());
  CHECK(removal_leftovers(daemon, ends_alone_id.substr(0, 12)).empty());
}

TEST_CASE("50 containers created at once all succeed") {
  Daemon daemon;
  REQUIRE_DAEMON(daemon);
  constexpr int kCount = 50;
  std::vector<CommandResult> results(kCount);
  std::vector<std::thread> threads;
  for (int index = 0; index < kCount; ++index) {
    threads.emplace_back([&daemon, &results, index] {
      results[index] = daemon.gockerctl({"create", "--name", "parallel-" + std::to_string(index), "busybox", "true"});
    });
  }
  for (auto& thread : threads) thread.join();
  int succeeded = 0;
  for (const auto& result : results) {
    if (result.exit_code == 0) {
      ++succeeded;
    } else {
      CHECK_MESSAGE(false, result.describe());
    }
  }
  CHECK(succeeded == kCount);
  const auto listed = daemon.gockerctl({"ps", "-a", "-q"});
  CHECK(split_lines(trim(listed.out)).size() == static_cast<size_t>(kCount));
  const auto all = daemon.http("GET", "/containers/json?all=1");
  CHECK(json::parse(all.body, nullptr, false).size() == static_cast<size_t>(kCount));
  std::vector<std::string> remove = {"rm", "-f"};
  for (int index = 0; index < kCount; ++index) remove.push_back("parallel-" + std::to_string(index));
  const auto removed = daemon.gockerctl(remove);
  INFO(removed.describe());
  CHECK(removed.exit_code == 0);
  CHECK(mounts_under(daemon.root() + "/").empty());
}

TEST_CASE("an auto-remove that fails wakes the removal waiter with the cause; rm -f works once it can") {
  auto& daemon = shared_daemon();
  auto created = daemon.http("POST", "/v1.41/containers/create?name=stuck-removal",
                             R"({"Image":"busybox","Cmd":["sleep","300"],"HostConfig":{"AutoRemove":true}})");
  REQUIRE(created.status == 201);
  const std::string id = json::parse(created.body).at("Id").get<std::string>();
  REQUIRE(daemon.http("POST", "/v1.41/containers/" + id + "/start").status == 204);
  // A mount inside the container's directory makes its removal fail (EBUSY), as a leftover
  // mount or an open file on some filesystems would.
  const std::string busy = daemon.root() + "/containers/" + id + "/busy";
  REQUIRE(::mkdir(busy.c_str(), 0700) == 0);
  REQUIRE(::mount("tmpfs", busy.c_str(), "tmpfs", 0, nullptr) == 0);

  auto waited = std::async(std::launch::async, [&daemon, id] {
    return daemon.http("POST", "/v1.41/containers/" + id + "/wait?condition=removed");
  });
  // The wait is registered once its chunked head went out, which the daemon logs.
  const std::string registered = "/wait?condition=removed -> 200 (chunked)";
  const auto deadline = Clock::now() + 10s;
  while (!contains(daemon.log(), id + registered) && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  REQUIRE(contains(daemon.log(), id + registered));

  REQUIRE(daemon.http("POST", "/v1.41/containers/" + id + "/kill").status == 204);
  REQUIRE(waited.wait_for(20s) == std::future_status::ready);
  auto response = waited.get();
  INFO(response.describe());
  CHECK(response.status == 200);
  CHECK(contains(response.body, "\"Error\""));
  CHECK(contains(response.body, "remove container"));
  auto state = json::parse(daemon.http("GET", "/v1.41/containers/" + id + "/json").body);
  CHECK(state.at("State").at("Status") == "dead");

  REQUIRE(::umount2(busy.c_str(), MNT_DETACH) == 0);
  CHECK(daemon.gockerctl({"rm", "-f", id}).exit_code == 0);
  CHECK(daemon.http("GET", "/v1.41/containers/" + id + "/json").status == 404);
}
