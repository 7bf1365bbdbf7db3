#pragma once
// A small HTTP/1.1 client over a unix socket, enough to send the daemon exactly the bytes a test
// wants (malformed JSON included) and see the status, headers and body it answers with.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"

namespace gocker::test {

// ---- HTTP over a unix socket -------------------------------------------------------------------

struct HttpResponse {
  int status = 0;  // 0: no response (connect failed, timeout, unparsable); see error
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // de-chunked
  std::string error;
  std::optional<std::string> header(const std::string& name) const;  // case-insensitive
  std::string describe() const;
};

// One request on a new connection (Connection: close), read to EOF or the deadline.
HttpResponse http_request(const std::string& socket_path, const std::string& method, const std::string& target,
                          const std::string& body = "", const std::string& content_type = "application/json",
                          std::chrono::milliseconds timeout = 30s);

}  // namespace gocker::test
