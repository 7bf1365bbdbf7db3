#include "server/systemd_daemon.hpp"

#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include "base/shared_library.hpp"

namespace gocker::server {
namespace {

// The soname of Debian's libsystemd0, whose headers libsystemd-dev provides.
constexpr const char* kLibrary = "libsystemd.so.0";

bool has_environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0';
}

}  // namespace

void notify_systemd(const std::string& state) {
  if (!has_environment("NOTIFY_SOCKET")) return;
  auto library = SharedLibrary::open(kLibrary);
  decltype(&sd_notify) notify = nullptr;
  Status resolved = library ? library->resolve("sd_notify", notify) : Status(library.error());
  if (!resolved) {
    spdlog::warn("sd_notify {}: {}", state, resolved.error().message);
    return;
  }
  int result = notify(/*unset_environment=*/0, state.c_str());
  if (result < 0) spdlog::warn("sd_notify {}: {}", state, std::strerror(-result));
}

Result<UniqueFd> listen_socket_from_systemd() {
  // sd_listen_fds(3) answers 0 without LISTEN_FDS, whatever else is set.
  if (!has_environment("LISTEN_FDS")) return UniqueFd{};
  auto library = SharedLibrary::open(kLibrary);
  if (!library) return std::move(library).error().context("read the sockets systemd passed");
  decltype(&sd_listen_fds) listen_fds = nullptr;
  decltype(&sd_is_socket_unix) is_socket_unix = nullptr;
  GOCKER_TRY(library->resolve("sd_listen_fds", listen_fds));
  GOCKER_TRY(library->resolve("sd_is_socket_unix", is_socket_unix));

  int count = listen_fds(/*unset_environment=*/1);
  if (count < 0) return Error::from_errno(-count, "read the sockets systemd passed (sd_listen_fds)");
  if (count == 0) return UniqueFd{};
  if (count > 1) return Error::invalid("systemd passed " + std::to_string(count) + " sockets; gockerd serves exactly one");
  // sd_listen_fds has set FD_CLOEXEC on it, so containers' monitors do not inherit it.
  int fd = SD_LISTEN_FDS_START;
  int is_unix = is_socket_unix(fd, SOCK_STREAM, /*listening=*/1, nullptr, 0);
  if (is_unix < 0) return Error::from_errno(-is_unix, "check the socket systemd passed");
  if (is_unix == 0) return Error::invalid("the socket systemd passed is not a listening unix stream socket");
  return UniqueFd{fd};
}

}  // namespace gocker::server
