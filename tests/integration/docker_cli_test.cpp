// Docker's own CLI against gockerd: the API must be Docker's shape for it to work at all.
// Prefers Debian's /usr/bin/docker (docker.io, what scripts/install-deps.sh --test installs), else
// any `docker` on PATH; without one the program is skipped (a failure under GOCKER_TEST_STRICT=1).
#include <doctest/doctest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/harness.hpp"

using namespace gocker::test;

namespace {

std::string docker_binary() {
  static const std::string binary = [] {
    if (::access("/usr/bin/docker", X_OK) == 0) return std::string("/usr/bin/docker");
    const auto which = run_command({"sh", "-c", "command -v docker"});
    const std::string found = trim(which.out);
    if (which.exit_code != 0 || found.empty())
      skip_program("no docker CLI (install Debian's docker.io: scripts/install-deps.sh --test)");
    return found;
  }();
  return binary;
}

struct DockerCli {
  Daemon daemon;
  CommandResult operator()(std::vector<std::string> args, CommandOptions options = {}) const {
    args.insert(args.begin(), docker_binary());
    // DOCKER_HOST rather than -H: it is what users of docker-against-another-engine set.
    options.env.emplace_back("DOCKER_HOST", daemon.host());
    options.env.emplace_back("DOCKER_CONFIG", daemon.temp_dir() + "/docker-config");
    return run_command(args, options);
  }
};

DockerCli& docker() {
  docker_binary();  // skips the whole program before a daemon is started
  static DockerCli cli;
  return cli;
}

}  // namespace

TEST_CASE("docker version and info talk to gockerd") {
  auto& cli = docker();
  REQUIRE_MESSAGE(cli.daemon.started(), cli.daemon.start_error());
  const auto version = cli({"version", "--format", "{{.Server.APIVersion}}"});
  INFO(version.describe());
  CHECK(version.exit_code == 0);
  CHECK(trim(version.out) == "1.41");
  const auto info = cli({"info", "--format", "{{.Containers}}"});
  INFO(info.describe());
  CHECK(info.exit_code == 0);
}

TEST_CASE("docker images lists the built-in busybox") {
  auto& cli = docker();
  REQUIRE(cli.daemon.started());
  const auto images = cli({"images", "--format", "{{.Repository}}:{{.Tag}}"});
  INFO(images.describe());
  CHECK(images.exit_code == 0);
  CHECK(contains(images.out, "busybox:latest"));
}

TEST_CASE("docker run --rm, exit codes, stdin") {
  auto& cli = docker();
  REQUIRE(cli.daemon.started());
  const auto hello = cli({"run", "--rm", "busybox", "echo", "hello"});
  INFO(hello.describe());
  CHECK(hello.exit_code == 0);
  CHECK(hello.out == "hello\n");

  const auto three = cli({"run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"});
  INFO(three.describe());
  CHECK(three.exit_code == 3);
  CHECK(three.out == "out\n");
  CHECK(three.err == "err\n");

  CommandOptions with_input;
  with_input.stdin_data = "abc\n";
  const auto cat = cli({"run", "-i", "--rm", "busybox", "cat"}, with_input);
  INFO(cat.describe());
  CHECK(cat.exit_code == 0);
  CHECK(cat.out == "abc\n");
}

TEST_CASE("docker run -d, ps, logs, inspect, stop, rm") {
  auto& cli = docker();
  REQUIRE(cli.daemon.started());
  const auto run = cli({"run", "-d", "--name", "web", "-m", "64m", "busybox", "sh", "-c",
                        "echo started; trap 'exit 7' TERM; while true; do sleep 1; done"});
  INFO(run.describe());
  REQUIRE(run.exit_code == 0);
  const std::string id = trim(run.out);
  CHECK(std::regex_match(id, std::regex("[0-9a-f]{64}")));

  const auto ps = cli({"ps", "--format", "{{.Names}} {{.Status}}"});
  INFO(ps.describe());
  CHECK(ps.exit_code == 0);
  CHECK(contains(ps.out, "web Up"));

  const auto memory = cli({"inspect", "--format", "{{.HostConfig.Memory}} {{.State.Running}}", "web"});
  INFO(memory.describe());
  CHECK(trim(memory.out) == "67108864 true");

  const auto stop = cli({"stop", "web"});
  INFO(stop.describe());
  CHECK(stop.exit_code == 0);
  const auto exit_code = cli({"inspect", "--format", "{{.State.ExitCode}}", "web"});
  CHECK(trim(exit_code.out) == "7");

  const auto logs = cli({"logs", "web"});
  INFO(logs.describe());
  CHECK(logs.out == "started\n");

  const auto rm = cli({"rm", "web"});
  INFO(rm.describe());
  CHECK(rm.exit_code == 0);
  const auto gone = cli({"inspect", "web"});
  CHECK(gone.exit_code != 0);
  CHECK(contains(gone.err, "No such"));
}

TEST_CASE("docker reports gockerd's errors") {
  auto& cli = docker();
  REQUIRE(cli.daemon.started());
  const auto missing = cli({"run", "--rm", "busybox", "no-such-command"});
  INFO(missing.describe());
  CHECK(missing.exit_code == 127);
  CHECK(contains(missing.err, "executable file not found"));
  CHECK(cli({"create", "--name", "twin", "busybox"}).exit_code == 0);
  const auto duplicate = cli({"create", "--name", "twin", "busybox"});
  INFO(duplicate.describe());
  CHECK(duplicate.exit_code != 0);
  CHECK(contains(duplicate.err, "twin"));
  CHECK(cli({"rm", "twin"}).exit_code == 0);
}
