#include "api/exec_types.hpp"

#include "api/json_fields.hpp"

namespace gocker::api {

using nlohmann::json;

void from_json(const json& j, ExecCreateRequest& v) {
  read_field(j, "AttachStdin", v.attach_stdin);
  read_field(j, "AttachStdout", v.attach_stdout);
  read_field(j, "AttachStderr", v.attach_stderr);
  read_field(j, "DetachKeys", v.detach_keys);
  read_field(j, "Tty", v.tty);
  read_field(j, "Env", v.env);
  read_field(j, "Cmd", v.cmd);
  read_field(j, "Privileged", v.privileged);
  read_field(j, "User", v.user);
  read_field(j, "WorkingDir", v.working_dir);
}

void to_json(json& j, const ExecCreateRequest& v) {
  j = json{{"AttachStdin", v.attach_stdin}, {"AttachStdout", v.attach_stdout}, {"AttachStderr", v.attach_stderr},
           {"DetachKeys", v.detach_keys},   {"Tty", v.tty},                     {"Env", v.env},
           {"Cmd", v.cmd},                  {"Privileged", v.privileged},       {"User", v.user},
           {"WorkingDir", v.working_dir}};
}

void from_json(const json& j, ExecCreateResponse& v) { read_field(j, "Id", v.id); }
void to_json(json& j, const ExecCreateResponse& v) { j = json{{"Id", v.id}}; }

void from_json(const json& j, ExecStartRequest& v) {
  read_field(j, "Detach", v.detach);
  read_field(j, "Tty", v.tty);
}
void to_json(json& j, const ExecStartRequest& v) { j = json{{"Detach", v.detach}, {"Tty", v.tty}}; }

void from_json(const json& j, ExecProcessConfig& v) {
  read_field(j, "tty", v.tty);
  read_field(j, "entrypoint", v.entrypoint);
  read_field(j, "arguments", v.arguments);
  read_field(j, "privileged", v.privileged);
  read_field(j, "user", v.user);
}
void to_json(json& j, const ExecProcessConfig& v) {
  j = json{{"tty", v.tty},
           {"entrypoint", v.entrypoint},
           {"arguments", v.arguments},
           {"privileged", v.privileged},
           {"user", v.user}};
}

void from_json(const json& j, ExecInspect& v) {
  read_field(j, "ID", v.id);
  read_field(j, "Running", v.running);
  if (auto it = j.find("ExitCode"); it != j.end() && it->is_number_integer()) v.exit_code = read_integer<int>(*it, "ExitCode");
  read_field(j, "ProcessConfig", v.process_config);
  read_field(j, "OpenStdin", v.open_stdin);
  read_field(j, "OpenStderr", v.open_stderr);
  read_field(j, "OpenStdout", v.open_stdout);
  read_field(j, "ContainerID", v.container_id);
  read_field(j, "Pid", v.pid);
  read_field(j, "CanRemove", v.can_remove);
  read_field(j, "DetachKeys", v.detach_keys);
}

void to_json(json& j, const ExecInspect& v) {
  j = json{{"ID", v.id},
           {"Running", v.running},
           {"ExitCode", v.exit_code ? json(*v.exit_code) : json(nullptr)},
           {"ProcessConfig", v.process_config},
           {"OpenStdin", v.open_stdin},
           {"OpenStderr", v.open_stderr},
           {"OpenStdout", v.open_stdout},
           {"ContainerID", v.container_id},
           {"Pid", v.pid},
           {"CanRemove", v.can_remove},
           {"DetachKeys", v.detach_keys}};
}

}  // namespace gocker::api
