#pragma once
// Whether the client of a streaming response (events, stats) has gone, after a wait for its side
// to become readable completed. Asio completes such a wait on any readiness edge epoll reported for
// the socket, including one that predates the wait (the request's own bytes, already read by the
// session), so a completed wait alone is no proof: under load a live `docker events` stream ended
// after its replay, with "unexpected EOF" at the client. A non-blocking peek tells: EOF, data
// (the client spoke out of turn) or an error end the stream; "nothing yet" means wait on.
#include <sys/socket.h>

#include <cerrno>

namespace gocker::server {

inline bool client_hung_up(int socket_fd) {
  char byte = 0;
  const ssize_t peeked = ::recv(socket_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return !(peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
}

}  // namespace gocker::server
