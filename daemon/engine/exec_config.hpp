#pragma once
// Turns an exec create request into the process the runtime starts inside the container. Pure:
// unit-tested without a kernel. Docker's rules (moby daemon/exec.go, container.CreateDaemonEnvironment):
//   env  = the container's environment built as for its init (PATH default, HOSTNAME, TERM=xterm
//          with the exec's -t, HOME of the exec's user), then each of the exec's -e replacing the
//          entry with the same key or appended;
//   user = the exec's -u, else the container's (resolved against the container's /etc/passwd);
//   cwd  = the exec's -w, else the container's WorkingDir, else "/".
#include <string>
#include <vector>

#include "api/container_types.hpp"
#include "api/exec_types.hpp"
#include "engine/user_lookup.hpp"
#include "runtime/oci_config.hpp"

namespace gocker::engine {

// Validates what dockerd validates at create: a non-empty Cmd.
Status validate_exec_request(const api::ExecCreateRequest& request);

// The user spec the exec runs as: its own -u, else the container's.
std::string exec_user_spec(const api::ContainerConfig& container, const api::ExecCreateRequest& request);

// `user` is exec_user_spec() resolved against the container's rootfs.
runtime::OciProcess build_exec_process(const api::ContainerConfig& container, const api::ExecCreateRequest& request,
                                       const ResolvedUser& user);

// KEY=value lists: entries of `overrides` replace those with the same key in `base`, in place, or
// are appended.
std::vector<std::string> replace_or_append_env(std::vector<std::string> base, const std::vector<std::string>& overrides);

}  // namespace gocker::engine
