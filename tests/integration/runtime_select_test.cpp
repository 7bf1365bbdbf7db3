// gockerd handing bundles to other OCI runtimes (issue 8): the same scenarios under the built-in
// runtime, runc and crun, each through its own gockerd (`--runtime NAME`), must give the same
// observable results: output, exit codes, the process's settings, PID 1, the memory limit in the
// cgroup, logs, a terminal, stdin through attach, exec, stop, a daemon killed with -9 and
// restarted, and nothing left behind by rm (runtime state, mounts, cgroups, directories).
//
// crun 1.8.1 refuses this host's hybrid cgroup layout (v1 controllers plus a cgroup2 mount at
// /sys/fs/cgroup/unified): its gockerd runs in a mount namespace of its own in which that mount is
// unmounted (the harness's namespace is already private to this test; the host's is never touched).
//
// A runtime binary that is not installed is a loud skip of its cases (a failure under
// GOCKER_TEST_STRICT=1).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/harness.hpp"

using namespace gocker::test;
using nlohmann::json;

namespace {

constexpr const char* kHybridCgroup2 = "/sys/fs/cgroup/unified";

std::string runtime_binary(const std::string& name) { return detail::find_on_path(name); }

bool is_mount_point(const std::string& path) {
  for (const auto& entry : read_mountinfo()) {
    if (entry.mount_point == path) return true;
  }
  return false;
}

// False (and a loud skip message, or a failure when strict) when the runtime is not installed.
bool have_runtime(const std::string& name) {
  if (name == "gocker" || !runtime_binary(name).empty()) return true;
  if (std::getenv("GOCKER_TEST_STRICT")) FAIL("no " << name << " on PATH and GOCKER_TEST_STRICT=1");
  MESSAGE("SKIP: " << name << " is not installed (apt-get install " << name << ")");
  return false;
}

DaemonOptions options_for(const std::string& runtime, std::vector<std::string> extra = {}) {
  DaemonOptions options;
  options.extra_args = {"--runtime", runtime};
  options.extra_args.insert(options.extra_args.end(), extra.begin(), extra.end());
  if (runtime == "crun" && is_mount_point(kHybridCgroup2)) {
    // A mount namespace of its own for this gockerd, without the cgroup2 mount crun refuses.
    options.launcher = {detail::find_on_path("unshare"), "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                        std::string("umount ") + kHybridCgroup2 + " && exec \"$0\" \"$@\""};
  }
  return options;
}

json inspect(const Daemon& daemon, const std::string& name) {
  auto response = daemon.http("GET", "/v1.41/containers/" + name + "/json");
  INFO(response.describe());
  REQUIRE(response.status == 200);
  return json::parse(response.body);
}

std::string run_detached(const Daemon& daemon, const std::vector<std::string>& args) {
  std::vector<std::string> full{"run", "-d"};
  full.insert(full.end(), args.begin(), args.end());
  auto run = daemon.gockerctl(full);
  INFO(run.describe());
  REQUIRE(run.exit_code == 0);
  return trim(run.out);
}

std::vector<std::string> entries_of(const std::string& directory) {
  std::vector<std::string> names;
  auto listing = run_command({"ls", "-A", directory});
  for (const auto& line : split_lines(listing.out)) {
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

// Mount points under the daemon's root as the daemon sees them (its own mount namespace for crun).
std::vector<std::string> mounts_of_daemon_under(const Daemon& daemon, const std::string& prefix) {
  std::vector<std::string> points;
  for (const auto& entry : read_mountinfo(daemon.pid())) {
    if (entry.mount_point.rfind(prefix, 0) == 0) points.push_back(entry.mount_point);
  }
  return points;
}

// Every scenario, the same for each runtime: the expectations are the built-in runtime's behaviour.
void check_runtime(const std::string& runtime) {
  if (!have_runtime(runtime)) return;
  Daemon daemon(options_for(runtime));
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());

  SUBCASE("info names the runtimes and the default") {
    auto response = daemon.http("GET", "/v1.41/info");
    REQUIRE(response.status == 200);
    auto info = json::parse(response.body);
    CHECK(info["DefaultRuntime"] == runtime);
    CHECK(info["Runtimes"].contains("gocker"));
    CHECK(info["Runtimes"].contains(runtime));
    if (runtime != "gocker") CHECK(info["Runtimes"][runtime]["path"] == runtime_binary(runtime));
    auto text = daemon.gockerctl({"info"});
    CHECK(contains(text.out, "Default Runtime: " + runtime + "\n"));
    CHECK(contains(text.out, " Runtimes: "));
    if (!docker_cli_path().empty()) {
      auto docker = daemon.docker({"info"});
      INFO(docker.describe());
      CHECK(contains(docker.out, "Default Runtime: " + runtime + "\n"));
      CHECK(contains(docker.out, " Runtimes: "));
      CHECK(contains(docker.out, runtime));
    }
  }

  SUBCASE("output, exit codes and a missing command") {
    auto echo = daemon.gockerctl({"run", "--rm", "busybox", "echo", "hello"});
    INFO(echo.describe());
    CHECK(echo.exit_code == 0);
    CHECK(echo.out == "hello\n");
    auto three = daemon.gockerctl({"run", "--name", "three", "busybox", "sh", "-c", "exit 3"});
    CHECK(three.exit_code == 3);
    CHECK(inspect(daemon, "three")["State"]["ExitCode"] == 3);
    CHECK(inspect(daemon, "three")["HostConfig"]["Runtime"] == runtime);
    auto missing = daemon.gockerctl({"run", "--name", "missing", "busybox", "nonexist"});
    INFO(missing.describe());
    CHECK(missing.exit_code == 127);
    CHECK(contains(missing.err, "nonexist"));
    // As Docker leaves it (runc fails the create): still "created", never started, 127 and why.
    const auto missing_state = inspect(daemon, "missing")["State"];
    CHECK(missing_state["ExitCode"] == 127);
    CHECK(missing_state["Status"] == "created");
    CHECK(missing_state["StartedAt"] == "0001-01-01T00:00:00Z");
    CHECK(contains(missing_state["Error"].get<std::string>(), "executable file not found"));
    auto not_executable = daemon.gockerctl({"run", "--name", "directory", "busybox", "/etc"});
    INFO(not_executable.describe());
    CHECK(not_executable.exit_code == 126);
    CHECK(inspect(daemon, "directory")["State"]["Status"] == "created");
    CHECK(inspect(daemon, "directory")["State"]["ExitCode"] == 126);
    CHECK(daemon.gockerctl({"rm", "three", "missing", "directory"}).exit_code == 0);
  }

  SUBCASE("env, working dir, user, hostname and PID 1") {
    auto settings = daemon.gockerctl({"run", "--rm", "-e", "FOO=bar", "-w", "/tmp", "-u", "1000:1000", "-h", "myhost",
                                      "busybox", "sh", "-c", "echo $FOO; pwd; id -u; id -g; hostname"});
    INFO(settings.describe());
    CHECK(settings.out == "bar\n/tmp\n1000\n1000\nmyhost\n");
    auto ps = daemon.gockerctl({"run", "--rm", "busybox", "ps", "-o", "pid,args"});
    INFO(ps.describe());
    CHECK(std::regex_search(ps.out, std::regex("(^|\\n)\\s*1\\s+ps -o pid,args\\s*\\n")));
  }

  SUBCASE("-m lands in the memory cgroup and OOM kills show; logs after the exit") {
    const std::string id = run_detached(daemon, {"--name", "mem", "-m", "64m", "busybox", "sleep", "1000"});
    const auto memory_dir = find_container_cgroup(is_cgroup_v2_host() ? "" : "memory", daemon.cgroup_parent(), id);
    REQUIRE(memory_dir.has_value());
    auto limit = read_file(*memory_dir + (is_cgroup_v2_host() ? "/memory.max" : "/memory.limit_in_bytes"));
    REQUIRE(limit.has_value());
    CHECK(trim(*limit) == "67108864");
    // The runtime named is the one that made it: its state of the container exists while it runs.
    struct stat info {};
    if (runtime != "gocker") CHECK(::stat((daemon.root() + "/runtimes/" + runtime + "/" + id).c_str(), &info) == 0);
    CHECK(daemon.gockerctl({"rm", "-f", "mem"}).exit_code == 0);
    CHECK_FALSE(find_container_cgroup(is_cgroup_v2_host() ? "" : "memory", daemon.cgroup_parent(), id).has_value());

    // 64 MB held in a shell variable under a 32 MB limit (no swap to fall back on): the kernel's
    // OOM killer ends it, whichever runtime made the cgroup, and the monitor sees that.
    auto oom = daemon.gockerctl({"run", "--name", "oom", "-m", "32m", "--memory-swap", "32m", "busybox", "sh", "-c",
                                 "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived"});
    INFO(oom.describe());
    CHECK(oom.exit_code == 137);
    CHECK(oom.out.find("survived") == std::string::npos);
    CHECK(inspect(daemon, "oom")["State"]["OOMKilled"] == true);
    CHECK(inspect(daemon, "oom")["State"]["ExitCode"] == 137);
    CHECK(daemon.gockerctl({"rm", "oom"}).exit_code == 0);

    run_detached(daemon, {"--name", "logs", "busybox", "sh", "-c", "echo out; echo err >&2; exit 5"});
    auto waited = daemon.gockerctl({"wait", "logs"});
    CHECK(trim(waited.out) == "5");
    auto logs = daemon.gockerctl({"logs", "logs"});
    CHECK(logs.out == "out\n");
    CHECK(logs.err == "err\n");
    CHECK(daemon.gockerctl({"rm", "logs"}).exit_code == 0);
  }

  SUBCASE("-t runs on a pty; -i pipes stdin through attach") {
    const auto session = daemon.gockerctl_pty({"run", "-it", "--rm", "busybox", "sh"},
                                              {{"# ", "tty; echo h''i; exit 4\r"}}, 30s);
    INFO(session.describe());
    CHECK(session.exit_code == 4);
    CHECK(contains(session.output, "/dev/pts/"));
    CHECK(contains(session.output, "hi\r\n"));
    CommandOptions input;
    input.stdin_data = "abc\ndef\n";
    auto cat = daemon.gockerctl({"run", "-i", "--rm", "busybox", "cat"}, input);
    INFO(cat.describe());
    CHECK(cat.exit_code == 0);
    CHECK(cat.out == "abc\ndef\n");
  }

  SUBCASE("exec, attached and detached") {
    run_detached(daemon, {"--name", "ex", "busybox", "sleep", "1000"});
    auto sum = daemon.gockerctl({"exec", "ex", "sh", "-c", "echo $((1+2)); exit 4"});
    INFO(sum.describe());
    CHECK(sum.exit_code == 4);
    CHECK(sum.out == "3\n");
    auto missing = daemon.gockerctl({"exec", "ex", "nosuch"});
    INFO(missing.describe());
    CHECK(missing.exit_code == 127);
    auto ps = daemon.gockerctl({"exec", "ex", "ps", "-o", "pid,args"});
    CHECK(std::regex_search(ps.out, std::regex("(^|\\n)\\s*1\\s+sleep 1000\\s*\\n")));
    CommandOptions input;
    input.stdin_data = "piped\n";
    auto cat = daemon.gockerctl({"exec", "-i", "ex", "cat"}, input);
    CHECK(cat.out == "piped\n");
    auto tty = daemon.gockerctl_pty({"exec", "-it", "ex", "sh"}, {{"# ", "tty; exit 6\r"}}, 30s);
    INFO(tty.describe());
    CHECK(tty.exit_code == 6);
    CHECK(contains(tty.output, "/dev/pts/"));
    CHECK(daemon.gockerctl({"exec", "-d", "ex", "sh", "-c", "echo detached > /tmp/mark; exec sleep 777"}).exit_code == 0);
    auto seen = daemon.gockerctl({"exec", "ex", "sh", "-c", "until [ -s /tmp/mark ]; do sleep 0.05; done; cat /tmp/mark"});
    CHECK(seen.out == "detached\n");
    CHECK(daemon.gockerctl({"rm", "-f", "ex"}).exit_code == 0);
  }

  SUBCASE("pause and unpause (the cgroup freezer, whichever runtime made the cgroup)") {
    run_detached(daemon, {"--name", "frozen", "busybox", "sleep", "1000"});
    CHECK(daemon.gockerctl({"pause", "frozen"}).exit_code == 0);
    CHECK(inspect(daemon, "frozen")["State"]["Paused"] == true);
    auto refused = daemon.gockerctl({"exec", "frozen", "true"});
    CHECK(refused.exit_code != 0);
    CHECK(contains(refused.err, "is paused"));
    CHECK(daemon.gockerctl({"unpause", "frozen"}).exit_code == 0);
    CHECK(inspect(daemon, "frozen")["State"]["Paused"] == false);
    CHECK(daemon.gockerctl({"exec", "frozen", "true"}).exit_code == 0);
    CHECK(daemon.gockerctl({"rm", "-f", "frozen"}).exit_code == 0);
  }

  SUBCASE("stop of a process that ignores SIGTERM ends within the timeout") {
    run_detached(daemon, {"--name", "stubborn", "busybox", "sh", "-c", "trap '' TERM; while true; do sleep 1; done"});
    const auto started = Clock::now();
    auto stop = daemon.gockerctl({"stop", "-t", "1", "stubborn"});
    const auto took = detail::since(started);
    INFO(stop.describe());
    CHECK(stop.exit_code == 0);
    CHECK(took < 8s);
    CHECK(inspect(daemon, "stubborn")["State"]["ExitCode"] == 137);
    CHECK(daemon.gockerctl({"rm", "stubborn"}).exit_code == 0);
  }

  SUBCASE("kill -9 of gockerd: the container keeps running, its exit is recorded after the restart") {
    const std::string id = run_detached(
        daemon, {"--name", "survivor", "busybox", "sh", "-c", "until [ -e /tmp/go ]; do sleep 0.05; done; exit 7"});
    const auto pid_before = inspect(daemon, "survivor")["State"]["Pid"].get<int64_t>();
    daemon.kill9();
    REQUIRE_MESSAGE(daemon.start(), daemon.start_error());
    auto state = inspect(daemon, "survivor")["State"];
    CHECK(state["Running"] == true);
    CHECK(state["Pid"] == pid_before);
    // exec after the restart goes through the container's runtime too.
    CHECK(daemon.gockerctl({"exec", "survivor", "touch", "/tmp/go"}).exit_code == 0);
    auto waited = daemon.gockerctl({"wait", "survivor"});
    CHECK(trim(waited.out) == "7");
    CHECK(inspect(daemon, "survivor")["State"]["ExitCode"] == 7);
    // A stopped container starts again under the same runtime (its state was deleted at the exit).
    auto restarted = daemon.gockerctl({"start", "-a", "survivor"});
    INFO(restarted.describe());
    CHECK(restarted.exit_code == 7);
    CHECK(daemon.gockerctl({"rm", "survivor"}).exit_code == 0);
    CHECK_FALSE(find_container_cgroup(is_cgroup_v2_host() ? "" : "memory", daemon.cgroup_parent(), id).has_value());
  }

  // After every subcase: rm left nothing of any container behind.
  auto all = daemon.gockerctl({"ps", "-aq"});
  CHECK(trim(all.out).empty());
  if (runtime != "gocker") CHECK(entries_of(daemon.root() + "/runtimes/" + runtime).empty());
  CHECK(entries_of(daemon.root() + "/containers").empty());
  CHECK(mounts_of_daemon_under(daemon, daemon.root()).empty());
  for (const auto& directory : cgroup_parent_dirs(daemon.cgroup_parent())) {
    CHECK_MESSAGE(subdirectories_deepest_first(directory).size() == 1, directory << " has container cgroups left");
  }
}

}  // namespace

TEST_CASE("the built-in runtime (the reference)") { check_runtime("gocker"); }

TEST_CASE("runc gives the same results") { check_runtime("runc"); }

TEST_CASE("crun gives the same results") { check_runtime("crun"); }

TEST_CASE("per-container --runtime, an unknown runtime, --add-runtime") {
  if (!have_runtime("runc")) return;
  Daemon daemon(options_for("gocker", {"--add-runtime", "myrunc=" + runtime_binary("runc")}));
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  auto echo = daemon.gockerctl({"run", "--rm", "--runtime", "runc", "busybox", "echo", "via-runc"});
  INFO(echo.describe());
  CHECK(echo.out == "via-runc\n");
  auto added = daemon.gockerctl({"run", "--rm", "--runtime", "myrunc", "busybox", "echo", "via-myrunc"});
  INFO(added.describe());
  CHECK(added.out == "via-myrunc\n");
  CHECK(daemon.gockerctl({"create", "--name", "over", "--runtime", "runc", "busybox", "true"}).exit_code == 0);
  CHECK(daemon.gockerctl({"create", "--name", "plain", "busybox", "true"}).exit_code == 0);
  CHECK(inspect(daemon, "over")["HostConfig"]["Runtime"] == "runc");
  CHECK(inspect(daemon, "plain")["HostConfig"]["Runtime"] == "gocker");
  auto info = json::parse(daemon.http("GET", "/v1.41/info").body);
  CHECK(info["Runtimes"]["myrunc"]["path"] == runtime_binary("runc"));
  CHECK(info["DefaultRuntime"] == "gocker");

  auto unknown = daemon.http("POST", "/v1.41/containers/create",
                             R"({"Image":"busybox","Cmd":["true"],"HostConfig":{"Runtime":"nope"}})");
  CHECK(unknown.status == 400);
  CHECK(contains(unknown.body, "unknown or invalid runtime name: nope"));
  auto client = daemon.gockerctl({"run", "--rm", "--runtime", "nope", "busybox", "true"});
  CHECK(client.exit_code == 125);
  CHECK(contains(client.err, "unknown or invalid runtime name: nope"));
  CHECK(daemon.gockerctl({"rm", "over", "plain"}).exit_code == 0);
}

TEST_CASE("gockerd refuses an unknown default runtime or a bad --add-runtime") {
  Daemon unknown(options_for("nope"));
  CHECK_FALSE(unknown.started());
  CHECK(contains(unknown.log(), "default runtime \"nope\" is not known"));
  DaemonOptions bad;
  bad.extra_args = {"--add-runtime", "broken"};
  Daemon malformed(bad);
  CHECK_FALSE(malformed.started());
  CHECK(contains(malformed.log(), "expected name=path"));
  DaemonOptions missing;
  missing.extra_args = {"--add-runtime", "ghost=/nonexistent/ghost-runtime"};
  Daemon absent(missing);
  CHECK_FALSE(absent.started());
  CHECK(contains(absent.log(), "is not an executable file"));
}
