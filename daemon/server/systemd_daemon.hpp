#pragma once
// The sd-daemon calls gockerd makes (readiness and stop notices, socket activation), through
// libsystemd loaded for the call. Linked in, libsystemd and its own dependencies (libgcrypt,
// libgpg-error, libzstd, liblz4, libcap) would stay mapped and partly resident for the daemon's
// whole life to serve three calls; outside systemd, with neither NOTIFY_SOCKET nor LISTEN_FDS in
// the environment, there is nothing to ask it and it is not loaded at all.
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace gocker::server {

// sd_notify(3) with the given state ("READY=1", "STOPPING=1"); a no-op without NOTIFY_SOCKET.
// A failure is logged: the daemon serves on either way.
void notify_systemd(const std::string& state);

// sd_listen_fds(3): the single listening AF_UNIX stream socket systemd (or systemd-socket-activate)
// passed, or an invalid UniqueFd when none was passed. The LISTEN_* variables are unset so the
// monitors gockerd execs do not mistake them for their own.
Result<UniqueFd> listen_socket_from_systemd();

}  // namespace gocker::server
