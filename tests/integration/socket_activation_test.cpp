// gockerd under socket activation without a systemd PID 1: systemd-socket-activate listens on the
// socket, execs gockerd (same pid) at the first connection and passes the listening socket as
// LISTEN_FDS=1; gockerd must serve that socket and still report READY=1 on NOTIFY_SOCKET.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/harness.hpp"

using namespace gocker::test;

namespace {

std::string socket_activate_binary() {
  for (const char* candidate : {"/usr/bin/systemd-socket-activate", "/lib/systemd/systemd-activate"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  skip_program("no systemd-socket-activate (Debian package systemd: scripts/install-deps.sh --test)");
}

}  // namespace

TEST_CASE("gockerd serves the socket systemd-socket-activate hands it") {
  DaemonOptions options;
  // -E passes our NOTIFY_SOCKET through; systemd-socket-activate sets LISTEN_FDS/LISTEN_PID itself.
  options.launcher = {socket_activate_binary(), "-l", "{socket}", "-E", "NOTIFY_SOCKET"};
  options.wait_for_ready = false;
  Daemon daemon(options);
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());

  // systemd-socket-activate logs this once it listens; then the first connection starts gockerd,
  // and the request waits in the socket's backlog meanwhile.
  REQUIRE(wait_for_file_content(daemon.log_path(), "Listening on " + daemon.socket_path(), 10s));
  struct stat before {};
  REQUIRE(::stat(daemon.socket_path().c_str(), &before) == 0);
  const auto ping = daemon.http("GET", "/_ping");
  INFO(ping.describe());
  CHECK(ping.status == 200);
  CHECK(ping.body == "OK");
  REQUIRE_MESSAGE(daemon.wait_ready(30s), daemon.start_error());
  CHECK(process_comm(daemon.pid()) == "gockerd");
  // gockerd serves the passed socket: it did not unlink and bind a new one at the same path.
  struct stat after {};
  REQUIRE(::stat(daemon.socket_path().c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);

  const auto hello = daemon.gockerctl({"run", "--rm", "busybox", "echo", "hello"});
  INFO(hello.describe());
  CHECK(hello.exit_code == 0);
  CHECK(hello.out == "hello\n");
  CHECK(daemon.stop() == 0);
}
