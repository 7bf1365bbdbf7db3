#include <doctest/doctest.h>

#include "engine/json_log.hpp"
#include "engine/signals.hpp"

using namespace gocker::engine;

TEST_CASE("json-file lines parse; torn lines are skipped") {
  auto entry = parse_log_line(R"({"log":"hello\n","stream":"stdout","time":"2026-11-23T10:00:00.000000001Z"})");
  REQUIRE(entry);
  CHECK(entry->text == "hello\n");
  CHECK(entry->stream == "stdout");
  CHECK(entry->time_nanos % 1'000'000'000 == 1);
  CHECK_FALSE(parse_log_line(R"({"log":"hel)"));
  CHECK_FALSE(parse_log_line("not json"));
}

TEST_CASE("complete lines are taken, a partial one waits") {
  std::string buffer = "one\ntwo\nthr";
  auto lines = take_complete_lines(buffer);
  CHECK(lines == std::vector<std::string>{"one", "two"});
  CHECK(buffer == "thr");
  buffer += "ee\n";
  CHECK(take_complete_lines(buffer) == std::vector<std::string>{"three"});
  CHECK(buffer.empty());
}

TEST_CASE("stream and time filters, and tail") {
  LogEntry out{"stdout", "a\n", "", 10};
  LogEntry err{"stderr", "b\n", "", 20};
  CHECK(log_entry_selected(out, {}));
  CHECK_FALSE(log_entry_selected(out, {false, true, 0, 0}));
  CHECK_FALSE(log_entry_selected(out, {true, true, 15, 0}));
  CHECK(log_entry_selected(err, {true, true, 15, 0}));
  CHECK_FALSE(log_entry_selected(err, {true, true, 0, 15}));
  std::vector<LogEntry> entries{out, err, out};
  keep_tail(entries, 2);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].stream == "stderr");
}

TEST_CASE("signals by name or number") {
  CHECK(parse_signal("KILL").value() == 9);
  CHECK(parse_signal("SIGTERM").value() == 15);
  CHECK(parse_signal("hup").value() == 1);
  CHECK(parse_signal("10").value() == 10);
  CHECK_FALSE(parse_signal("NOPE"));
  CHECK_FALSE(parse_signal("0"));
  CHECK_FALSE(parse_signal(""));
}
