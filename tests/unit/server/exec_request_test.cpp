#include <doctest/doctest.h>

#include "server/exec_request.hpp"

using namespace gocker;
using namespace gocker::server;

TEST_CASE("exec create request: Docker's fields, nulls as defaults") {
  auto request = parse_exec_create_request(
      R"({"AttachStdin":true,"AttachStdout":true,"AttachStderr":null,"DetachKeys":"","Tty":false,)"
      R"("Env":["A=1"],"Cmd":["sh","-c","exit 3"],"Privileged":null,"User":"1000:1000","WorkingDir":"/tmp"})");
  REQUIRE(request);
  CHECK(request->attach_stdin);
  CHECK(request->attach_stdout);
  CHECK_FALSE(request->attach_stderr);
  CHECK_FALSE(request->tty);
  CHECK(request->env == std::vector<std::string>{"A=1"});
  CHECK(request->cmd == std::vector<std::string>{"sh", "-c", "exit 3"});
  CHECK(request->user == "1000:1000");
  CHECK(request->working_dir == "/tmp");
}

TEST_CASE("exec create request: empty, malformed and mistyped bodies are 400s") {
  for (const char* body : {"", "  ", "{", "[1]", R"({"Cmd":"ls"})", R"({"Tty":"yes"})"}) {
    CAPTURE(body);
    auto request = parse_exec_create_request(body);
    REQUIRE_FALSE(request);
    CHECK(request.error().kind == ErrorKind::InvalidArgument);
  }
}

TEST_CASE("exec start request: Detach and Tty; an empty body is the default") {
  auto request = parse_exec_start_request(R"({"Detach":true,"Tty":true})");
  REQUIRE(request);
  CHECK(request->detach);
  CHECK(request->tty);
  auto empty = parse_exec_start_request("");
  REQUIRE(empty);
  CHECK_FALSE(empty->detach);
  CHECK_FALSE(empty->tty);
  auto nulls = parse_exec_start_request(R"({"Detach":null,"Tty":null,"ConsoleSize":null})");
  REQUIRE(nulls);
  CHECK_FALSE(nulls->detach);
  CHECK_FALSE(parse_exec_start_request(R"({"Detach":"no"})"));
}
