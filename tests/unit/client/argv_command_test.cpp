#include "argv_command.hpp"

#include <vector>

#include <doctest/doctest.h>

using namespace gocker::client;

namespace {

std::string_view word_of(std::vector<const char*> arguments) {
  arguments.insert(arguments.begin(), "gockerctl");
  return command_word(static_cast<int>(arguments.size()), arguments.data());
}

}  // namespace

TEST_CASE("the command word comes after the global flags") {
  CHECK(word_of({"run", "--rm", "busybox"}) == "run");
  CHECK(word_of({"-H", "unix:///x.sock", "ps", "-a"}) == "ps");
  CHECK(word_of({"--host", "ps", "images"}) == "images");  // the host's value is never the command
  CHECK(word_of({"--host=unix:///x.sock", "logs", "web"}) == "logs");
  CHECK(word_of({"-Hunix:///x.sock", "volume", "ls"}) == "volume");
  CHECK(word_of({"--", "version"}) == "version");
}

TEST_CASE("no command word when only flags are given") {
  CHECK(word_of({}).empty());
  CHECK(word_of({"--help"}).empty());
  CHECK(word_of({"-v"}).empty());
  CHECK(word_of({"-H"}).empty());
  CHECK(word_of({"--"}).empty());
}

TEST_CASE("a word list names whole words only") {
  CHECK(names_word("run create start", "run"));
  CHECK(names_word("run create start", "start"));
  CHECK_FALSE(names_word("run create start", "star"));
  CHECK_FALSE(names_word("run create start", "create start"));
  CHECK_FALSE(names_word("run create start", ""));
  CHECK_FALSE(names_word("", "run"));
}
