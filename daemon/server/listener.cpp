#include "server/listener.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <vector>

#include "base/scope_guard.hpp"
#include "base/strings.hpp"

namespace gocker::server {

namespace {

Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // sun_path holds 108 bytes including the terminating NUL.
  if (path.size() >= sizeof(address.sun_path))
    return Error::invalid("socket path is longer than " + std::to_string(sizeof(address.sun_path) - 1) + " bytes");
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

Status make_directories(const std::string& path, mode_t mode) {
  if (path.empty() || path == "/") return ok();
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if (!S_ISDIR(info.st_mode)) return Error::conflict("create directory " + gocker::quoted(path) + ": exists and is not a directory");
    return ok();
  }
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) GOCKER_TRY(make_directories(path.substr(0, slash), mode));
  if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) return Error::from_errno(errno, "create directory " + gocker::quoted(path));
  return ok();
}

// Whether a daemon accepts connections on the socket at `path`. Non-blocking, so a wedged daemon
// with a full backlog (EAGAIN) counts as alive instead of hanging this start.
Result<bool> is_socket_alive(const sockaddr_un& address, const std::string& path) {
  UniqueFd probe{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  if (!probe) return Error::from_errno(errno, "create socket");
  int result;
  do {
    result = ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  } while (result < 0 && errno == EINTR);
  if (result == 0 || errno == EAGAIN || errno == EINPROGRESS) return true;
  if (errno == ECONNREFUSED || errno == ENOENT) return false;
  return Error::from_errno(errno, "connect to " + gocker::quoted(path));
}

}  // namespace

Result<std::optional<gid_t>> find_group(const std::string& name) {
  if (name.empty()) return Error::invalid("the socket group name is empty");
  std::vector<char> buffer(1024);
  for (;;) {
    struct group entry {};
    struct group* found = nullptr;
    int error = ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (error == ERANGE && buffer.size() < (1u << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (found != nullptr) return std::optional<gid_t>{found->gr_gid};
    // getgrnam_r(3): "not found" is 0 with a null result, or one of these from some NSS modules.
    if (error != 0 && error != ENOENT && error != ESRCH && error != EBADF && error != EPERM)
      return Error::from_errno(error, "look up group " + gocker::quoted(name));
    break;
  }
  // As dockerd: a name that is no group but a number is the gid itself.
  gid_t gid = 0;
  auto [end, parse_error] = std::from_chars(name.data(), name.data() + name.size(), gid);
  if (parse_error == std::errc{} && end == name.data() + name.size()) return std::optional<gid_t>{gid};
  return std::optional<gid_t>{};
}

Result<std::string> socket_path_from_host(std::string_view host) {
  constexpr std::string_view kUnixScheme = "unix://";
  std::string_view path = host;
  if (starts_with(host, kUnixScheme)) {
    path.remove_prefix(kUnixScheme.size());
  } else if (host.find("://") != std::string_view::npos) {
    return Error::invalid("host " + gocker::quoted(host) + ": only unix:// sockets are supported");
  }
  if (path.empty() || path.front() != '/') return Error::invalid("host " + gocker::quoted(host) + ": the socket path must be absolute");
  return std::string(path);
}

Result<UniqueFd> open_listen_socket(const std::string& path, std::optional<gid_t> group) {
  const std::string what = "listen on " + path;
  auto address = unix_address(path);
  if (!address) return std::move(address).error().context(what);
  size_t slash = path.find_last_of('/');
  // 0755: the directory only has to be traversable; the socket's own mode guards access.
  if (Status made = make_directories(path.substr(0, slash), 0755); !made) return std::move(made).error().context(what);

  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0) {
    // Never unlink something that is not a socket: the path may have been mistyped.
    if (!S_ISSOCK(info.st_mode)) return Error::conflict(what + ": the path exists and is not a socket");
    auto alive = is_socket_alive(*address, path);
    if (!alive) return std::move(alive).error().context(what);
    if (*alive) return Error::conflict(what + ": another gockerd is already listening");
    if (::unlink(path.c_str()) < 0 && errno != ENOENT)
      return Error::from_errno(errno, what + ": remove the stale socket");
  } else if (errno != ENOENT) {
    return Error::from_errno(errno, what + ": stat");
  }

  UniqueFd socket{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!socket) return Error::from_errno(errno, what + ": create socket");
  // bind(2) creates the file with 0777 & ~umask. Narrowing the umask for the call means the socket
  // is never reachable by others, even for the moment before the chmod below. This runs before
  // any thread is started, so the process-wide umask change races with nothing.
  mode_t previous_umask = ::umask(0117);
  int bound = ::bind(socket.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof(*address));
  int bind_errno = errno;
  ::umask(previous_umask);
  if (bound < 0) return Error::from_errno(bind_errno, what + ": bind");
  ScopeGuard remove_socket_file([&path] { ::unlink(path.c_str()); });
  // Still 0660 root:root here, so nobody outside the group is let in between the two calls.
  if (group && ::chown(path.c_str(), static_cast<uid_t>(-1), *group) < 0)
    return Error::from_errno(errno, what + ": chown to group " + std::to_string(*group));
  if (::chmod(path.c_str(), 0660) < 0) return Error::from_errno(errno, what + ": chmod 0660");
  if (::listen(socket.get(), SOMAXCONN) < 0) return Error::from_errno(errno, what + ": listen");
  remove_socket_file.dismiss();
  return socket;
}

}  // namespace gocker::server
