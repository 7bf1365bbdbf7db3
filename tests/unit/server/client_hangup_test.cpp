#include "server/client_hangup.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

using gocker::server::client_hung_up;

TEST_CASE("client_hung_up: a quiet client is still there; one that closes or speaks out of turn is gone") {
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
  CHECK_FALSE(client_hung_up(pair[0]));  // a stale readiness edge: nothing to read, no EOF
  REQUIRE(::send(pair[1], "x", 1, MSG_NOSIGNAL) == 1);
  CHECK(client_hung_up(pair[0]));
  CHECK(client_hung_up(pair[0]));  // peeked, not consumed
  ::close(pair[1]);
  CHECK(client_hung_up(pair[0]));

  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
  ::shutdown(pair[1], SHUT_WR);
  CHECK(client_hung_up(pair[0]));  // EOF
  ::close(pair[0]);
  ::close(pair[1]);
}
