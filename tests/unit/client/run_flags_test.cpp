#include "run_flags.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>

#include <doctest/doctest.h>

using gocker::client::EnvLookup;
using gocker::client::RunFlags;

namespace {

// A client environment for the tests: only what is listed exists.
EnvLookup fake_env(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

// Parses `gockerctl run <args>` the way main does and returns the create body (or the failure).
struct Parsed {
  RunFlags flags;
  gocker::client::Outcome<nlohmann::json> body = gocker::client::Failure{};
};

Parsed parse_run(std::vector<std::string> args, const EnvLookup& env = fake_env({})) {
  Parsed parsed;
  CLI::App app{"test", "gockerctl"};
  CLI::App* run = app.add_subcommand("run");
  gocker::client::add_container_flags(*run, parsed.flags, /*with_detach=*/true);
  args.insert(args.begin(), "run");
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector reversed
  app.parse(args);
  if (auto taken = gocker::client::take_image_and_command(*run, parsed.flags); !taken) {
    parsed.body = taken.error();
    return parsed;
  }
  parsed.body = gocker::client::build_create_request(parsed.flags, env, "run");
  return parsed;
}

}  // namespace

TEST_CASE("run keeps everything after the image verbatim as the command") {
  auto parsed = parse_run({"-d", "--name", "web", "busybox", "sh", "-c", "echo $$", "-e", "X", "--rm"});
  REQUIRE(parsed.body.has_value());
  const auto& body = *parsed.body;
  CHECK(body["Image"] == "busybox");
  CHECK(body["Cmd"] == nlohmann::json({"sh", "-c", "echo $$", "-e", "X", "--rm"}));
  CHECK(body["Env"] == nlohmann::json::array());
  CHECK(body["HostConfig"]["AutoRemove"] == false);
  CHECK(parsed.flags.name == "web");
  CHECK(parsed.flags.detach);
}

TEST_CASE("run without a command sends a null Cmd so the image's default applies") {
  auto parsed = parse_run({"busybox"});
  REQUIRE(parsed.body.has_value());
  CHECK((*parsed.body)["Cmd"].is_null());
  CHECK((*parsed.body)["Entrypoint"].is_null());
}

TEST_CASE("attach and stdin fields follow -i, -t and -d as docker sets them") {
  auto attached = parse_run({"-it", "busybox"});
  REQUIRE(attached.body.has_value());
  CHECK((*attached.body)["Tty"] == true);
  CHECK((*attached.body)["OpenStdin"] == true);
  CHECK((*attached.body)["AttachStdin"] == true);
  CHECK((*attached.body)["AttachStdout"] == true);
  CHECK((*attached.body)["AttachStderr"] == true);
  CHECK((*attached.body)["StdinOnce"] == true);

  auto detached = parse_run({"-dit", "busybox"});
  REQUIRE(detached.body.has_value());
  CHECK((*detached.body)["OpenStdin"] == true);
  CHECK((*detached.body)["AttachStdin"] == false);
  CHECK((*detached.body)["AttachStdout"] == false);
  CHECK((*detached.body)["StdinOnce"] == false);
}

TEST_CASE("-e takes KEY=VALUE as given and KEY from the client's environment, or drops it") {
  auto parsed = parse_run({"-e", "A=1", "-e", "HOME_DIR", "-e", "UNSET", "-e", "EMPTY=", "--env=B=x=y", "busybox", "env"},
                          fake_env({{"HOME_DIR", "/home/me"}}));
  REQUIRE(parsed.body.has_value());
  CHECK((*parsed.body)["Env"] == nlohmann::json({"A=1", "HOME_DIR=/home/me", "EMPTY=", "B=x=y"}));
  CHECK((*parsed.body)["Cmd"] == nlohmann::json({"env"}));
}

TEST_CASE("-e with an empty name is rejected") {
  auto parsed = parse_run({"-e", "=oops", "busybox"});
  REQUIRE_FALSE(parsed.body.has_value());
  CHECK(parsed.body.error().kind == gocker::client::FailureKind::Usage);
  CHECK(parsed.body.error().message == "invalid environment variable: =oops");
}

TEST_CASE("env files come before -e, with docker's file format") {
  char path[] = "/tmp/gockerctl-env-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  {
    std::ofstream file(path);
    file << "# a comment\n\n  FROM_FILE=with spaces  \nPASSED\nMISSING\r\nWIN=dos\r\n";
  }
  auto parsed = parse_run({"--env-file", path, "-e", "LAST=1", "busybox"}, fake_env({{"PASSED", "through"}}));
  std::remove(path);
  REQUIRE(parsed.body.has_value());
  CHECK((*parsed.body)["Env"] ==
        nlohmann::json({"FROM_FILE=with spaces  ", "PASSED=through", "WIN=dos", "LAST=1"}));
}

TEST_CASE("a missing env file is a usage error naming the file") {
  auto parsed = parse_run({"--env-file", "/nonexistent/gocker.env", "busybox"});
  REQUIRE_FALSE(parsed.body.has_value());
  CHECK(parsed.body.error().message == "open /nonexistent/gocker.env: No such file or directory");
}

TEST_CASE("parse_env_file rejects names with whitespace and lines without a name") {
  auto env = fake_env({});
  auto spaced = gocker::client::parse_env_file("MY VAR=1\n", env);
  REQUIRE_FALSE(spaced.has_value());
  CHECK(spaced.error().message == "poorly formatted environment: variable 'MY VAR' contains whitespaces");
  auto nameless = gocker::client::parse_env_file("=1\n", env);
  REQUIRE_FALSE(nameless.has_value());
  CHECK(nameless.error().message == "poorly formatted environment: no variable name on line '=1'");
  auto with_bom = gocker::client::parse_env_file("\xEF\xBB\xBFKEY=v", env);
  REQUIRE(with_bom.has_value());
  CHECK(*with_bom == std::vector<std::string>{"KEY=v"});
}

TEST_CASE("limits translate into HostConfig fields") {
  auto parsed = parse_run({"-m", "64m", "--memory-swap", "1g", "--cpus", "1.5", "-c", "512", "--cpuset-cpus", "0-1",
                           "--cpuset-mems", "0", "--pids-limit", "100", "-w", "/tmp", "-u", "1000:1000", "-h", "box",
                           "--rm", "busybox"});
  REQUIRE(parsed.body.has_value());
  const auto& host = (*parsed.body)["HostConfig"];
  CHECK(host["Memory"] == 64 * 1024 * 1024);
  CHECK(host["MemorySwap"] == int64_t{1} << 30);
  CHECK(host["NanoCpus"] == 1'500'000'000);
  CHECK(host["CpuShares"] == 512);
  CHECK(host["CpusetCpus"] == "0-1");
  CHECK(host["CpusetMems"] == "0");
  CHECK(host["PidsLimit"] == 100);
  CHECK(host["AutoRemove"] == true);
  CHECK((*parsed.body)["WorkingDir"] == "/tmp");
  CHECK((*parsed.body)["User"] == "1000:1000");
  CHECK((*parsed.body)["Hostname"] == "box");
}

TEST_CASE("--memory-swap -1 means unlimited swap; unset pids limit stays null") {
  auto parsed = parse_run({"-m", "32m", "--memory-swap", "-1", "busybox"});
  REQUIRE(parsed.body.has_value());
  CHECK((*parsed.body)["HostConfig"]["MemorySwap"] == -1);
  CHECK((*parsed.body)["HostConfig"]["PidsLimit"].is_null());
}

TEST_CASE("a bad memory size is docker's flag error") {
  auto parsed = parse_run({"-m", "lots", "busybox"});
  REQUIRE_FALSE(parsed.body.has_value());
  CHECK(parsed.body.error().kind == gocker::client::FailureKind::Usage);
  CHECK(parsed.body.error().message ==
        "invalid argument \"lots\" for \"-m, --memory\" flag: invalid size: 'lots'\nSee 'gockerctl run --help'.");
}

TEST_CASE("--entrypoint replaces the image's, and an empty one clears it") {
  auto replaced = parse_run({"--entrypoint", "/bin/echo", "busybox", "hi"});
  REQUIRE(replaced.body.has_value());
  CHECK((*replaced.body)["Entrypoint"] == nlohmann::json({"/bin/echo"}));
  auto cleared = parse_run({"--entrypoint", "", "busybox"});
  REQUIRE(cleared.body.has_value());
  CHECK((*cleared.body)["Entrypoint"] == nlohmann::json({""}));
}

TEST_CASE("an unknown flag before the image and a missing image are usage errors") {
  auto unknown = parse_run({"--bogus", "busybox"});
  REQUIRE_FALSE(unknown.body.has_value());
  CHECK(unknown.body.error().message == "unknown flag: --bogus\nSee 'gockerctl run --help'.");
  auto missing = parse_run({"-d"});
  REQUIRE_FALSE(missing.body.has_value());
  CHECK(missing.body.error().message == "\"gockerctl run\" requires at least 1 argument.\nSee 'gockerctl run --help'.");
}

TEST_CASE("parse_nano_cpus is exact decimal arithmetic") {
  CHECK(*gocker::client::parse_nano_cpus("1") == 1'000'000'000);
  CHECK(*gocker::client::parse_nano_cpus("0.1") == 100'000'000);
  CHECK(*gocker::client::parse_nano_cpus("2.5") == 2'500'000'000);
  CHECK(*gocker::client::parse_nano_cpus(".5") == 500'000'000);
  CHECK(*gocker::client::parse_nano_cpus("0.000000001") == 1);
  CHECK(*gocker::client::parse_nano_cpus("1.5000000000") == 1'500'000'000);
  CHECK(gocker::client::parse_nano_cpus("0.0000000001").error().message == "value is too precise");
  CHECK(gocker::client::parse_nano_cpus("abc").error().message == "failed to parse abc as a rational number");
  CHECK_FALSE(gocker::client::parse_nano_cpus("").has_value());
  CHECK_FALSE(gocker::client::parse_nano_cpus("1.2.3").has_value());
}

TEST_CASE("volume flags: -v splits into Binds and Config.Volumes, --mount, --tmpfs, --read-only, --volumes-from") {
  auto parsed = parse_run({"-v", "/host:/ctr:ro", "-v", "data:/data", "-v", "/anon", "--mount",
                           "type=bind,src=/h,dst=/c,readonly", "--mount", "type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770",
                           "--mount", "target=/v,volume-nocopy", "--tmpfs", "/run:size=64m", "--tmpfs", "/scratch",
                           "--read-only", "--volumes-from", "other:ro", "busybox"});
  REQUIRE(parsed.body);
  const auto& body = *parsed.body;
  CHECK(body["HostConfig"]["Binds"] == nlohmann::json({"/host:/ctr:ro", "data:/data"}));
  CHECK(body["Volumes"] == nlohmann::json({{"/anon", nlohmann::json::object()}}));
  const auto& mounts = body["HostConfig"]["Mounts"];
  REQUIRE(mounts.size() == 3);
  CHECK(mounts[0] == nlohmann::json({{"Type", "bind"}, {"Source", "/h"}, {"Target", "/c"}, {"ReadOnly", true}}));
  CHECK(mounts[1]["TmpfsOptions"] == nlohmann::json({{"SizeBytes", 1048576}, {"Mode", 01770}}));
  CHECK(mounts[2]["Type"] == "volume");
  CHECK(mounts[2]["VolumeOptions"]["NoCopy"] == true);
  CHECK(body["HostConfig"]["Tmpfs"] == nlohmann::json({{"/run", "size=64m"}, {"/scratch", ""}}));
  CHECK(body["HostConfig"]["ReadonlyRootfs"] == true);
  CHECK(body["HostConfig"]["VolumesFrom"] == nlohmann::json({"other:ro"}));

  CHECK_FALSE(parse_run({"--mount", "type=bind,source=/h", "busybox"}).body);  // no target
  CHECK_FALSE(parse_run({"--mount", "type=tmpfs,target=/t,bogus=1", "busybox"}).body);
}
