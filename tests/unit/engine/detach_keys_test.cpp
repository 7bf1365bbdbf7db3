#include <doctest/doctest.h>

#include "engine/detach_keys.hpp"

using namespace gocker::engine;

TEST_CASE("detach keys: docker's key names parse to bytes") {
  CHECK(parse_detach_keys("ctrl-p,ctrl-q").value() == std::string("\x10\x11"));
  CHECK(parse_detach_keys("ctrl-a,x").value() == std::string("\x01x"));
  CHECK(parse_detach_keys("ctrl-@").value() == std::string(1, '\0'));
  CHECK(parse_detach_keys("ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_").value() == std::string("\x1b\x1c\x1d\x1e\x1f"));
  CHECK(parse_detach_keys("X").value() == "X");
}

TEST_CASE("detach keys: invalid specs are InvalidArgument (400)") {
  for (const char* bad : {"", "ctrl-", "ctrl-1", "ctrl-P", "ctrl-p,", "ctrl-p,,ctrl-q", "shift-a", "ab"}) {
    auto parsed = parse_detach_keys(bad);
    CHECK_MESSAGE(!parsed, bad);
    if (!parsed) CHECK(parsed.error().kind == gocker::ErrorKind::InvalidArgument);
  }
}

TEST_CASE("detach scanner: the sequence detaches, even split across reads") {
  DetachKeyScanner scanner("\x10\x11");
  auto first = scanner.scan("ls\x10");
  CHECK(first.forward == "ls");
  CHECK_FALSE(first.detached);
  auto second = scanner.scan("\x11" "after");
  CHECK(second.forward.empty());
  CHECK(second.detached);
}

TEST_CASE("detach scanner: a partial sequence is forwarded once it stops matching") {
  DetachKeyScanner scanner("\x10\x11");
  auto held = scanner.scan("a\x10");
  CHECK(held.forward == "a");
  auto released = scanner.scan("b");
  CHECK(released.forward == std::string("\x10" "b"));
  CHECK_FALSE(released.detached);
  // ctrl-p ctrl-p ctrl-q: the first ctrl-p is passed on, the last two detach.
  auto repeated = scanner.scan("\x10\x10\x11");
  CHECK(repeated.forward == std::string("\x10"));
  CHECK(repeated.detached);
  // A held prefix comes out at the end of the input.
  scanner.scan("\x10");
  CHECK(scanner.flush() == std::string("\x10"));
}

TEST_CASE("detach scanner: single-key and three-key sequences") {
  DetachKeyScanner single("x");
  auto outcome = single.scan("abxcd");
  CHECK(outcome.forward == "ab");
  CHECK(outcome.detached);
  DetachKeyScanner triple(parse_detach_keys("ctrl-a,ctrl-b,ctrl-c").value());
  auto partial = triple.scan("\x01\x02z");
  CHECK(partial.forward == std::string("\x01\x02z"));
  CHECK(triple.scan("\x01\x02\x03").detached);
}
