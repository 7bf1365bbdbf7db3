#pragma once
// Where the daemon listens: -H/--host, else $GOCKER_HOST, else the default socket. Only unix://
// addresses exist for gocker (the daemon serves a unix socket only).
#include <optional>
#include <string>
#include <string_view>

#include "outcome.hpp"

namespace gocker::client {

inline constexpr const char* kDefaultHost = "unix:///run/gocker/gocker.sock";

struct DaemonAddress {
  std::string url;          // as the user gave it, for messages: "unix:///run/gocker/gocker.sock"
  std::string socket_path;  // "/run/gocker/gocker.sock"
};

// The flag wins over the environment, which wins over the default; an empty value counts as unset.
std::string choose_host(const std::string& flag_value, const char* environment_value);

Outcome<DaemonAddress> parse_daemon_host(std::string_view host);

}  // namespace gocker::client
