#include "messages.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

namespace gocker::client {

namespace {

std::string_view trim(std::string_view text) {
  const char* space = " \t\r\n";
  size_t begin = text.find_first_not_of(space);
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(space);
  return text.substr(begin, end - begin + 1);
}

}  // namespace

std::string daemon_error_line(unsigned http_status, std::string_view body) {
  std::string message;
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    auto it = parsed.find("message");
    if (it != parsed.end() && it->is_string()) message = it->get<std::string>();
  }
  if (message.empty()) message = std::string(trim(body));
  if (message.empty()) message = "HTTP status " + std::to_string(http_status);
  return "Error response from daemon: " + message;
}

std::string cannot_connect_line(std::string_view host, SocketPresence presence, int err) {
  std::string reason;
  if (presence == SocketPresence::Missing) {
    reason = "socket does not exist";
  } else if (presence == SocketPresence::NotASocket) {
    reason = "the path exists but is not a socket";
  } else if (err == ECONNREFUSED) {
    reason = "connection refused (the socket exists but nothing is listening)";
  } else {
    reason = std::strerror(err);
    // strerror capitalizes ("Permission denied"); the rest of the line is lower case.
    if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
  }
  return "Cannot connect to the gocker daemon at " + std::string(host) + ": " + reason + ". Is gockerd running?";
}

int start_failure_exit_code(std::string_view message) {
  auto contains = [message](std::string_view needle) { return message.find(needle) != std::string_view::npos; };
  if (contains("executable file not found") || contains("no such file or directory")) return 127;
  if (contains("permission denied") || contains("is a directory")) return 126;
  return kExitCliFailure;
}

int exit_code_for(const Failure& failure, int command_failure_code) {
  return failure.kind == FailureKind::Usage ? kExitCliFailure : command_failure_code;
}

}  // namespace gocker::client
