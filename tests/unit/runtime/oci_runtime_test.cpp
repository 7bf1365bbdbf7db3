#include <doctest/doctest.h>

#include <cerrno>

#include "runtime/monitor_args.hpp"
#include "runtime/oci_runtime.hpp"

using namespace gocker::runtime;
using Strings = std::vector<std::string>;

namespace {

OciRuntimeCommand sample_runtime() { return {"/usr/sbin/runc", "/var/lib/gocker/runtimes/runc", "/c/runtime-log.json"}; }

}  // namespace

TEST_CASE("runtime argv: global flags first, the container id last") {
  auto runtime = sample_runtime();
  const Strings global{"/usr/sbin/runc", "--root", "/var/lib/gocker/runtimes/runc", "--log", "/c/runtime-log.json",
                       "--log-format", "json"};
  CHECK(runtime_global_argv(runtime) == global);

  Strings create = global;
  create.insert(create.end(), {"create", "--bundle", "/c", "--pid-file", "/c/runtime.pid", "ID"});
  CHECK(runtime_create_argv(runtime, "ID", "/c", "/c/runtime.pid", "") == create);
  Strings create_tty = global;
  create_tty.insert(create_tty.end(),
                    {"create", "--bundle", "/c", "--pid-file", "/c/runtime.pid", "--console-socket", "/s/x.tty", "ID"});
  CHECK(runtime_create_argv(runtime, "ID", "/c", "/c/runtime.pid", "/s/x.tty") == create_tty);

  Strings start = global;
  start.insert(start.end(), {"start", "ID"});
  CHECK(runtime_start_argv(runtime, "ID") == start);
  Strings remove = global;
  remove.insert(remove.end(), {"delete", "--force", "ID"});
  CHECK(runtime_delete_argv(runtime, "ID") == remove);

  Strings exec = global;
  exec.insert(exec.end(), {"exec", "--process", "/e/process.json", "--detach", "--pid-file", "/e/runtime.pid", "ID"});
  CHECK(runtime_exec_argv(runtime, "ID", "/e/process.json", "/e/runtime.pid", "") == exec);
  Strings exec_tty = global;
  exec_tty.insert(exec_tty.end(), {"exec", "--process", "/e/process.json", "--detach", "--pid-file", "/e/runtime.pid",
                                   "--tty", "--console-socket", "/s/e.tty", "ID"});
  CHECK(runtime_exec_argv(runtime, "ID", "/e/process.json", "/e/runtime.pid", "/s/e.tty") == exec_tty);

  // Without a log file, no --log flags.
  runtime.log_path.clear();
  CHECK(runtime_global_argv(runtime) == Strings{"/usr/sbin/runc", "--root", "/var/lib/gocker/runtimes/runc"});
}

TEST_CASE("last_runtime_error: the last error line of runc's and crun's JSON logs") {
  const std::string runc_log =
      R"({"level":"warning","msg":"something minor","time":"2026-12-04T05:35:02Z"})"
      "\n"
      R"({"level":"error","msg":"runc create failed: unable to start container process: exec: \"nonexist\": executable file not found in $PATH","time":"2026-12-04T05:35:02Z"})"
      "\n";
  CHECK(last_runtime_error(runc_log) ==
        "runc create failed: unable to start container process: exec: \"nonexist\": executable file not found in $PATH");
  const std::string crun_log =
      R"({"msg": "executable file `nonexist` not found in $PATH: No such file or directory", "level": "error", "time": "2026-12-04T05:35:02.000000Z"})"
      "\n";
  CHECK(last_runtime_error(crun_log) == "executable file `nonexist` not found in $PATH: No such file or directory");
  // No error line: the last message of any level, or a plain-text line.
  CHECK(last_runtime_error(R"({"level":"info","msg":"only info"})") == "only info");
  CHECK(last_runtime_error("plain text failure\n") == "plain text failure");
  CHECK(last_runtime_error("").empty());
}

TEST_CASE("errno_for_runtime_error reads the runtime's message as dockerd does") {
  CHECK(errno_for_runtime_error("exec: \"x\": executable file not found in $PATH") == ENOENT);
  CHECK(errno_for_runtime_error("executable file `x` not found in $PATH: No such file or directory") == ENOENT);
  CHECK(errno_for_runtime_error("exec: \"/etc\": permission denied") == EACCES);
  CHECK(errno_for_runtime_error("mount proc: operation not permitted") == 0);
  CHECK(errno_for_runtime_error("exec /bin/x: permission denied") == EACCES);
  CHECK(errno_for_runtime_error("Permission Denied") == EACCES);
  CHECK(errno_for_runtime_error("cgroups: cannot find cgroup mount destination") == 0);
}

TEST_CASE("runc_style_error: crun's missing-executable message in runc's words") {
  CHECK(runc_style_error("open executable: Operation not permitted") == "open executable: permission denied");
  CHECK(runc_style_error("executable file `nonexist` not found in $PATH: No such file or directory") ==
        "exec: \"nonexist\": executable file not found in $PATH");
  CHECK(runc_style_error("runc create failed: exec: \"x\": executable file not found in $PATH") ==
        "runc create failed: exec: \"x\": executable file not found in $PATH");
  CHECK(runc_style_error("cannot open `/x`: Permission denied") == "cannot open `/x`: Permission denied");
}

TEST_CASE("oci_process_json: what `<runtime> exec --process` reads") {
  OciProcess process;
  process.terminal = true;
  process.user = {1000, 50, {10}};
  process.args = {"sh", "-c", "echo hi"};
  process.env = {"PATH=/bin"};
  process.cwd = "/tmp";
  process.security.capabilities = CapabilitySets{{0}, {0}, {}, {0}, {}};
  process.security.no_new_privileges = true;
  process.security.oom_score_adj = 5;
  auto json = oci_process_json(process);
  CHECK(json["terminal"] == true);
  CHECK(json["user"]["uid"] == 1000);
  CHECK(json["user"]["gid"] == 50);
  CHECK(json["user"]["additionalGids"] == nlohmann::json::array({10}));
  CHECK(json["args"] == nlohmann::json::array({"sh", "-c", "echo hi"}));
  CHECK(json["cwd"] == "/tmp");
  CHECK(json["capabilities"]["bounding"] == nlohmann::json::array({"CAP_CHOWN"}));
  CHECK(json["noNewPrivileges"] == true);
  // The container's own (oomScoreAdj, seccomp) are the runtime's to apply, not the exec's.
  CHECK_FALSE(json.contains("oomScoreAdj"));
  CHECK_FALSE(json.contains("seccomp"));
}

TEST_CASE("monitor argv carries the runtime and its root, both modes") {
  MonitorOptions options;
  options.container_id = "abc";
  options.bundle_dir = "/c";
  options.state_dir = "/c";
  options.runtime_path = "/usr/bin/crun";
  options.runtime_root = "/r/runtimes/crun";
  auto parsed = parse_monitor_argv(build_monitor_argv(options));
  REQUIRE(parsed);
  CHECK(parsed->runtime_path == "/usr/bin/crun");
  CHECK(parsed->runtime_root == "/r/runtimes/crun");
  // The built-in runtime keeps the short command line.
  options.runtime_path.clear();
  options.runtime_root.clear();
  for (const auto& argument : build_monitor_argv(options)) CHECK(argument != "--runtime");

  ExecMonitorOptions exec;
  exec.container_id = "abc";
  exec.exec_id = "e1";
  exec.state_dir = "/c/exec/e1";
  exec.runtime_path = "/usr/sbin/runc";
  exec.runtime_root = "/r/runtimes/runc";
  auto parsed_exec = parse_exec_monitor_argv(build_exec_monitor_argv(exec));
  REQUIRE(parsed_exec);
  CHECK(parsed_exec->runtime_path == "/usr/sbin/runc");
  CHECK(parsed_exec->runtime_root == "/r/runtimes/runc");

  // A runtime without its root is refused.
  auto argv = Strings{"gocker-monitor", "--id", "abc", "--bundle", "/c", "--state-dir", "/c", "--runtime", "/usr/bin/crun"};
  CHECK_FALSE(parse_monitor_argv(argv));
}
