#include "runtime/unix_socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>

#include "base/strings.hpp"
#include "runtime/file_util.hpp"

namespace gocker::runtime {
namespace {

// sockaddr_un holds 107 bytes of path. A longer one goes through an O_PATH fd of its directory,
// which `directory` keeps open while the address is used.
struct UnixAddress {
  sockaddr_un address{};
  UniqueFd directory;
};

Result<UnixAddress> unix_address(const std::string& path) {
  UnixAddress result;
  result.address.sun_family = AF_UNIX;
  std::string usable = path;
  if (usable.size() >= sizeof(result.address.sun_path)) {
    const size_t slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
      const std::string directory = path.substr(0, slash);
      result.directory.reset(::open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!result.directory) return Error::from_errno(errno, "open socket directory " + gocker::quoted(directory));
      usable = "/proc/self/fd/" + std::to_string(result.directory.get()) + path.substr(slash);
    }
  }
  if (usable.size() >= sizeof(result.address.sun_path)) {
    return Error::invalid("socket path " + gocker::quoted(path) + ": longer than " +
                          std::to_string(sizeof(result.address.sun_path) - 1) + " bytes");
  }
  std::memcpy(result.address.sun_path, usable.c_str(), usable.size());
  return result;
}

}  // namespace

Result<UniqueFd> connect_unix(const std::string& path, int type) {
  auto address = unix_address(path);
  if (!address) return std::move(address).error();
  UniqueFd fd{::socket(AF_UNIX, type | SOCK_CLOEXEC, 0)};
  if (!fd) return Error::from_errno(errno, "create socket");
  if (retry_eintr([&] {
        return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address->address), sizeof address->address);
      }) != 0) {
    return Error::from_errno(errno, "connect to " + gocker::quoted(path));
  }
  return fd;
}

Result<UniqueFd> listen_unix(const std::string& path, int type, int backlog) {
  auto address = unix_address(path);
  if (!address) return std::move(address).error();
  UniqueFd fd{::socket(AF_UNIX, type | SOCK_CLOEXEC, 0)};
  if (!fd) return Error::from_errno(errno, "create socket");
  ::unlink(path.c_str());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address->address), sizeof address->address) != 0) {
    return Error::from_errno(errno, "bind socket " + gocker::quoted(path));
  }
  ::chmod(path.c_str(), 0600);
  if (::listen(fd.get(), backlog) != 0) return Error::from_errno(errno, "listen on socket " + gocker::quoted(path));
  return fd;
}

ssize_t send_with_fd(int socket, const struct iovec* parts, size_t count, int fd) {
  struct msghdr message {};
  message.msg_iov = const_cast<struct iovec*>(parts);
  message.msg_iovlen = count;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (fd >= 0) {
    std::memset(control, 0, sizeof control);
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &fd, sizeof(int));
  }
  return retry_eintr([&] { return ::sendmsg(socket, &message, MSG_NOSIGNAL); });
}

Result<UniqueFd> receive_fd(int socket) {
  char payload[4096];
  struct iovec part {payload, sizeof payload};
  struct msghdr message {};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t received = retry_eintr([&] { return ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC); });
  if (received < 0) return Error::from_errno(errno, "receive fd");
  UniqueFd passed;
  for (struct cmsghdr* header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t index = 0; index < count; ++index) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(header) + index * sizeof(int), sizeof fd);
      // The first one is kept; any other (a confused peer) is closed.
      if (!passed) passed.reset(fd);
      else ::close(fd);
    }
  }
  if (!passed) return Error::invalid("receive fd: the message carried none");
  return passed;
}

}  // namespace gocker::runtime
