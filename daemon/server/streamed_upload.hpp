#pragma once
// Requests whose body the route reads itself instead of the session: image uploads
// (POST /images/create?fromSrc=-, POST /images/load), which may be far larger than any body limit and go to disk as
// they arrive. The session reads only the head of such a request, dispatches it, and the handler
// answers with a HijackReply whose pump receives the body from the socket (receive_body) and
// writes the whole response itself. The connection is not reused afterwards.
#include <chrono>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "engine/engine.hpp"
#include "server/http_types.hpp"

namespace gocker::server {

// POST [/v1.NN]/images/create with a fromSrc parameter, and POST [/v1.NN]/images/load.
bool is_streamed_upload(const Request& request_head);

struct BodyReceived {
  Status status = ok();
  // No byte arrived for the stall timeout: the read was abandoned (status says so); answer 408.
  bool stalled = false;
};

// Reads the body the session left unread (Content-Length or chunked, as `head` says; no size
// limit), starting with `buffered_input` (what Beast read past the head), and writes it to `fd`.
// Answers "100 Continue" first when the client asked for it. A body may take as long as it needs
// in all, but gives up when no byte has arrived for `stall_timeout`: a client that stops sending
// mid-body would otherwise hold the connection and the upload's file forever.
engine::Task<BodyReceived> receive_body(engine::UnixSocket& socket, std::string buffered_input, const Request& head, int fd,
                                        std::chrono::steady_clock::duration stall_timeout);

// Writes a complete response on a socket the session handed over, then closes the socket.
engine::Task<void> send_final_response(engine::UnixSocket& socket, Response response, std::string_view server_version);

}  // namespace gocker::server
