#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/event_history.hpp"

using gocker::engine::EventHistory;

namespace {

std::vector<std::string> texts(const EventHistory& history) {
  std::vector<std::string> all;
  history.for_each([&](std::string_view text) { all.emplace_back(text); });
  return all;
}

}  // namespace

TEST_CASE("event history: keeps the most recent texts, bounded by count") {
  EventHistory history(3, 1024);
  for (const char* text : {"one", "two", "three", "four", "five"}) CHECK(history.push(text));
  CHECK(history.size() == 3);
  CHECK(texts(history) == std::vector<std::string>{"three", "four", "five"});
}

TEST_CASE("event history: bounded by bytes; a text that does not fit before the end starts over at the beginning") {
  EventHistory history(100, 10);
  CHECK(history.push("aaaa"));  // [0,4)
  CHECK(history.push("bbbb"));  // [4,8)
  CHECK(texts(history) == std::vector<std::string>{"aaaa", "bbbb"});
  // 8 + 4 > 10: starts over at 0, where it overwrites "aaaa"; "bbbb" at [4,8) stays.
  CHECK(history.push("cccc"));
  CHECK(texts(history) == std::vector<std::string>{"bbbb", "cccc"});
  // [4,9) overlaps "bbbb" only.
  CHECK(history.push("ddddd"));
  CHECK(texts(history) == std::vector<std::string>{"cccc", "ddddd"});
  // 9 + 2 > 10: starts over; [0,2) overlaps "cccc"; "ddddd" is after it and stays.
  CHECK(history.push("ee"));
  CHECK(texts(history) == std::vector<std::string>{"ddddd", "ee"});
  CHECK(history.push("ff"));  // [2,4)
  CHECK(history.push("gg"));  // [4,6) overlaps "ddddd" at [4,9)
  CHECK(texts(history) == std::vector<std::string>{"ee", "ff", "gg"});
}

TEST_CASE("event history: a text of the whole size replaces everything; a larger one is refused and changes nothing") {
  EventHistory history(100, 8);
  CHECK(history.push("abc"));
  CHECK(history.push("defg"));
  CHECK_FALSE(history.push("123456789"));
  CHECK(texts(history) == std::vector<std::string>{"abc", "defg"});
  CHECK(history.push("12345678"));
  CHECK(texts(history) == std::vector<std::string>{"12345678"});
  CHECK(history.push("xy"));
  CHECK(texts(history) == std::vector<std::string>{"xy"});
}

TEST_CASE("event history: many laps of mixed sizes keep the newest texts intact and in order") {
  EventHistory history(7, 100);
  std::vector<std::string> pushed;
  for (int i = 0; i < 500; ++i) {
    std::string text = std::to_string(i) + std::string(static_cast<size_t>(i * 7 % 23), 'x');
    REQUIRE(history.push(text));
    pushed.push_back(text);
    const auto kept = texts(history);
    REQUIRE(!kept.empty());
    REQUIRE(kept.size() <= 7);
    size_t bytes = 0;
    for (const auto& t : kept) bytes += t.size();
    REQUIRE(bytes <= 100);
    // The kept texts are exactly the last kept.size() pushed ones.
    REQUIRE(std::equal(kept.begin(), kept.end(), pushed.end() - static_cast<long>(kept.size())));
  }
}
