#pragma once
// Sending an fd over a unix socket (SCM_RIGHTS): the sync protocol's messages and the pty master
// handed to a --console-socket both ride on this.
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>

namespace gocker::runtime {

// sendmsg of `parts` with `fd` attached (none when fd < 0). MSG_NOSIGNAL (a peer that died gives
// EPIPE, it does not kill the sender); EINTR is retried. -1 with errno on failure, as sendmsg.
ssize_t send_with_fd(int socket, const struct iovec* parts, size_t count, int fd);

}  // namespace gocker::runtime
