#pragma once
// Docker's json-file log format, so `logs` and tools that read Docker's files understand ours:
// one JSON object per line,
//   {"log":"hello\n","stream":"stdout","time":"2024-05-01T12:00:00.123456789Z"}
// Output is split at newlines (the newline stays in "log"); a line longer than kMaxPartialLine is
// written in pieces without a newline, and so is an unterminated last line when the stream ends.
// Strings are escaped as Docker's writer does: <, > and & as \u003c.., invalid UTF-8 as \ufffd.
#include <string>
#include <string_view>

namespace gocker::runtime {

inline constexpr size_t kMaxPartialLine = 16 * 1024;

// Appends `text` as a JSON string literal (with quotes) to `out`.
void append_json_string(std::string& out, std::string_view text);
// One log line including its trailing '\n'.
std::string encode_log_line(std::string_view log, std::string_view stream, std::string_view time);

// Splits one stream's output into log lines.
class JsonLogSplitter {
 public:
  explicit JsonLogSplitter(std::string stream) : stream_(std::move(stream)) {}
  // Appends the encoded lines completed by `data` to `out`.
  void feed(std::string_view data, std::string_view time, std::string& out);
  // The stream ended: flushes a pending partial line.
  void finish(std::string_view time, std::string& out);

 private:
  void emit(std::string_view line, std::string_view time, std::string& out);

  std::string stream_;
  std::string partial_;
};

}  // namespace gocker::runtime
