#pragma once
// The head of a response whose body is a raw byte stream the engine owns afterwards (attach, exec
// start, logs). With `Upgrade: tcp` the connection is switched to a raw duplex stream (dockerd's
// hijack: 101 UPGRADED); without it, the stream is the body of a 200 response and ends when the
// connection closes. A tty stream is raw; otherwise it carries Docker's 8-byte frames.
#include <string>

#include "server/http_types.hpp"
#include "server/route.hpp"

namespace gocker::server {

inline std::string stream_head(const RequestContext& context, bool upgrade, bool tty) {
  std::string content_type(tty ? kRawStreamContentType : kMultiplexedStreamContentType);
  std::string head = upgrade ? "HTTP/1.1 101 UPGRADED\r\nContent-Type: " + content_type +
                                   "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                             : "HTTP/1.1 200 OK\r\nContent-Type: " + content_type + "\r\nConnection: close\r\n";
  return head + common_header_lines(context.server_version) + "\r\n";
}

// dockerd hijacks when the request carries an Upgrade header at all, whatever its value.
inline bool wants_upgrade(const RequestContext& context) {
  return context.request.find(http::field::upgrade) != context.request.end();
}

}  // namespace gocker::server
