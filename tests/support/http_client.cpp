#include "http_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <sstream>

namespace gocker::test {

using namespace detail;

std::optional<std::string> HttpResponse::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return value;
  }
  return std::nullopt;
}

std::string HttpResponse::describe() const {
  std::ostringstream text;
  text << "HTTP " << status;
  if (!error.empty()) text << " (error: " << error << ")";
  text << " body: " << tail_of(body, 4000);
  return text.str();
}

namespace {

bool decode_chunked(const std::string& raw, std::string& body) {
  size_t position = 0;
  for (;;) {
    size_t line_end = raw.find("\r\n", position);
    if (line_end == std::string::npos) return false;
    const size_t size = std::stoul(raw.substr(position, line_end - position), nullptr, 16);
    position = line_end + 2;
    if (size == 0) return true;
    if (position + size > raw.size()) return false;
    body.append(raw, position, size);
    position += size + 2;
  }
}

// True when `raw` holds a whole response (so we need not wait for the server to close).
bool parse_response(const std::string& raw, HttpResponse& response, bool at_eof) {
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  std::istringstream head(raw.substr(0, head_end));
  std::string status_line;
  std::getline(head, status_line);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return false;
  response.status = std::stoi(status_line.substr(9, 3));
  response.headers.clear();
  std::string line;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    response.headers.emplace_back(line.substr(0, colon), trim(line.substr(colon + 1)));
  }
  const std::string rest = raw.substr(head_end + 4);
  auto encoding = response.header("Transfer-Encoding");
  if (encoding && contains(*encoding, "chunked")) {
    response.body.clear();
    return decode_chunked(rest, response.body) || at_eof;
  }
  if (auto length = response.header("Content-Length")) {
    const size_t expected = std::stoul(*length);
    response.body = rest.substr(0, expected);
    return rest.size() >= expected;
  }
  if (response.status == 204 || response.status == 304) {
    response.body.clear();
    return true;
  }
  response.body = rest;
  return at_eof;
}

}  // namespace

HttpResponse http_request(const std::string& socket_path, const std::string& method, const std::string& target,
                          const std::string& body, const std::string& content_type, std::chrono::milliseconds timeout) {
  HttpResponse response;
  const auto deadline = Clock::now() + timeout;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof address.sun_path) {
    response.error = "socket path too long: " + socket_path;
    ::close(fd);
    return response;
  }
  std::strcpy(address.sun_path, socket_path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    response.error = "connect " + socket_path + ": " + errno_text(errno);
    ::close(fd);
    return response;
  }
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: gocker\r\nUser-Agent: gocker-test\r\nConnection: close\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    request += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      response.error = "send: " + errno_text(errno);
      ::close(fd);
      return response;
    }
    sent += static_cast<size_t>(n);
  }
  set_nonblocking(fd);
  std::string raw;
  bool at_eof = false;
  bool complete = false;
  while (!complete) {
    struct pollfd entry {fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      response.error = "timed out after " + std::to_string(timeout.count()) + " ms";
      break;
    }
    at_eof = !read_available(fd, raw);
    complete = parse_response(raw, response, at_eof) || at_eof;
  }
  ::close(fd);
  if (!complete && response.error.empty()) response.error = "incomplete response";
  if (response.status == 0 && response.error.empty()) response.error = "no HTTP response: " + tail_of(raw, 200);
  return response;
}

}  // namespace gocker::test
