#include "messages.hpp"

#include <cerrno>

#include <doctest/doctest.h>

#include "host.hpp"
#include "url.hpp"

using namespace gocker::client;

TEST_CASE("daemon errors read as docker prints them") {
  CHECK(daemon_error_line(404, R"({"message":"No such container: web"})") ==
        "Error response from daemon: No such container: web");
  CHECK(daemon_error_line(500, "plain text failure\n") == "Error response from daemon: plain text failure");
  CHECK(daemon_error_line(502, "") == "Error response from daemon: HTTP status 502");
  CHECK(daemon_error_line(400, R"({"other":1})") == R"(Error response from daemon: {"other":1})");
}

TEST_CASE("the no-daemon line says whether the socket exists") {
  CHECK(cannot_connect_line("unix:///run/gocker/gocker.sock", SocketPresence::Missing, ENOENT) ==
        "Cannot connect to the gocker daemon at unix:///run/gocker/gocker.sock: socket does not exist. "
        "Is gockerd running?");
  CHECK(cannot_connect_line("unix:///x.sock", SocketPresence::Socket, ECONNREFUSED) ==
        "Cannot connect to the gocker daemon at unix:///x.sock: connection refused (the socket exists but nothing "
        "is listening). Is gockerd running?");
  CHECK(cannot_connect_line("unix:///x.sock", SocketPresence::Socket, EACCES) ==
        "Cannot connect to the gocker daemon at unix:///x.sock: permission denied. Is gockerd running?");
  CHECK(cannot_connect_line("unix:///tmp", SocketPresence::NotASocket, ECONNREFUSED) ==
        "Cannot connect to the gocker daemon at unix:///tmp: the path exists but is not a socket. Is gockerd running?");
}

TEST_CASE("start failures map to docker's exit codes") {
  CHECK(start_failure_exit_code("Error response from daemon: exec: \"nope\": executable file not found in $PATH") == 127);
  CHECK(start_failure_exit_code("Error response from daemon: open /x: no such file or directory") == 127);
  CHECK(start_failure_exit_code("Error response from daemon: exec /etc/passwd: permission denied") == 126);
  CHECK(start_failure_exit_code("Error response from daemon: exec /etc: is a directory") == 126);
  CHECK(start_failure_exit_code("Error response from daemon: cgroup: invalid argument") == 125);
}

TEST_CASE("usage errors exit 125 whatever the command") {
  CHECK(exit_code_for(Failure::usage("bad flag"), kExitCommandFailure) == 125);
  CHECK(exit_code_for(Failure{FailureKind::CannotConnect, 0, "x"}, kExitCommandFailure) == 1);
  CHECK(exit_code_for(Failure{FailureKind::Daemon, 500, "x"}, kExitCliFailure) == 125);
}

TEST_CASE("the host comes from the flag, then GOCKER_HOST, then the default") {
  CHECK(choose_host("unix:///flag.sock", "unix:///env.sock") == "unix:///flag.sock");
  CHECK(choose_host("", "unix:///env.sock") == "unix:///env.sock");
  CHECK(choose_host("", "") == kDefaultHost);
  CHECK(choose_host("", nullptr) == kDefaultHost);
  auto parsed = parse_daemon_host("unix:///run/gocker/gocker.sock");
  REQUIRE(parsed.has_value());
  CHECK(parsed->socket_path == "/run/gocker/gocker.sock");
  CHECK(parsed->url == "unix:///run/gocker/gocker.sock");
  CHECK(parse_daemon_host("tcp://127.0.0.1:2375").error().kind == FailureKind::Usage);
  CHECK_FALSE(parse_daemon_host("unix://relative.sock").has_value());
}

TEST_CASE("request targets escape references and drop empty parameters") {
  CHECK(api_target("/containers/json") == "/v1.41/containers/json");
  CHECK(api_target("/containers/create", {{"name", ""}}) == "/v1.41/containers/create");
  CHECK(api_target("/containers/create", {{"name", "web"}}) == "/v1.41/containers/create?name=web");
  CHECK(api_target(container_path("a/b?c", "/start")) == "/v1.41/containers/a%2Fb%3Fc/start");
  CHECK(api_target(container_path("x", "/logs"), {{"stdout", "1"}, {"follow", ""}, {"tail", "all"}}) ==
        "/v1.41/containers/x/logs?stdout=1&tail=all");
}
