#include "logging.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "runtime/file_util.hpp"

namespace gocker::runc {
namespace {

struct LogSink {
  int fd = 2;
  bool is_file = false;
  LogFormat format = LogFormat::kText;
  bool debug = false;
};

LogSink& sink() {
  static LogSink instance;
  return instance;
}

std::string now_utc() {
  std::time_t now = std::time(nullptr);
  std::tm parts{};
  ::gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

// logrus quotes a value when it holds anything but plain word characters.
std::string text_value(const std::string& value) {
  bool plain = !value.empty();
  for (char c : value) {
    bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                c == '_' || c == '/' || c == '@' || c == '^' || c == '+';
    if (!word) plain = false;
  }
  if (plain) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    if (c == '\n') {
      quoted += "\\n";
      continue;
    }
    quoted.push_back(c);
  }
  return quoted + "\"";
}

void write_record(const char* level, const std::string& message) {
  const LogSink& log = sink();
  std::string line;
  if (log.format == LogFormat::kJson) {
    nlohmann::json record = {{"level", level}, {"msg", message}, {"time", now_utc()}};
    line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else {
    line = "time=\"" + now_utc() + "\" level=" + level + " msg=" + text_value(message) + "\n";
  }
  (void)runtime::write_all(log.fd, line, "write log");
}

}  // namespace

bool configure_logging(const std::string& path, const std::string& format, bool debug) {
  LogSink& log = sink();
  log.debug = debug;
  if (format == "json") {
    log.format = LogFormat::kJson;
  } else if (format != "text") {
    (void)runtime::write_all(2, "unknown log-format \"" + format + "\"\n", "write log");
    return false;
  }
  if (!path.empty()) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      (void)runtime::write_all(2, "open log " + path + ": " + std::strerror(errno) + "\n", "write log");
      return false;
    }
    log.fd = fd;
    log.is_file = true;
  }
  return true;
}

void log_debug(const std::string& message) {
  if (sink().debug) write_record("debug", message);
}

void log_warning(const std::string& message) { write_record("warning", message); }

int fail(const std::string& message) {
  write_record("error", message);
  if (sink().is_file) (void)runtime::write_all(2, message + "\n", "write stderr");
  return kExitFailure;
}

}  // namespace gocker::runc
