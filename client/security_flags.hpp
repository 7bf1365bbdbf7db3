#pragma once
// The security flags of `run`/`create` (--privileged, --cap-add/--cap-drop, --security-opt,
// --ulimit, --oom-score-adj, --sysctl, --device) into HostConfig, the way the docker CLI sends
// them: a seccomp=FILE option carries the file's content, since the daemon may not see the
// client's files.
#include <string_view>

#include "api/container_types.hpp"
#include "outcome.hpp"
#include "run_flags.hpp"

namespace gocker::client {

Outcome<void> apply_security_flags(const RunFlags& flags, api::HostConfig& host);

// "nofile=1024:2048" or "nofile=1024" (soft = hard).
Outcome<api::Ulimit> parse_ulimit_flag(std::string_view text);
// "/dev/x", "/dev/x:/dev/y", "/dev/x:rw", "/dev/x:/dev/y:rwm".
Outcome<api::DeviceMapping> parse_device_flag(std::string_view text);

}  // namespace gocker::client
