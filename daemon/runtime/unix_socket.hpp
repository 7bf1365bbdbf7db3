#pragma once
// Unix sockets between gocker's own processes and their callers: connecting to one by path, and
// sending an fd over one (SCM_RIGHTS), which the sync protocol's messages and the pty master
// handed to a --console-socket both ride on.
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace gocker::runtime {

// A socket of `type` (SOCK_STREAM, SOCK_SEQPACKET) connected to `path`. A path too long for
// sockaddr_un (108 bytes; engines keep state under long roots, e.g. dockerd's
// <exec-root>/runtime-runc/moby/<64 hex id>/) is reached through its directory's fd:
// "/proc/self/fd/N/name".
Result<UniqueFd> connect_unix(const std::string& path, int type);

// A listening socket of `type` (flags such as SOCK_NONBLOCK included) bound to `path`, mode 0600;
// a stale socket there is replaced. Long paths as for connect_unix.
Result<UniqueFd> listen_unix(const std::string& path, int type, int backlog);

// sendmsg of `parts` with `fd` attached (none when fd < 0). MSG_NOSIGNAL (a peer that died gives
// EPIPE, it does not kill the sender); EINTR is retried. -1 with errno on failure, as sendmsg.
ssize_t send_with_fd(int socket, const struct iovec* parts, size_t count, int fd);

// recvmsg of one message and the first fd it carries (SCM_RIGHTS, born CLOEXEC): how a runtime
// hands a terminal's master to a --console-socket. InvalidArgument when it carried none.
Result<UniqueFd> receive_fd(int socket);

}  // namespace gocker::runtime
