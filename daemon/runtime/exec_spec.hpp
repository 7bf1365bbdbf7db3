#pragma once
// What the exec monitor (`gocker-monitor exec`) is told about the process it starts inside a
// running container. It travels as the JSON payload of one kExecSpec message on the control
// socket, never as argv (argv is visible to every process on the host):
//   {"container_init":{"pid":N,"start_time":N},
//    "cgroup_paths":["/sys/fs/cgroup/.../<id>", ...],
//    "process":{"terminal":bool,"user":{"uid":N,"gid":N,"additionalGids":[N]},
//               "args":["..."],"env":["K=V"],"cwd":"/"},
//    "open_stdin":bool,
//    "security":{"capabilities":{...},"noNewPrivileges":bool,"rlimits":[...],"seccomp":{...}}}
// "process" has the shape of an OCI process object (as `runc exec --process` takes it).
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "runtime/monitor_launch.hpp"
#include "runtime/oci_config.hpp"

namespace gocker::runtime {

struct ExecSpec {
  ProcessIdentity container_init;         // whose namespaces are joined (checked by start time)
  std::vector<std::string> cgroup_paths;  // absolute; the process joins each before execve
  OciProcess process;
  bool open_stdin = false;                // a stdin pipe (or the pty's input) fed by attach clients
};

std::string encode_exec_spec(const ExecSpec& spec);
// InvalidArgument naming the field for a malformed spec (empty args, relative cwd, ...).
Result<ExecSpec> decode_exec_spec(std::string_view text);

}  // namespace gocker::runtime
