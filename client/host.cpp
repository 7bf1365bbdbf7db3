#include "host.hpp"

namespace gocker::client {

std::string choose_host(const std::string& flag_value, const char* environment_value) {
  if (!flag_value.empty()) return flag_value;
  if (environment_value != nullptr && *environment_value != '\0') return environment_value;
  return kDefaultHost;
}

Outcome<DaemonAddress> parse_daemon_host(std::string_view host) {
  constexpr std::string_view kUnixScheme = "unix://";
  if (host.substr(0, kUnixScheme.size()) != kUnixScheme) {
    return Failure::usage("invalid host \"" + std::string(host) + "\": gocker listens on unix sockets only (unix:///path)");
  }
  std::string path(host.substr(kUnixScheme.size()));
  if (path.empty() || path.front() != '/') {
    return Failure::usage("invalid host \"" + std::string(host) + "\": the socket path must be absolute");
  }
  return DaemonAddress{std::string(host), std::move(path)};
}

}  // namespace gocker::client
