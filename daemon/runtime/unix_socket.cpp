#include "runtime/unix_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "base/strings.hpp"
#include "runtime/file_util.hpp"

namespace gocker::runtime {
namespace {

Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return Error::invalid("socket path " + gocker::quoted(path) + ": longer than " +
                          std::to_string(sizeof(address.sun_path) - 1) + " bytes");
  }
  std::memcpy(address.sun_path, path.c_str(), path.size());
  return address;
}

}  // namespace

Result<UniqueFd> connect_unix(const std::string& path, int type) {
  auto address = unix_address(path);
  if (!address) return std::move(address).error();
  UniqueFd fd{::socket(AF_UNIX, type | SOCK_CLOEXEC, 0)};
  if (!fd) return Error::from_errno(errno, "create socket");
  if (retry_eintr([&] { return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&*address), sizeof *address); }) != 0) {
    return Error::from_errno(errno, "connect to " + gocker::quoted(path));
  }
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

}  // namespace gocker::runtime
