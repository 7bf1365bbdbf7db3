#pragma once
// runc's logging, which engines parse: records go to --log (default stderr) as logrus text lines
//   time="2026-12-03T15:04:05Z" level=error msg="container does not exist"
// or, with --log-format json, one JSON object per line
//   {"level":"error","msg":"container does not exist","time":"2026-12-03T15:04:05Z"}
// An error also goes to stderr as a bare line when the log is a file (as runc's fatal does), so a
// user at a terminal sees it either way. Every failing command exits 1.
#include <string>

namespace gocker::runc {

inline constexpr int kExitFailure = 1;

enum class LogFormat { kText, kJson };

// Configured once from the global flags; without a call, text records go to stderr.
bool configure_logging(const std::string& path, const std::string& format, bool debug);
void log_debug(const std::string& message);
void log_warning(const std::string& message);
// Logs `message` as an error (and on stderr if the log is a file); returns kExitFailure.
int fail(const std::string& message);

}  // namespace gocker::runc
