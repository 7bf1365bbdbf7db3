#include <doctest/doctest.h>

#include <algorithm>

#include "engine/exec_config.hpp"

using namespace gocker;
using namespace gocker::engine;

namespace {

api::ContainerConfig container_config() {
  api::ContainerConfig config;
  config.hostname = "abc123";
  config.user = "app";
  config.working_dir = "/srv";
  config.env = {"PATH=/usr/bin:/bin", "MODE=prod", "KEEP=1"};
  return config;
}

bool contains(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

}  // namespace

TEST_CASE("exec process: the container's env, hostname and HOME, with -e replacing or appending") {
  api::ExecCreateRequest request;
  request.cmd = {"env"};
  request.env = {"MODE=debug", "EXTRA=yes"};
  ResolvedUser user{1000, 1000, {10}, "/home/app"};
  auto process = build_exec_process(container_config(), request, user);
  CHECK(process.args == std::vector<std::string>{"env"});
  CHECK(contains(process.env, "PATH=/usr/bin:/bin"));
  CHECK(contains(process.env, "HOSTNAME=abc123"));
  CHECK(contains(process.env, "HOME=/home/app"));
  CHECK(contains(process.env, "MODE=debug"));
  CHECK_FALSE(contains(process.env, "MODE=prod"));
  CHECK(contains(process.env, "KEEP=1"));
  CHECK(contains(process.env, "EXTRA=yes"));
  CHECK_FALSE(contains(process.env, "TERM=xterm"));
  CHECK(process.user.uid == 1000);
  CHECK(process.user.additional_gids == std::vector<gid_t>{10});
  CHECK_FALSE(process.terminal);
}

TEST_CASE("exec process: TERM follows the exec's -t, not the container's") {
  api::ContainerConfig config = container_config();
  config.tty = false;
  api::ExecCreateRequest request;
  request.cmd = {"sh"};
  request.tty = true;
  auto process = build_exec_process(config, request, ResolvedUser{});
  CHECK(process.terminal);
  CHECK(contains(process.env, "TERM=xterm"));
}

TEST_CASE("exec process: working dir is -w, else the container's, else /") {
  api::ExecCreateRequest request;
  request.cmd = {"pwd"};
  CHECK(build_exec_process(container_config(), request, ResolvedUser{}).cwd == "/srv");
  request.working_dir = "/tmp";
  CHECK(build_exec_process(container_config(), request, ResolvedUser{}).cwd == "/tmp");
  api::ContainerConfig no_dir = container_config();
  no_dir.working_dir.clear();
  request.working_dir.clear();
  CHECK(build_exec_process(no_dir, request, ResolvedUser{}).cwd == "/");
}

TEST_CASE("exec user: -u wins over the container's user") {
  api::ExecCreateRequest request;
  CHECK(exec_user_spec(container_config(), request) == "app");
  request.user = "0:0";
  CHECK(exec_user_spec(container_config(), request) == "0:0");
}

TEST_CASE("exec request validation: a command and an absolute working dir") {
  api::ExecCreateRequest request;
  CHECK_FALSE(validate_exec_request(request));
  request.cmd = {"true"};
  CHECK(validate_exec_request(request));
  request.working_dir = "relative";
  auto refused = validate_exec_request(request);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::InvalidArgument);
}

TEST_CASE("replace_or_append_env keeps order and replaces by key") {
  auto env = replace_or_append_env({"A=1", "B=2"}, {"B=3", "C=4"});
  CHECK(env == std::vector<std::string>{"A=1", "B=3", "C=4"});
}
