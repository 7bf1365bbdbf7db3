#pragma once
// --init (HostConfig.Init): a small init runs as the container's PID 1 and the command as its
// child, so zombies are reaped and signals reach the command (docker's docker-init, which is
// tini). Debian's `tini` package ships a static build that needs nothing from the container's
// filesystem; it is bind-mounted read-only at the path Docker uses, so `ps` shows the same.
#include "base/result.hpp"

namespace gocker::engine {

inline constexpr const char* kInitBinaryPath = "/usr/bin/tini-static";
inline constexpr const char* kInitPathInContainer = "/sbin/docker-init";

// InvalidArgument naming the package when the host has no usable tini-static (checked at create,
// so `run --init` fails with a clear message instead of at start).
Status check_init_binary();

}  // namespace gocker::engine
