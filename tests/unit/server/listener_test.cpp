#include "server/listener.hpp"
#include "server/systemd_daemon.hpp"
#include "tests/unit/temp_dir.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

using gocker::ErrorKind;
using namespace gocker::server;

namespace {

}  // namespace

TEST_CASE("socket_path_from_host accepts unix:// and plain paths only") {
  CHECK(*socket_path_from_host("unix:///run/gocker/gocker.sock") == "/run/gocker/gocker.sock");
  CHECK(*socket_path_from_host("/tmp/g.sock") == "/tmp/g.sock");
  for (const char* host : {"tcp://127.0.0.1:2375", "fd://", "unix://relative.sock", "relative.sock", ""}) {
    auto path = socket_path_from_host(host);
    REQUIRE_MESSAGE(!path, host);
    CHECK(path.error().kind == ErrorKind::InvalidArgument);
  }
}

TEST_CASE("open_listen_socket binds 0660, refuses a live socket and replaces a stale one") {
  gocker::testing::TempDir directory{"listener"};
  std::string path = directory.path() + "/run/gocker.sock";  // the parent is created

  auto first = open_listen_socket(path);
  REQUIRE_MESSAGE(first, (first ? "" : first.error().message));
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK(S_ISSOCK(info.st_mode));
  CHECK((info.st_mode & 07777) == 0660);

  // A daemon is listening on it: refuse, and leave its socket alone.
  auto second = open_listen_socket(path);
  REQUIRE(!second);
  CHECK(second.error().kind == ErrorKind::Conflict);
  CHECK(second.error().message == "listen on " + path + ": another gockerd is already listening");
  CHECK(::stat(path.c_str(), &info) == 0);

  // The daemon died (its socket file remains, nobody accepts): the file is replaced.
  first->reset();
  auto third = open_listen_socket(path);
  REQUIRE_MESSAGE(third, (third ? "" : third.error().message));
  // And the new socket really accepts connections.
  gocker::UniqueFd client{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
  CHECK(::connect(client.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
}

TEST_CASE("open_listen_socket never unlinks a file that is not a socket") {
  gocker::testing::TempDir directory{"listener"};
  std::string path = directory.path() + "/not-a-socket";
  std::ofstream(path) << "precious";
  auto result = open_listen_socket(path);
  REQUIRE(!result);
  CHECK(result.error().message == "listen on " + path + ": the path exists and is not a socket");
  CHECK(std::filesystem::file_size(path) == 8);
}

TEST_CASE("open_listen_socket rejects paths longer than sun_path") {
  auto result = open_listen_socket("/tmp/" + std::string(120, 'x'));
  REQUIRE(!result);
  CHECK(result.error().kind == ErrorKind::InvalidArgument);
}

TEST_CASE("without LISTEN_FDS there is no systemd socket") {
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_PID");
  auto socket = listen_socket_from_systemd();
  REQUIRE(socket);
  CHECK(!socket->valid());
}

TEST_CASE("LISTEN_FDS meant for another process (LISTEN_PID) passes no socket; libsystemd is still found and asked") {
  ::setenv("LISTEN_FDS", "1", 1);
  ::setenv("LISTEN_PID", std::to_string(::getpid() + 1).c_str(), 1);
  auto socket = listen_socket_from_systemd();
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_PID");
  REQUIRE_MESSAGE(socket, socket.error().message);
  CHECK(!socket->valid());
}

TEST_CASE("find_group: a name, a number taken as the gid, or nothing") {
  auto root = find_group("root");
  REQUIRE(root);
  REQUIRE(root->has_value());
  CHECK(**root == 0);
  auto number = find_group("54321");
  REQUIRE(number);
  CHECK(*number == std::optional<gid_t>{54321});
  auto missing = find_group("gocker-no-such-group");
  REQUIRE(missing);
  CHECK(!missing->has_value());
  CHECK(!find_group(""));
}

TEST_CASE("open_listen_socket gives the socket to the group it is asked for") {
  gocker::testing::TempDir directory{"listener"};
  std::string path = directory.path() + "/gocker.sock";
  // Our own group: a chown any owner may make, so this runs without root.
  auto socket = open_listen_socket(path, ::getegid());
  REQUIRE_MESSAGE(socket, (socket ? "" : socket.error().message));
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK(info.st_gid == ::getegid());
  CHECK((info.st_mode & 07777) == 0660);
}
