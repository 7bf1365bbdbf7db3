#include "runtime/exec_spec.hpp"

#include <nlohmann/json.hpp>

namespace gocker::runtime {
namespace {

using nlohmann::json;

Error malformed(const std::string& field, const char* expected) {
  return Error::invalid("exec spec field " + field + ": must be " + expected);
}

Result<std::vector<std::string>> string_list(const json& object, const char* key, const std::string& where) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_array()) return malformed(where + key, "an array of strings");
  for (const json& item : *it) {
    if (!item.is_string()) return malformed(where + key, "an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

template <typename Integer>
Result<Integer> unsigned_field(const json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_unsigned()) return malformed(where + key, "a non-negative integer");
  return static_cast<Integer>(it->get<uint64_t>());
}

Status decode_process(const json& process, OciProcess& out) {
  if (!process.is_object()) return malformed("process", "an object");
  auto terminal = process.find("terminal");
  if (terminal != process.end() && !terminal->is_null()) {
    if (!terminal->is_boolean()) return malformed("process.terminal", "a boolean");
    out.terminal = terminal->get<bool>();
  }
  auto args = string_list(process, "args", "process.");
  if (!args) return std::move(args).error();
  out.args = std::move(*args);
  if (out.args.empty()) return malformed("process.args", "a non-empty array");
  auto env = string_list(process, "env", "process.");
  if (!env) return std::move(env).error();
  out.env = std::move(*env);
  auto cwd = process.find("cwd");
  if (cwd == process.end() || !cwd->is_string() || cwd->get<std::string>().empty() ||
      cwd->get<std::string>().front() != '/') {
    return malformed("process.cwd", "an absolute path");
  }
  out.cwd = cwd->get<std::string>();
  auto user = process.find("user");
  if (user == process.end() || !user->is_object()) return malformed("process.user", "an object");
  auto uid = unsigned_field<uid_t>(*user, "uid", "process.user.");
  if (!uid) return std::move(uid).error();
  auto gid = unsigned_field<gid_t>(*user, "gid", "process.user.");
  if (!gid) return std::move(gid).error();
  out.user.uid = *uid;
  out.user.gid = *gid;
  auto gids = user->find("additionalGids");
  if (gids != user->end() && !gids->is_null()) {
    if (!gids->is_array()) return malformed("process.user.additionalGids", "an array of non-negative integers");
    for (const json& item : *gids) {
      if (!item.is_number_unsigned()) return malformed("process.user.additionalGids", "an array of non-negative integers");
      out.user.additional_gids.push_back(static_cast<gid_t>(item.get<uint64_t>()));
    }
  }
  return ok();
}

}  // namespace

std::string encode_exec_spec(const ExecSpec& spec) {
  const OciProcess& process = spec.process;
  json user = {{"uid", process.user.uid}, {"gid", process.user.gid}};
  if (!process.user.additional_gids.empty()) user["additionalGids"] = process.user.additional_gids;
  json document = {
      {"container_init", {{"pid", spec.container_init.pid}, {"start_time", spec.container_init.start_time}}},
      {"cgroup_paths", spec.cgroup_paths},
      {"process",
       {{"terminal", process.terminal}, {"user", user}, {"args", process.args}, {"env", process.env}, {"cwd", process.cwd}}},
      {"open_stdin", spec.open_stdin},
      {"security", encode_process_security(process.security)}};
  return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ExecSpec> decode_exec_spec(std::string_view text) {
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) return Error::invalid("exec spec: not a JSON object");
  ExecSpec spec;
  auto init = document.find("container_init");
  if (init == document.end() || !init->is_object()) return malformed("container_init", "an object");
  auto pid = init->find("pid");
  if (pid == init->end() || !pid->is_number_integer() || pid->get<int64_t>() <= 0) {
    return malformed("container_init.pid", "a positive integer");
  }
  spec.container_init.pid = pid->get<pid_t>();
  auto start_time = unsigned_field<uint64_t>(*init, "start_time", "container_init.");
  if (!start_time) return std::move(start_time).error();
  spec.container_init.start_time = *start_time;
  auto paths = string_list(document, "cgroup_paths", "");
  if (!paths) return std::move(paths).error();
  spec.cgroup_paths = std::move(*paths);
  for (const std::string& path : spec.cgroup_paths) {
    if (path.empty() || path.front() != '/') return malformed("cgroup_paths", "absolute paths");
  }
  auto process = document.find("process");
  if (process == document.end()) return malformed("process", "an object");
  GOCKER_TRY(decode_process(*process, spec.process));
  if (auto security = document.find("security"); security != document.end() && !security->is_null()) {
    if (auto status = decode_process_security(*security, spec.process.security); !status) {
      return std::move(status).error().context("exec spec field security");
    }
  }
  auto open_stdin = document.find("open_stdin");
  if (open_stdin != document.end() && !open_stdin->is_null()) {
    if (!open_stdin->is_boolean()) return malformed("open_stdin", "a boolean");
    spec.open_stdin = open_stdin->get<bool>();
  }
  return spec;
}

}  // namespace gocker::runtime
