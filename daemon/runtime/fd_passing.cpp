#include "runtime/fd_passing.hpp"

#include <sys/socket.h>

#include <cstring>

#include "runtime/file_util.hpp"

namespace gocker::runtime {

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
