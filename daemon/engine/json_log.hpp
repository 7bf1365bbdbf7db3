#pragma once
// Reading the json-file log the monitor writes (Docker's format, one object per line:
// {"log":"text\n","stream":"stdout","time":"RFC3339Nano"}) for GET /containers/{id}/logs.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gocker::engine {

struct LogEntry {
  std::string stream;  // "stdout" | "stderr"
  std::string text;
  std::string time;    // as recorded
  int64_t time_nanos = 0;
};

// nullopt for a line that is not a complete log object (e.g. a torn last line).
std::optional<LogEntry> parse_log_line(std::string_view line);

struct LogFilter {
  bool stdout = true;
  bool stderr = true;
  int64_t since_nanos = 0;  // 0: no bound
  int64_t until_nanos = 0;  // 0: no bound
};
bool log_entry_selected(const LogEntry& entry, const LogFilter& filter);

// Splits complete lines off `buffer` (keeping a trailing partial line in it).
std::vector<std::string> take_complete_lines(std::string& buffer);

// Keeps only the last `count` entries.
void keep_tail(std::vector<LogEntry>& entries, size_t count);

}  // namespace gocker::engine
