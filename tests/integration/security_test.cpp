// What a container may do, checked from inside it: Docker's default capabilities, seccomp profile,
// masked and read-only /proc paths, device cgroup and sysctls; each opt-out (--privileged,
// --cap-add, --security-opt seccomp=...); limits (--ulimit, --oom-score-adj) within what this
// daemon can grant; exec held to the container's own restrictions. System calls busybox has no
// tool for are made by tests/tools/syscall_probe.cpp, bind-mounted read-only into the container.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/capability.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "runtime/monitor_launch.hpp"
#include "runtime/security/seccomp_filter.hpp"
#include "tests/support/harness.hpp"

using namespace gocker::test;

namespace {

Daemon& shared_daemon() {
  static Daemon daemon;
  return daemon;
}

#define REQUIRE_DAEMON(daemon) REQUIRE_MESSAGE((daemon).started(), (daemon).start_error())

const std::string kProbe = std::string(SYSCALL_PROBE_BIN) + ":/probe:ro";

// `gockerctl run --rm [flags] busybox args...`: its result, whatever the exit code.
CommandResult run(const std::vector<std::string>& flags, const std::vector<std::string>& command) {
  std::vector<std::string> argv = {"run", "--rm", "-v", kProbe};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back("busybox");
  argv.insert(argv.end(), command.begin(), command.end());
  return shared_daemon().gockerctl(argv);
}

std::string run_ok(const std::vector<std::string>& flags, const std::vector<std::string>& command) {
  const auto result = run(flags, command);
  INFO("run " << command.front() << ": " << result.describe());
  REQUIRE(result.exit_code == 0);
  return trim(result.out);
}

std::string probe(const std::vector<std::string>& flags, const std::vector<std::string>& call) {
  std::vector<std::string> command = {"/probe"};
  command.insert(command.end(), call.begin(), call.end());
  return run_ok(flags, command);
}

// "CapEff:\t00000000a80425fb" -> "00000000a80425fb"
std::string status_field(const std::string& status, const std::string& field) {
  std::smatch match;
  const std::regex line("(^|\n)" + field + ":\\s*([^\n]*)");
  return std::regex_search(status, match, line) ? trim(match[2].str()) : std::string("<missing>");
}

// The daemon's (this test process's) bounding set as /proc shows it: what --privileged grants.
std::string own_bounding_set() {
  return status_field(read_file("/proc/self/status").value_or(""), "CapBnd");
}

bool daemon_can_raise_limits() {
  cap_t state = ::cap_get_proc();
  cap_flag_value_t value = CAP_CLEAR;
  ::cap_get_flag(state, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &value);
  ::cap_free(state);
  return value == CAP_SET;
}

constexpr const char* kDockerDefaultCaps = "00000000a80425fb";
const std::string kEperm = "errno 1";

}  // namespace

TEST_CASE("a container gets Docker's default capabilities and nothing ambient or inheritable") {
  REQUIRE_DAEMON(shared_daemon());
  const std::string status = run_ok({}, {"cat", "/proc/self/status"});
  CHECK(status_field(status, "CapEff") == kDockerDefaultCaps);
  CHECK(status_field(status, "CapPrm") == kDockerDefaultCaps);
  CHECK(status_field(status, "CapBnd") == kDockerDefaultCaps);
  CHECK(status_field(status, "CapInh") == "0000000000000000");
  CHECK(status_field(status, "CapAmb") == "0000000000000000");
  CHECK(status_field(status, "NoNewPrivs") == "0");
  CHECK(status_field(status, "Seccomp") == "2");
  // A non-root user starts with no effective capabilities at all.
  const std::string user_status = run_ok({"-u", "1000"}, {"cat", "/proc/self/status"});
  CHECK(status_field(user_status, "CapEff") == "0000000000000000");
  CHECK(status_field(user_status, "CapBnd") == kDockerDefaultCaps);
}

TEST_CASE("by default mount, unshare, keyctl and ptrace are refused and clone3 says ENOSYS") {
  REQUIRE_DAEMON(shared_daemon());
  const auto mount = run({}, {"mount", "-t", "tmpfs", "x", "/tmp"});
  CHECK(mount.exit_code != 0);
  CHECK(mount.err.find("denied") != std::string::npos);
  CHECK(probe({}, {"unshare"}) == kEperm);
  CHECK(probe({}, {"keyctl"}) == kEperm);
  CHECK(probe({}, {"ptrace"}) == kEperm);
  CHECK(probe({}, {"clone3"}) == "errno 38");
  // A syscall newer than Debian's libseccomp: ENOSYS (libc falls back), not the default EPERM.
  const int newer = gocker::runtime::highest_known_syscall() + 1;
  CHECK(probe({}, {"nr", std::to_string(newer)}) == "errno 38");
}

TEST_CASE("masked and read-only /proc paths") {
  REQUIRE_DAEMON(shared_daemon());
  // Kernels differ in which of these exist (this VM's has no /proc/kcore or /proc/sysrq-trigger):
  // each one the host has must read empty inside.
  int checked = 0;
  for (const char* path : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"}) {
    if (::access(path, F_OK) != 0) continue;
    ++checked;
    CHECK_MESSAGE(run_ok({}, {"sh", "-c", std::string("wc -c < ") + path}) == "0", path);
  }
  CHECK(checked > 0);
  CHECK(run_ok({}, {"sh", "-c", "ls /sys/firmware | wc -l"}) == "0");
  const auto write_sys = run({}, {"sh", "-c", "echo 1 > /proc/sys/kernel/panic"});
  CHECK(write_sys.exit_code != 0);
  CHECK(write_sys.err.find("Read-only file system") != std::string::npos);
  if (::access("/proc/sysrq-trigger", F_OK) == 0) CHECK(probe({}, {"write", "/proc/sysrq-trigger"}) == "errno 30");
}

TEST_CASE("the command sees only stdin, stdout and stderr as open descriptors") {
  REQUIRE_DAEMON(shared_daemon());
  CHECK(probe({}, {"fds"}) == "0 1 2");
  CHECK(probe({"-t"}, {"fds"}) == "0 1 2");
}

TEST_CASE("device cgroup: a node the container makes itself cannot be opened, --device can") {
  REQUIRE_DAEMON(shared_daemon());
  // CAP_MKNOD is a default, so mknod works; the device cgroup is what keeps the disk out of reach.
  const auto disk = run({}, {"sh", "-c", "mknod /tmp/disk b 7 0 && head -c 1 /tmp/disk"});
  CHECK(disk.exit_code != 0);
  CHECK(disk.err.find("Operation not permitted") != std::string::npos);
  CHECK(run_ok({}, {"sh", "-c", "echo x > /dev/null && head -c 4 /dev/zero | wc -c"}) == "4");
  CHECK(run_ok({"--device", "/dev/full:/dev/mine"}, {"sh", "-c", "ls -l /dev/mine | cut -c1"}) == "c");
  const auto missing = run({"--device", "/dev/does-not-exist"}, {"true"});
  CHECK(missing.exit_code != 0);
  CHECK(missing.err.find("/dev/does-not-exist") != std::string::npos);
}

TEST_CASE("Docker's default sysctls and --sysctl in the container's own namespaces") {
  REQUIRE_DAEMON(shared_daemon());
  CHECK(run_ok({}, {"cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"}) == "0");
  CHECK(run_ok({"--sysctl", "net.ipv4.ip_forward=1"}, {"cat", "/proc/sys/net/ipv4/ip_forward"}) == "1");
  CHECK(run_ok({"--sysctl", "kernel.shmmni=1000"}, {"cat", "/proc/sys/kernel/shmmni"}) == "1000");
  // The host's own value is untouched.
  CHECK(trim(read_file("/proc/sys/net/ipv4/ip_unprivileged_port_start").value_or("")) != "");
  const auto host_wide = run({"--sysctl", "kernel.hostname=x"}, {"true"});
  CHECK(host_wide.exit_code != 0);
  CHECK(host_wide.err.find("not allowed") != std::string::npos);
}

TEST_CASE("--privileged: every capability the daemon holds, no seccomp, no masks, mount works") {
  REQUIRE_DAEMON(shared_daemon());
  const std::string status = run_ok({"--privileged"}, {"cat", "/proc/self/status"});
  CHECK(status_field(status, "CapEff") == own_bounding_set());
  CHECK(status_field(status, "Seccomp") == "0");
  CHECK(run_ok({"--privileged"}, {"sh", "-c", "mount -t tmpfs x /tmp && echo mounted"}) == "mounted");
  CHECK(run_ok({"--privileged"}, {"sh", "-c", "wc -c < /proc/timer_list"}) != "0");
}

TEST_CASE("--cap-add and --cap-drop") {
  REQUIRE_DAEMON(shared_daemon());
  CHECK(run_ok({"--cap-add", "NET_ADMIN"}, {"sh", "-c", "ip addr add 10.9.9.9/32 dev lo && echo added"}) == "added");
  const auto without = run({}, {"ip", "addr", "add", "10.9.9.9/32", "dev", "lo"});
  CHECK(without.exit_code != 0);
  CHECK(probe({"--cap-add", "SYS_PTRACE"}, {"ptrace"}) == "ok");
  CHECK(probe({"--cap-add", "SYS_ADMIN"}, {"unshare"}) == "ok");
  const std::string dropped = run_ok({"--cap-drop", "ALL"}, {"cat", "/proc/self/status"});
  CHECK(status_field(dropped, "CapEff") == "0000000000000000");
  const std::string only = run_ok({"--cap-drop", "ALL", "--cap-add", "cap_kill"}, {"cat", "/proc/self/status"});
  CHECK(status_field(only, "CapEff") == "0000000000000020");
  const auto unknown = run({"--cap-add", "MAKE_COFFEE"}, {"true"});
  CHECK(unknown.exit_code != 0);
  CHECK(unknown.err.find("unknown capability") != std::string::npos);
  if (!daemon_can_raise_limits()) {
    const auto missing = run({"--cap-add", "SYS_RESOURCE"}, {"true"});
    CHECK(missing.exit_code != 0);
    CHECK(missing.err.find("CAP_SYS_RESOURCE") != std::string::npos);
  }
}

TEST_CASE("--security-opt: unconfined, a profile of one's own, no-new-privileges, bad options") {
  REQUIRE_DAEMON(shared_daemon());
  CHECK(probe({"--security-opt", "seccomp=unconfined"}, {"keyctl"}) != kEperm);
  const std::string unconfined = run_ok({"--security-opt", "seccomp=unconfined"}, {"cat", "/proc/self/status"});
  CHECK(status_field(unconfined, "Seccomp") == "0");

  const std::string profile_path = shared_daemon().temp_dir() + "/no-mkdir.json";
  std::ofstream(profile_path) << R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
      {"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":95}]})";
  const auto denied = run({"--security-opt", "seccomp=" + profile_path}, {"mkdir", "/tmp/x"});
  CHECK(denied.exit_code != 0);
  CHECK(denied.err.find("not supported") != std::string::npos);  // EOPNOTSUPP's text

  // Without no-new-privileges the filter is loaded while the init is still root, before it enters
  // the working directory: a profile that denies what the init calls there (getcwd) still runs.
  const std::string no_getcwd_path = shared_daemon().temp_dir() + "/no-getcwd.json";
  std::ofstream(no_getcwd_path) << R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
      {"names":["getcwd"],"action":"SCMP_ACT_ERRNO"}]})";
  CHECK(run_ok({"--security-opt", "seccomp=" + no_getcwd_path, "-w", "/tmp"}, {"sh", "-c", "echo started"}) == "started");

  const std::string nnp = run_ok({"--security-opt", "no-new-privileges"}, {"cat", "/proc/self/status"});
  CHECK(status_field(nnp, "NoNewPrivs") == "1");
  CHECK(status_field(nnp, "Seccomp") == "2");

  const auto bogus = run({"--security-opt", "make-it-safe"}, {"true"});
  CHECK(bogus.exit_code != 0);
  CHECK(bogus.err.find("invalid --security-opt") != std::string::npos);
  const std::string broken_path = shared_daemon().temp_dir() + "/broken.json";
  std::ofstream(broken_path) << R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_EXPLODE"}]})";
  const auto broken = run({"--security-opt", "seccomp=" + broken_path}, {"true"});
  CHECK(broken.exit_code != 0);
  CHECK(broken.err.find("SCMP_ACT_EXPLODE") != std::string::npos);
}

TEST_CASE("--ulimit and --oom-score-adj, within what the daemon can grant") {
  REQUIRE_DAEMON(shared_daemon());
  CHECK(run_ok({"--ulimit", "nofile=100:200"}, {"sh", "-c", "ulimit -n; ulimit -Hn"}) == "100\n200");
  CHECK(run_ok({"--oom-score-adj", "500"}, {"cat", "/proc/self/oom_score_adj"}) == "500");
  const auto soft_above_hard = run({"--ulimit", "nofile=300:200"}, {"true"});
  CHECK(soft_above_hard.exit_code != 0);
  CHECK(soft_above_hard.err.find("soft limit must be less than or equal to hard limit") != std::string::npos);
  const auto out_of_range = run({"--oom-score-adj", "1001"}, {"true"});
  CHECK(out_of_range.exit_code != 0);
  if (daemon_can_raise_limits()) {
    MESSAGE("gockerd holds CAP_SYS_RESOURCE here: the refusals of limits above its own are not exercised");
    return;
  }
  const auto too_many = run({"--ulimit", "nofile=1048576:1048576"}, {"true"});
  CHECK(too_many.exit_code != 0);
  CHECK(too_many.err.find("CAP_SYS_RESOURCE") != std::string::npos);
  const auto lower = run({"--oom-score-adj", "-1000"}, {"true"});
  CHECK(lower.exit_code != 0);
  CHECK(lower.err.find("CAP_SYS_RESOURCE") != std::string::npos);
}

TEST_CASE("exec is held to the container's capabilities and seccomp filter; exec --privileged widens capabilities") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const auto started = daemon.gockerctl({"run", "-d", "--name", "held", "-v", kProbe, "busybox", "sleep", "1000"});
  REQUIRE_MESSAGE(started.exit_code == 0, started.describe());
  const auto status = daemon.gockerctl({"exec", "held", "cat", "/proc/self/status"});
  REQUIRE_MESSAGE(status.exit_code == 0, status.describe());
  CHECK(status_field(status.out, "CapEff") == kDockerDefaultCaps);
  CHECK(status_field(status.out, "Seccomp") == "2");
  CHECK(trim(daemon.gockerctl({"exec", "held", "/probe", "keyctl"}).out) == kEperm);
  CHECK(trim(daemon.gockerctl({"exec", "held", "/probe", "fds"}).out) == "0 1 2");
  const auto privileged = daemon.gockerctl({"exec", "--privileged", "held", "cat", "/proc/self/status"});
  REQUIRE_MESSAGE(privileged.exit_code == 0, privileged.describe());
  CHECK(status_field(privileged.out, "CapEff") == own_bounding_set());
  CHECK(daemon.gockerctl({"rm", "-f", "held"}).exit_code == 0);
}

TEST_CASE("inspect shows the security settings as given") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const auto created = daemon.gockerctl({"create", "--name", "shown", "--cap-add", "NET_ADMIN", "--cap-drop", "MKNOD",
                                         "--security-opt", "no-new-privileges", "--ulimit", "nofile=64:128",
                                         "--sysctl", "net.ipv4.ip_forward=1", "busybox", "true"});
  REQUIRE_MESSAGE(created.exit_code == 0, created.describe());
  const auto response = daemon.http("GET", "/v1.41/containers/shown/json");
  REQUIRE(response.status == 200);
  const auto host = nlohmann::json::parse(response.body)["HostConfig"];
  CHECK(host["CapAdd"] == nlohmann::json::array({"NET_ADMIN"}));
  CHECK(host["CapDrop"] == nlohmann::json::array({"MKNOD"}));
  CHECK(host["SecurityOpt"] == nlohmann::json::array({"no-new-privileges"}));
  CHECK(host["Ulimits"][0]["Name"] == "nofile");
  CHECK(host["Ulimits"][0]["Soft"] == 64);
  CHECK(host["Sysctls"]["net.ipv4.ip_forward"] == "1");
  CHECK(daemon.gockerctl({"rm", "shown"}).exit_code == 0);
}

TEST_CASE("monitors run from a sealed copy: the binary that enters containers cannot be written through /proc") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const auto started = daemon.gockerctl({"run", "-d", "--name", "sealed", "busybox", "sleep", "1000"});
  REQUIRE_MESSAGE(started.exit_code == 0, started.describe());
  const std::string id = trim(started.out);
  auto state = gocker::runtime::read_monitor_state(daemon.temp_dir() + "/root/containers/" + id);
  REQUIRE(state);
  const std::string exe = "/proc/" + std::to_string(state->monitor.pid) + "/exe";
  char target[256] = {};
  REQUIRE(::readlink(exe.c_str(), target, sizeof target - 1) > 0);
  CHECK(std::string(target).rfind("/memfd:gocker-monitor", 0) == 0);
  // Root may open it, but no byte of it can change.
  int fd = ::open(exe.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    CHECK(::write(fd, "x", 1) < 0);
    ::close(fd);
  }
  CHECK(daemon.gockerctl({"rm", "-f", "sealed"}).exit_code == 0);
}
