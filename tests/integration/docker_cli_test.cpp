// Docker's own CLI against gockerd: the API must be Docker's shape for it to work at all.
// The CLI is $GOCKER_TEST_DOCKER when set (to run the program with another client, e.g. both the
// docker 28 CLI and Debian's 20.10 one), else Debian's /usr/bin/docker (docker.io, what
// scripts/install-deps.sh --test installs), else any `docker` on PATH; without one the program is
// skipped (a failure under GOCKER_TEST_STRICT=1).
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/harness.hpp"

using namespace gocker::test;

namespace {

std::string docker_binary() {
  static const std::string binary = [] {
    const std::string found = docker_cli_path();
    if (found.empty()) skip_program("no docker CLI (install Debian's docker.io: scripts/install-deps.sh --test)");
    if (::access(found.c_str(), X_OK) != 0) skip_program("GOCKER_TEST_DOCKER=" + found + " is not executable");
    return found;
  }();
  return binary;
}

struct DockerCli {
  Daemon daemon;
  CommandResult operator()(std::vector<std::string> args, CommandOptions options = {}) const {
    (void)docker_binary();  // skips the program loudly when there is none
    return daemon.docker(std::move(args), std::move(options));
  }
};

DockerCli& docker() {
  static const bool announced = [] {
    // Which client judged this run, in the test log.
    const auto version = run_command({docker_binary(), "--version"});
    MESSAGE("docker CLI: " << docker_binary() << ": " << trim(version.out));
    return true;
  }();
  (void)announced;
  static DockerCli cli;
  return cli;
}

// `docker inspect --format <format> <name>` with the trailing newline kept.
std::string inspect_format(const DockerCli& cli, const std::string& format, const std::string& name) {
  const auto result = cli({"inspect", "--format", format, name});
  INFO(result.describe());
  CHECK(result.exit_code == 0);
  return result.out;
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

TEST_CASE("docker images and image inspect show the built-in busybox in Docker's shape") {
  auto& cli = docker();
  REQUIRE(cli.daemon.started());
  const auto ids = cli({"images", "--quiet", "--no-trunc"});
  INFO(ids.describe());
  REQUIRE(ids.exit_code == 0);
  const std::string id = trim(ids.out);
  CHECK(std::regex_match(id, std::regex("sha256:[0-9a-f]{64}")));

  const auto inspect = cli({"image", "inspect", "busybox"});
  INFO(inspect.describe());
  REQUIRE(inspect.exit_code == 0);
  const auto images = nlohmann::json::parse(inspect.out, nullptr, false);
  REQUIRE(images.is_array());
  REQUIRE(images.size() == 1);
  const auto& image = images[0];
  CHECK(image["Id"] == id);
  CHECK(image["RepoTags"] == nlohmann::json::array({"busybox:latest"}));
  CHECK(image["RepoDigests"] == nlohmann::json::array());
  CHECK(image["Parent"] == "");
  CHECK(image["Os"] == "linux");
  CHECK(image["RootFS"]["Type"] == "layers");
  REQUIRE(image["RootFS"]["Layers"].size() == 1);
  CHECK(std::regex_match(image["RootFS"]["Layers"][0].get<std::string>(), std::regex("sha256:[0-9a-f]{64}")));
  CHECK(image["Config"]["Cmd"] == nlohmann::json::array({"sh"}));
  CHECK(contains(image["Config"]["Env"].dump(), "PATH="));
  CHECK(image["Size"].get<int64_t>() > 1'000'000);
  // Created is the busybox build's date (images/make-busybox-rootfs.sh), not the Unix epoch.
  const std::string created = image["Created"].get<std::string>();
  CHECK(std::regex_match(created, std::regex("20[0-9]{2}-[0-9]{2}-[0-9]{2}T.*Z")));

  // By id, id prefix and the long reference, through `docker inspect` and its --type image.
  CHECK(trim(cli({"image", "inspect", "--format", "{{.Id}}", id.substr(7, 12)}).out) == id);
  CHECK(trim(cli({"inspect", "--type", "image", "--format", "{{.Id}}", id}).out) == id);
  CHECK(trim(cli({"image", "inspect", "--format", "{{.Id}}", "docker.io/library/busybox:latest"}).out) == id);
  CHECK(trim(cli({"image", "inspect", "--format", "{{.RootFS.Type}} {{.Architecture}}", "busybox:latest"}).out) ==
        "layers " + image["Architecture"].get<std::string>());

  const auto listed = cli({"images", "--format", "{{.Repository}}:{{.Tag}} {{.CreatedSince}}"});
  INFO(listed.describe());
  CHECK(contains(listed.out, "busybox:latest "));
  CHECK_FALSE(contains(listed.out, "56 years"));

  const auto missing = cli({"image", "inspect", "nosuchimage"});
  INFO(missing.describe());
  CHECK(missing.exit_code != 0);
  CHECK(contains(missing.err, "No such image: nosuchimage"));
}

TEST_CASE("docker run -it drives a shell through a pty") {
  auto& cli = docker();
  REQUIRE(cli.daemon.started());
  const Env env = {{"DOCKER_HOST", cli.daemon.host()}, {"DOCKER_CONFIG", cli.daemon.temp_dir() + "/docker-config"}};
  const auto session = run_in_pty({docker_binary(), "run", "-it", "--rm", "busybox", "sh"},
                                  {{"# ", "tty; echo t''ty-ok; exit 4\r"}}, env, 30s);
  INFO(session.describe());
  CHECK(session.error.empty());
  CHECK_FALSE(session.timed_out);
  CHECK(session.exit_code == 4);
  CHECK(contains(session.output, "/dev/pts/"));
  CHECK(contains(session.output, "tty-ok\r\n"));
}

TEST_CASE("docker logs -f follows new output and ends when the container exits") {
  auto& cli = docker();
  REQUIRE(cli.daemon.started());
  const auto run = cli({"run", "-d", "--name", "talker", "busybox", "sh", "-c",
                        "echo one; sleep 1; echo two >&2; sleep 1; echo three"});
  INFO(run.describe());
  REQUIRE(run.exit_code == 0);
  // Started at once, so "two" and "three" are written while logs -f is following.
  const auto logs = cli({"logs", "-f", "talker"});
  INFO(logs.describe());
  CHECK_FALSE(logs.timed_out);
  CHECK(logs.exit_code == 0);
  CHECK(logs.out == "one\nthree\n");
  CHECK(logs.err == "two\n");
  CHECK(logs.elapsed >= 1000ms);
  CHECK(trim(inspect_format(cli, "{{.State.Status}} {{.State.ExitCode}}", "talker")) == "exited 0");
  CHECK(cli({"rm", "talker"}).exit_code == 0);
}

TEST_CASE("docker kill, rm -f and inspect --format fields scripts rely on") {
  auto& cli = docker();
  REQUIRE(cli.daemon.started());
  const auto run = cli({"run", "-d", "--name", "victim", "-m", "32m", "-e", "GREETING=hi", "busybox", "sleep", "1000"});
  INFO(run.describe());
  REQUIRE(run.exit_code == 0);

  CHECK(inspect_format(cli, "{{.State.Status}} {{.State.Running}}", "victim") == "running true\n");
  const std::string pid = trim(inspect_format(cli, "{{.State.Pid}}", "victim"));
  CHECK(std::regex_match(pid, std::regex("[1-9][0-9]*")));
  CHECK(inspect_format(cli, "{{.HostConfig.Memory}}", "victim") == "33554432\n");
  const std::string env = inspect_format(cli, "{{.Config.Env}}", "victim");
  CHECK(contains(env, "GREETING=hi"));
  CHECK(contains(env, "PATH="));
  // On the default bridge: its address at the top level and under Networks.bridge, as dockerd
  // shows it.
  const std::string address = trim(inspect_format(cli, "{{.NetworkSettings.IPAddress}}", "victim"));
  CHECK(std::regex_match(address, std::regex("172\\.17\\.0\\.[0-9]+")));
  CHECK(inspect_format(cli, "{{range $name, $endpoint := .NetworkSettings.Networks}}{{$name}} {{$endpoint.IPAddress}}{{end}}",
                       "victim") == "bridge " + address + "\n");
  CHECK_FALSE(contains(inspect_format(cli, "{{.NetworkSettings}}", "victim"), "<no value>"));
  CHECK(inspect_format(cli, "{{json .Mounts}}", "victim") == "[]\n");
  CHECK(inspect_format(cli, "{{.GraphDriver.Name}}", "victim") == "overlay2\n");
  CHECK(inspect_format(cli, "{{.Name}} {{.Config.Image}} {{.Path}} {{.Args}}", "victim") ==
        "/victim busybox sleep [1000]\n");
  CHECK(std::regex_match(trim(inspect_format(cli, "{{.Created}}", "victim")),
                         std::regex("20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z")));

  const auto kill = cli({"kill", "victim"});
  INFO(kill.describe());
  CHECK(kill.exit_code == 0);
  CHECK(trim(cli({"wait", "victim"}).out) == "137");
  CHECK(inspect_format(cli, "{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}}", "victim") == "exited 137 0\n");
  const auto kill_again = cli({"kill", "victim"});
  INFO(kill_again.describe());
  CHECK(kill_again.exit_code != 0);
  CHECK(contains(kill_again.err, "is not running"));
  CHECK(cli({"rm", "victim"}).exit_code == 0);

  // rm -f removes a running container.
  REQUIRE(cli({"run", "-d", "--name", "doomed", "busybox", "sleep", "1000"}).exit_code == 0);
  const auto plain_rm = cli({"rm", "doomed"});
  INFO(plain_rm.describe());
  CHECK(plain_rm.exit_code != 0);
  const auto forced = cli({"rm", "-f", "doomed"});
  INFO(forced.describe());
  CHECK(forced.exit_code == 0);
  CHECK(trim(forced.out) == "doomed");
  const auto gone = cli({"inspect", "doomed"});
  CHECK(gone.exit_code != 0);
  CHECK(contains(gone.err, "No such"));
}

TEST_CASE("docker ps --filter and --format, and gockerctl's agree") {
  auto& cli = docker();
  REQUIRE(cli.daemon.started());
  REQUIRE(cli({"run", "-d", "--name", "psrun", "--label", "tier=front", "--label", "com.example.team=core", "busybox",
               "sleep", "1000"})
              .exit_code == 0);
  REQUIRE(cli({"run", "--name", "psthree", "--label", "tier=back", "busybox", "sh", "-c", "exit 3"}).exit_code == 3);
  REQUIRE(cli({"create", "--name", "psnew", "busybox"}).exit_code == 0);

  auto names = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "ps");
    args.insert(args.end(), {"--format", "{{.Names}}"});
    const auto result = cli(args);
    INFO(result.describe());
    CHECK(result.exit_code == 0);
    auto lines = split_lines(result.out);
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  using Names = std::vector<std::string>;
  CHECK(names({}) == Names{"psrun"});
  CHECK(names({"-a", "--filter", "status=exited"}) == Names{"psthree"});
  CHECK(names({"--filter", "status=created"}) == Names{"psnew"});
  CHECK(names({"-a", "--filter", "exited=3"}) == Names{"psthree"});
  CHECK(names({"-a", "--filter", "label=tier"}) == Names{"psrun", "psthree"});
  CHECK(names({"-a", "--filter", "label=tier=back"}) == Names{"psthree"});
  CHECK(names({"-a", "--filter", "name=psn"}) == Names{"psnew"});
  CHECK(names({"-a", "--filter", "status=exited", "--filter", "status=created"}) == Names{"psnew", "psthree"});

  const auto status = cli({"ps", "--format", "{{.Names}} {{.Status}} {{.State}}"});
  INFO(status.describe());
  CHECK(std::regex_match(status.out, std::regex("psrun Up [^\n]+ running\n")));
  const auto exited = cli({"ps", "-a", "--filter", "name=psthree", "--format", "{{.Status}}"});
  CHECK(std::regex_match(exited.out, std::regex("Exited \\(3\\) .* ago\n")));
  const auto label = cli({"ps", "--format", "{{.Label \"com.example.team\"}} {{.Command}}"});
  CHECK(label.out == "core \"sleep 1000\"\n");
  const auto table = cli({"ps", "--format", "table {{.Names}}\\t{{.Image}}"});
  INFO(table.describe());
  CHECK(split_lines(table.out) == std::vector<std::string>{"NAMES     IMAGE", "psrun     busybox"});

  // gockerctl renders the same formats from the same daemon.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"ps", "-a", "--filter", "status=exited", "--format", "{{.Names}} {{.State}} {{.Labels}}"},
        std::vector<std::string>{"ps", "--filter", "label=tier=front", "--format", "table {{.ID}}\\t{{.Names}}\\t{{.Command}}"},
        std::vector<std::string>{"ps", "-a", "--filter", "name=psrun", "--format", "{{.Label \"tier\"}}|{{.Image}}"},
        std::vector<std::string>{"ps", "-a", "--no-trunc", "--filter", "status=created", "--format", "{{.ID}} {{.Status}}"}}) {
    const auto theirs = cli(args);
    const auto ours = cli.daemon.gockerctl(args);
    INFO(theirs.describe());
    INFO(ours.describe());
    CHECK(ours.exit_code == 0);
    CHECK(ours.out == theirs.out);
  }
  const auto json_line = cli.daemon.gockerctl({"ps", "--format", "{{json .}}"});
  INFO(json_line.describe());
  const auto object = nlohmann::json::parse(json_line.out, nullptr, false);
  CHECK(object.is_object());
  CHECK(object.value("Names", "") == "psrun");

  CHECK(cli({"rm", "-f", "psrun", "psthree", "psnew"}).exit_code == 0);
}

TEST_CASE("20 parallel docker run --rm all succeed with their own output") {
  auto& cli = docker();
  REQUIRE(cli.daemon.started());
  constexpr int kRuns = 20;
  std::vector<std::future<CommandResult>> runs;
  for (int i = 0; i < kRuns; ++i) {
    runs.push_back(std::async(std::launch::async, [&cli, i] {
      CommandOptions options;
      options.timeout = 120s;
      return cli({"run", "--rm", "busybox", "echo", std::to_string(i)}, options);
    }));
  }
  for (int i = 0; i < kRuns; ++i) {
    const auto result = runs[i].get();
    INFO("run " << i << ": " << result.describe());
    CHECK(result.exit_code == 0);
    CHECK(result.out == std::to_string(i) + "\n");
  }
  const auto left = cli({"ps", "-a", "--quiet"});
  INFO(left.describe());
  CHECK(trim(left.out).empty());
}
