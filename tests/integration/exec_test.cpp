// exec against a real gockerd, with gockerctl and with the docker CLI: the exec'd process is in
// every namespace and the cgroup of the container, gets its env/user/cwd, a pty with -t, stdin
// with -i, and its exit code is what the client exits with and what inspect shows.
// The docker half is skipped loudly (not the whole program) when no docker CLI is installed.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/harness.hpp"

using namespace gocker::test;

namespace {

constexpr const char* kContainer = "exec-target";

// One daemon and one long-running container for the whole program (each case execs into it).
struct Fixture {
  Daemon daemon;
  std::string container_id;
  Fixture() {
    if (!daemon.started()) return;
    auto run = daemon.gockerctl({"run", "-d", "--name", kContainer, "--hostname", "exechost", "-e", "FOO=container",
                                 "busybox", "sleep", "1000"});
    if (run.exit_code == 0) container_id = trim(run.out);
    else MESSAGE("could not start the target container: " << run.describe());
  }
};

Fixture& fixture() {
  static Fixture instance;
  REQUIRE_MESSAGE(instance.daemon.started(), instance.daemon.start_error());
  REQUIRE_MESSAGE(!instance.container_id.empty(), "the target container did not start");
  return instance;
}

CommandResult exec(const std::vector<std::string>& args, const CommandOptions& options = {}) {
  std::vector<std::string> full{"exec"};
  full.insert(full.end(), args.begin(), args.end());
  return fixture().daemon.gockerctl(full, options);
}

// nullopt (and a loud message) when there is no docker CLI: only the docker cases are skipped.
std::optional<CommandResult> docker(std::vector<std::string> args, CommandOptions options = {}) {
  const std::string binary = docker_cli_path();
  if (binary.empty()) {
    if (std::getenv("GOCKER_TEST_STRICT")) FAIL("no docker CLI and GOCKER_TEST_STRICT=1");
    MESSAGE("SKIP (docker part): no docker CLI installed");
    return std::nullopt;
  }
  return fixture().daemon.docker(std::move(args), std::move(options));
}

// The `ps` line of PID 1 ("    1 root      0:00 sleep 1000").
std::string pid1_line(const std::string& ps_output) {
  std::istringstream lines(ps_output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string pid;
    fields >> pid;
    if (pid == "1") return line;
  }
  return {};
}

nlohmann::json inspect_exec(const std::string& exec_id) {
  auto response = fixture().daemon.http("GET", "/v1.41/exec/" + exec_id + "/json");
  INFO(response.describe());
  REQUIRE(response.status == 200);
  return nlohmann::json::parse(response.body);
}

}  // namespace

TEST_CASE("gockerctl exec: exit codes are the process's") {
  CHECK(exec({kContainer, "true"}).exit_code == 0);
  auto three = exec({kContainer, "sh", "-c", "exit 3"});
  INFO(three.describe());
  CHECK(three.exit_code == 3);
  auto missing = exec({kContainer, "nosuch"});
  INFO(missing.describe());
  CHECK(missing.exit_code == 127);
  CHECK(contains(missing.out + missing.err,
                 "OCI runtime exec failed: exec failed: unable to start container process: exec: \"nosuch\": "
                 "executable file not found in $PATH"));
}

TEST_CASE("gockerctl exec: the process is inside the container's namespaces and cgroup") {
  auto ps = exec({kContainer, "ps"});
  INFO(ps.describe());
  REQUIRE(ps.exit_code == 0);
  CHECK(contains(pid1_line(ps.out), "sleep 1000"));
  // The host's processes are not visible: only the container's sleep, the ps, and nothing else.
  CHECK_FALSE(contains(ps.out, "gockerd"));
  CHECK_FALSE(contains(ps.out, "gocker-monitor"));

  auto hostname = exec({kContainer, "hostname"});
  CHECK(hostname.out == "exechost\n");

  // Every namespace link and the cgroup membership equal PID 1's (the container's init).
  auto same = exec({kContainer, "sh", "-c",
                    "for n in mnt uts ipc net pid cgroup; do "
                    "[ \"$(readlink /proc/self/ns/$n)\" = \"$(readlink /proc/1/ns/$n)\" ] || echo differ $n; done; "
                    "[ \"$(cat /proc/self/cgroup)\" = \"$(cat /proc/1/cgroup)\" ] || echo differ cgroup-membership; "
                    "echo checked"});
  INFO(same.describe());
  CHECK(same.out == "checked\n");
  // And they are not the host's (this test's) namespaces.
  auto mnt = exec({kContainer, "readlink", "/proc/self/ns/mnt"});
  char host_mnt[256] = {};
  REQUIRE(::readlink("/proc/self/ns/mnt", host_mnt, sizeof host_mnt - 1) > 0);
  CHECK(trim(mnt.out) != std::string(host_mnt));
}

TEST_CASE("gockerctl exec: env is the container's plus -e, user and working dir") {
  auto env = exec({"-e", "BAR=exec", kContainer, "env"});
  INFO(env.describe());
  CHECK(contains(env.out, "FOO=container\n"));
  CHECK(contains(env.out, "BAR=exec\n"));
  CHECK(contains(env.out, "HOSTNAME=exechost\n"));
  CHECK(contains(env.out, "PATH="));
  auto overridden = exec({"-e", "FOO=override", kContainer, "sh", "-c", "echo $FOO"});
  CHECK(overridden.out == "override\n");

  CHECK(exec({kContainer, "id", "-u"}).out == "0\n");
  auto numeric = exec({"-u", "1000:1000", kContainer, "id"});
  INFO(numeric.describe());
  CHECK(contains(numeric.out, "uid=1000 gid=1000"));
  auto named = exec({"-u", "nobody", kContainer, "id", "-u"});
  INFO(named.describe());
  CHECK(named.out == "65534\n");

  CHECK(exec({kContainer, "pwd"}).out == "/\n");
  CHECK(exec({"-w", "/tmp", kContainer, "pwd"}).out == "/tmp\n");
}

TEST_CASE("gockerctl exec -i: stdin is piped and closed at EOF") {
  CommandOptions options;
  options.stdin_data = "abc\n";
  auto cat = exec({"-i", kContainer, "cat"}, options);
  INFO(cat.describe());
  CHECK(cat.exit_code == 0);
  CHECK(cat.out == "abc\n");
  // Without -i the process's stdin is empty.
  auto no_stdin = exec({kContainer, "cat"}, options);
  CHECK(no_stdin.exit_code == 0);
  CHECK(no_stdin.out.empty());
}

TEST_CASE("gockerctl exec -it: a pty of the container's devpts") {
  auto session = fixture().daemon.gockerctl_pty({"exec", "-it", kContainer, "sh"},
                                                {{"# ", "tty; echo $((6*7)); exit 4\r"}});
  INFO(session.describe());
  CHECK(session.exit_code == 4);
  CHECK(contains(session.output, "/dev/pts/"));
  CHECK(contains(session.output, "42"));
}

TEST_CASE("gockerctl exec -d: runs in the background") {
  auto detached = exec({"-d", kContainer, "sh", "-c", "echo detached > /tmp/detached-mark"});
  INFO(detached.describe());
  CHECK(detached.exit_code == 0);
  CHECK(detached.out.empty());
  // The shell in the container waits for the file (a bounded loop), so the test does not race it.
  auto seen = exec({kContainer, "sh", "-c",
                    "i=0; while [ ! -s /tmp/detached-mark ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; "
                    "cat /tmp/detached-mark"});
  CHECK(seen.out == "detached\n");
}

TEST_CASE("exec on a stopped container is refused") {
  auto& daemon = fixture().daemon;
  auto run = daemon.gockerctl({"run", "--name", "exec-stopped", "busybox", "true"});
  REQUIRE(run.exit_code == 0);
  auto refused = daemon.gockerctl({"exec", "exec-stopped", "true"});
  INFO(refused.describe());
  CHECK(refused.exit_code != 0);
  CHECK(contains(refused.err, "is not running"));
  auto http = daemon.http("POST", "/v1.41/containers/exec-stopped/exec", R"({"Cmd":["true"]})");
  CHECK(http.status == 409);
  auto missing = daemon.http("POST", "/v1.41/containers/no-such-container/exec", R"({"Cmd":["true"]})");
  CHECK(missing.status == 404);
  CHECK(daemon.http("GET", "/v1.41/exec/0123456789abcdef/json").status == 404);
  CHECK(daemon.gockerctl({"rm", "exec-stopped"}).exit_code == 0);
}

namespace {

struct DemuxedStreams {
  std::string stdout_text;
  std::string stderr_text;
  std::string trailing;  // bytes that do not form a whole frame
};

// Splits Docker's multiplexed stream: each frame is [type, 0, 0, 0, size (4 bytes, big endian)] + payload.
DemuxedStreams split_frames(std::string_view body) {
  DemuxedStreams streams;
  while (body.size() >= 8) {
    const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(body[i])); };
    const uint32_t size = byte(4) << 24 | byte(5) << 16 | byte(6) << 8 | byte(7);
    if (body.size() < 8 + size) break;
    std::string_view payload = body.substr(8, size);
    if (body[0] == 1) streams.stdout_text.append(payload);
    else if (body[0] == 2) streams.stderr_text.append(payload);
    else streams.trailing.append(body.substr(0, 8 + size));
    body.remove_prefix(8 + size);
  }
  streams.trailing.append(body);
  return streams;
}

}  // namespace

TEST_CASE("gockerctl exec -it: ctrl-p ctrl-q detaches and the process keeps running") {
  auto& daemon = fixture().daemon;
  // Keys go once the process's output shows the client's terminal is raw (a cooked one would
  // take ctrl-q as flow control).
  auto session = daemon.gockerctl_pty(
      {"exec", "-it", kContainer, "sh", "-c", "echo $$ > /tmp/detach-pid; echo ready; exec sleep 300"},
      {{"ready", "\x10\x11"}}, 20s);
  INFO(session.describe());
  CHECK_FALSE(session.timed_out);
  CHECK(session.exit_code == 0);
  // The shell exec'd sleep under the pid it wrote: that process is still there after the detach.
  auto alive = exec({kContainer, "sh", "-c", "kill -0 $(cat /tmp/detach-pid) && echo alive; kill $(cat /tmp/detach-pid)"});
  INFO(alive.describe());
  CHECK(alive.out == "alive\n");
}

TEST_CASE("exec: invalid detach keys are refused, a paused container refuses exec, a removed one forgets its execs") {
  auto& daemon = fixture().daemon;
  auto bad_keys = daemon.http("POST", std::string("/v1.41/containers/") + kContainer + "/exec",
                              R"({"Cmd":["true"],"DetachKeys":"ctrl-1"})");
  INFO(bad_keys.describe());
  CHECK(bad_keys.status == 400);
  CHECK(contains(bad_keys.body, "message"));

  REQUIRE(daemon.gockerctl({"run", "-d", "--name", "exec-paused", "busybox", "sleep", "300"}).exit_code == 0);
  auto created = daemon.http("POST", "/v1.41/containers/exec-paused/exec", R"({"Cmd":["true"]})");
  REQUIRE(created.status == 201);
  const std::string id = nlohmann::json::parse(created.body).at("Id").get<std::string>();
  REQUIRE(daemon.gockerctl({"pause", "exec-paused"}).exit_code == 0);
  auto paused = daemon.http("POST", "/v1.41/containers/exec-paused/exec", R"({"Cmd":["true"]})");
  INFO(paused.describe());
  CHECK(paused.status == 409);
  CHECK(contains(paused.body, "is paused"));
  CHECK(daemon.http("POST", "/v1.41/exec/" + id + "/start", R"({"Detach":true})").status == 409);
  REQUIRE(daemon.gockerctl({"unpause", "exec-paused"}).exit_code == 0);

  CHECK(daemon.http("GET", "/v1.41/exec/" + id + "/json").status == 200);
  REQUIRE(daemon.gockerctl({"rm", "-f", "exec-paused"}).exit_code == 0);
  auto forgotten = daemon.http("GET", "/v1.41/exec/" + id + "/json");
  CHECK(forgotten.status == 404);
  CHECK(contains(forgotten.body, "No such exec instance"));
}

TEST_CASE("exec over the API: ExitCode is null before the end, then recorded; a second start conflicts") {
  auto& daemon = fixture().daemon;
  auto created = daemon.http("POST", std::string("/v1.41/containers/") + kContainer + "/exec",
                             R"({"AttachStdout":true,"AttachStderr":true,"Cmd":["sh","-c","echo out; echo err >&2; exit 5"]})");
  INFO(created.describe());
  REQUIRE(created.status == 201);
  const std::string id = nlohmann::json::parse(created.body).at("Id").get<std::string>();
  CHECK(id.size() == 64);
  auto before = inspect_exec(id);
  CHECK(before.at("ExitCode").is_null());
  CHECK(before.at("Running") == false);
  CHECK(before.at("ContainerID") == fixture().container_id);
  CHECK(before.at("ProcessConfig").at("entrypoint") == "sh");

  // Without Upgrade: a 200 whose body is the multiplexed stream, ending with the process.
  auto started = daemon.http("POST", "/v1.41/exec/" + id + "/start", R"({"Detach":false,"Tty":false})");
  INFO(started.describe());
  CHECK(started.status == 200);
  CHECK(started.header("Content-Type") == std::optional<std::string>("application/vnd.docker.multiplexed-stream"));
  // stdout and stderr are separate pipes: their frames may come in either order, as with dockerd.
  const auto streams = split_frames(started.body);
  CHECK(streams.stdout_text == "out\n");
  CHECK(streams.stderr_text == "err\n");
  CHECK(streams.trailing.empty());

  auto after = inspect_exec(id);
  CHECK(after.at("ExitCode") == 5);
  CHECK(after.at("Running") == false);
  CHECK(after.at("Pid").get<int>() > 0);

  auto again = daemon.http("POST", "/v1.41/exec/" + id + "/start", R"({"Detach":false,"Tty":false})");
  CHECK(again.status == 409);
}

TEST_CASE("docker exec against gockerd") {
  auto zero = docker({"exec", kContainer, "true"});
  if (!zero) return;
  INFO(zero->describe());
  CHECK(zero->exit_code == 0);
  auto three = docker({"exec", kContainer, "sh", "-c", "exit 3"});
  CHECK(three->exit_code == 3);
  auto missing = docker({"exec", kContainer, "nosuch"});
  INFO(missing->describe());
  CHECK(missing->exit_code == 127);
  CHECK(contains(missing->out + missing->err, "executable file not found in $PATH"));

  auto ps = docker({"exec", kContainer, "ps"});
  CHECK(contains(pid1_line(ps->out), "sleep 1000"));
  CHECK(docker({"exec", kContainer, "hostname"})->out == "exechost\n");
  auto env = docker({"exec", "-e", "BAR=exec", kContainer, "env"});
  CHECK(contains(env->out, "FOO=container\n"));
  CHECK(contains(env->out, "BAR=exec\n"));
  CHECK(contains(docker({"exec", "-u", "1000:1000", kContainer, "id"})->out, "uid=1000 gid=1000"));
  CHECK(docker({"exec", "-w", "/tmp", kContainer, "pwd"})->out == "/tmp\n");

  CommandOptions piped;
  piped.stdin_data = "abc\n";
  auto cat = docker({"exec", "-i", kContainer, "cat"}, piped);
  INFO(cat->describe());
  CHECK(cat->out == "abc\n");

  Env env_vars{{"DOCKER_HOST", fixture().daemon.host()},
               {"DOCKER_CONFIG", fixture().daemon.temp_dir() + "/docker-config"}};
  auto session = run_in_pty({docker_cli_path(), "exec", "-it", kContainer, "sh"},
                            {{"# ", "tty; echo $((6*7)); exit 4\r"}}, env_vars);
  INFO(session.describe());
  CHECK(session.exit_code == 4);
  CHECK(contains(session.output, "/dev/pts/"));
  CHECK(contains(session.output, "42"));

  auto& daemon = fixture().daemon;
  REQUIRE(daemon.gockerctl({"run", "--name", "exec-stopped-docker", "busybox", "true"}).exit_code == 0);
  auto refused = docker({"exec", "exec-stopped-docker", "true"});
  CHECK(refused->exit_code != 0);
  CHECK(contains(refused->err, "is not running"));
}
