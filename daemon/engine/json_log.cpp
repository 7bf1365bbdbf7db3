#include "engine/json_log.hpp"

#include <nlohmann/json.hpp>

#include "engine/time_format.hpp"

namespace gocker::engine {

std::optional<LogEntry> parse_log_line(std::string_view line) {
  auto parsed = nlohmann::json::parse(line, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  auto log = parsed.find("log");
  auto stream = parsed.find("stream");
  auto time = parsed.find("time");
  if (log == parsed.end() || !log->is_string() || stream == parsed.end() || !stream->is_string()) return std::nullopt;
  LogEntry entry;
  entry.text = log->get<std::string>();
  entry.stream = stream->get<std::string>();
  if (time != parsed.end() && time->is_string()) {
    entry.time = time->get<std::string>();
    entry.time_nanos = parse_rfc3339_nanos(entry.time).value_or(0);
  }
  return entry;
}

bool log_entry_selected(const LogEntry& entry, const LogFilter& filter) {
  if (entry.stream == "stdout" && !filter.stdout) return false;
  if (entry.stream == "stderr" && !filter.stderr) return false;
  if (filter.since_nanos && entry.time_nanos < filter.since_nanos) return false;
  if (filter.until_nanos && entry.time_nanos > filter.until_nanos) return false;
  return true;
}

std::vector<std::string> take_complete_lines(std::string& buffer) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (true) {
    size_t end = buffer.find('\n', start);
    if (end == std::string::npos) break;
    lines.emplace_back(buffer, start, end - start);
    start = end + 1;
  }
  buffer.erase(0, start);
  return lines;
}

void keep_tail(std::vector<LogEntry>& entries, size_t count) {
  if (entries.size() > count) entries.erase(entries.begin(), entries.end() - static_cast<std::ptrdiff_t>(count));
}

}  // namespace gocker::engine
