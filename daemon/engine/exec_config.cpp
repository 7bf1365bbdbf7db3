#include "engine/exec_config.hpp"

#include "engine/detach_keys.hpp"
#include "engine/oci_config.hpp"

namespace gocker::engine {
namespace {

std::string env_key(const std::string& entry) { return entry.substr(0, entry.find('=')); }

}  // namespace

Status validate_exec_request(const api::ExecCreateRequest& request) {
  if (request.cmd.empty()) return Error::invalid("No exec command specified");
  if (!request.detach_keys.empty()) GOCKER_TRY(parse_detach_keys(request.detach_keys));
  if (!request.working_dir.empty() && request.working_dir.front() != '/') {
    return Error::invalid("the working directory '" + request.working_dir + "' is invalid, it needs to be an absolute path");
  }
  return ok();
}

std::string exec_user_spec(const api::ContainerConfig& container, const api::ExecCreateRequest& request) {
  return request.user.empty() ? container.user : request.user;
}

std::vector<std::string> replace_or_append_env(std::vector<std::string> base, const std::vector<std::string>& overrides) {
  for (const std::string& entry : overrides) {
    const std::string key = env_key(entry);
    bool replaced = false;
    for (std::string& existing : base) {
      if (env_key(existing) == key) {
        existing = entry;
        replaced = true;
      }
    }
    if (!replaced) base.push_back(entry);
  }
  return base;
}

runtime::OciProcess build_exec_process(const api::ContainerConfig& container, const api::ExecCreateRequest& request,
                                       const ResolvedUser& user) {
  RuntimeConfigInputs inputs;
  inputs.hostname = container.hostname;
  inputs.config = container;
  inputs.config.tty = request.tty;  // TERM follows the exec's -t, not the container's
  inputs.user = user;
  runtime::OciProcess process;
  process.terminal = request.tty;
  process.user.uid = user.uid;
  process.user.gid = user.gid;
  process.user.additional_gids.assign(user.additional_gids.begin(), user.additional_gids.end());
  process.args = request.cmd;
  process.env = replace_or_append_env(container_env(inputs), request.env);
  if (!request.working_dir.empty()) {
    process.cwd = request.working_dir;
  } else if (!container.working_dir.empty()) {
    process.cwd = container.working_dir;
  } else {
    // Not `= "/"`: GCC 12 reports a false -Wrestrict on that assignment after inlining (CI builds
    // with -Werror).
    process.cwd = std::string(1, '/');
  }
  return process;
}

}  // namespace gocker::engine
