#include <doctest/doctest.h>

#include <sched.h>

#include "runtime/exec_process.hpp"
#include "runtime/exec_spec.hpp"
#include "runtime/monitor_args.hpp"

using namespace gocker::runtime;

namespace {

ExecSpec sample_exec_spec() {
  ExecSpec spec;
  spec.container_init = {4242, 987654321};
  spec.cgroup_paths = {"/sys/fs/cgroup/memory/gocker/abc", "/sys/fs/cgroup/pids/gocker/abc"};
  spec.process.terminal = true;
  spec.process.user = {1000, 50, {10, 20}};
  spec.process.args = {"sh", "-c", "echo \"hi\""};
  spec.process.env = {"PATH=/bin", "A=b=c"};
  spec.process.cwd = "/tmp";
  spec.open_stdin = true;
  return spec;
}

}  // namespace

TEST_CASE("exec spec: encode then decode gives the same spec") {
  ExecSpec spec = sample_exec_spec();
  auto decoded = decode_exec_spec(encode_exec_spec(spec));
  REQUIRE(decoded);
  CHECK(decoded->container_init.pid == 4242);
  CHECK(decoded->container_init.start_time == 987654321);
  CHECK(decoded->cgroup_paths == spec.cgroup_paths);
  CHECK(decoded->process.terminal);
  CHECK(decoded->process.user.uid == 1000);
  CHECK(decoded->process.user.gid == 50);
  CHECK(decoded->process.user.additional_gids == std::vector<gid_t>{10, 20});
  CHECK(decoded->process.args == spec.process.args);
  CHECK(decoded->process.env == spec.process.env);
  CHECK(decoded->process.cwd == "/tmp");
  CHECK(decoded->open_stdin);
}

TEST_CASE("exec spec: malformed specs are refused naming the field") {
  CHECK_FALSE(decode_exec_spec("not json"));
  CHECK_FALSE(decode_exec_spec("[]"));

  ExecSpec no_args = sample_exec_spec();
  no_args.process.args.clear();
  auto refused = decode_exec_spec(encode_exec_spec(no_args));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("process.args") != std::string::npos);

  ExecSpec relative_cwd = sample_exec_spec();
  relative_cwd.process.cwd = "tmp";
  refused = decode_exec_spec(encode_exec_spec(relative_cwd));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("process.cwd") != std::string::npos);

  ExecSpec relative_cgroup = sample_exec_spec();
  relative_cgroup.cgroup_paths = {"gocker/abc"};
  CHECK_FALSE(decode_exec_spec(encode_exec_spec(relative_cgroup)));

  ExecSpec no_pid = sample_exec_spec();
  no_pid.container_init.pid = 0;
  refused = decode_exec_spec(encode_exec_spec(no_pid));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("container_init.pid") != std::string::npos);
}

TEST_CASE("exec monitor argv: round trip, and the spec never travels as argv") {
  ExecMonitorOptions options;
  options.container_id = "c0ffee";
  options.exec_id = "e1e1";
  options.state_dir = "/var/lib/gocker/containers/c0ffee/exec/e1e1";
  options.attach_socket = "/var/lib/gocker/s/ee1e1";
  auto argv = build_exec_monitor_argv(options);
  REQUIRE(argv.size() >= 2);
  CHECK(argv[1] == "exec");
  auto parsed = parse_exec_monitor_argv(argv);
  REQUIRE(parsed);
  CHECK(parsed->container_id == "c0ffee");
  CHECK(parsed->exec_id == "e1e1");
  CHECK(parsed->state_dir == options.state_dir);
  CHECK(parsed->attach_socket == options.attach_socket);

  CHECK_FALSE(parse_exec_monitor_argv({"gocker-monitor", "exec", "--id", "c"}));
  CHECK_FALSE(parse_exec_monitor_argv({"gocker-monitor", "exec", "--id", "c", "--exec-id", "e", "--state-dir", "/s",
                                       "--bogus", "x"}));
  CHECK_FALSE(parse_exec_monitor_argv({"gocker-monitor", "--id", "c"}));
}

TEST_CASE("exec joins every namespace but pid (the monitor's) and user") {
  const int flags = exec_setns_flags();
  for (int wanted : {CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWCGROUP}) CHECK((flags & wanted) != 0);
  CHECK((flags & CLONE_NEWPID) == 0);
  CHECK((flags & CLONE_NEWUSER) == 0);
}
