#pragma once
// The daemon's own listening unix socket (the one systemd may pass instead: systemd_daemon.hpp).
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace gocker::server {

// "unix:///run/gocker/gocker.sock" or a plain path -> the socket path. Other schemes (tcp://,
// fd://) are InvalidArgument: gockerd serves a unix socket only.
Result<std::string> socket_path_from_host(std::string_view host);

// The group allowed to use the API socket (dockerd's -G/--group): a group name, or a number taken
// as the gid itself. nullopt when no group has that name.
Result<std::optional<gid_t>> find_group(const std::string& name);

// Binds and listens on `path`, mode 0660, owned by `group` when given (else by the daemon's own
// group), creating the parent directory. An existing socket is probed with connect(2) first: if
// something accepts, a daemon is alive there and this fails with Conflict ("listen on <path>:
// another gockerd is already listening"); if the connection is refused, the socket is a stale
// leftover of a daemon that died, and is replaced.
Result<UniqueFd> open_listen_socket(const std::string& path, std::optional<gid_t> group = std::nullopt);

}  // namespace gocker::server
