#pragma once
// OCI hooks (config.md#posix-platform-hooks): programs the runtime runs at points of a
// container's lifecycle, each given the container's state JSON on stdin. Who runs which:
//   prestart, createRuntime  the monitor, once the init is ready (namespaces, mounts, cgroup in
//                            place) and before it reports ready: a failure fails the create
//   poststart                the monitor, right after the command was exec'd (a failure is
//                            only logged: the container runs)
//   createContainer          the init, in the container's namespaces once its mounts are made and
//                            before pivot_root, after prestart and createRuntime (it asks the
//                            monitor for those first): a failure fails the create
//   startContainer           the init, after start and before execve (paths inside the container):
//                            a failure fails the start
//   poststop                 gocker-runc delete, once the container is gone
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace gocker::runtime {

struct OciHook {
  std::string path;  // absolute, in the runtime's namespace
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout_seconds;
};

struct OciHooks {
  std::vector<OciHook> prestart;
  std::vector<OciHook> create_runtime;
  std::vector<OciHook> create_container;
  std::vector<OciHook> start_container;
  std::vector<OciHook> poststart;
  std::vector<OciHook> poststop;
};

// The runtime-spec state object a hook reads on stdin.
std::string hook_state_json(const std::string& id, const char* status, pid_t pid, const std::string& bundle,
                            const std::map<std::string, std::string>& annotations);

// Runs one hook to its end (or kills it at its timeout): stdin is `state`, stdout and stderr go
// to /dev/null. An error when it cannot start, times out or exits non-zero.
Status run_hook(const OciHook& hook, const std::string& state);
// Runs the hooks in order, naming `phase` ("prestart", ...) in errors. Stops at the first failure
// (prestart, createRuntime), or with `run_all` (poststart, poststop: the spec wants the remaining
// hooks run and the failure only reported) runs every hook and returns the first failure.
Status run_hooks(const std::vector<OciHook>& hooks, const char* phase, const std::string& state, bool run_all = false);

}  // namespace gocker::runtime
