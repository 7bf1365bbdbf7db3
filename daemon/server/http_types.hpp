#pragma once
// The HTTP vocabulary shared by the router, the handlers and the session.
//
// A handler answers with a Reply. Most replies are an ordinary Response that the session writes
// and then reads the next request (keep-alive). Two kinds of route need the connection itself:
//   - ChunkedJsonReply (wait): the session sends a 200 head with chunked encoding at once, then
//     awaits `body` and sends it as one chunk plus the last chunk. The Docker CLI starts the
//     container only after the wait's head has arrived, so the head must not wait for the body.
//   - HijackReply (attach, logs): the session writes `head` verbatim, takes the socket out of Beast
//     (with any bytes Beast read past the request) and hands both to `pump`. The connection
//     belongs to the pump from then on and is never reused for HTTP.
#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "engine/engine.hpp"

namespace gocker::server {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct ChunkedJsonReply {
  // Lazily started: it runs only when the session awaits it, after the head has been flushed.
  engine::Task<std::string> body;
};

struct HijackReply {
  std::string head;  // status line and headers, ending in the blank line
  std::function<engine::Task<void>(engine::UnixSocket client, std::string buffered_input)> pump;
};

using Reply = std::variant<Response, ChunkedJsonReply, HijackReply>;

inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kRawStreamContentType = "application/vnd.docker.raw-stream";
inline constexpr std::string_view kMultiplexedStreamContentType = "application/vnd.docker.multiplexed-stream";

// Serializes a JSON body the way Docker's encoder does (compact, trailing newline). Invalid UTF-8
// (a container name or log line can hold any bytes) is replaced rather than thrown on.
std::string json_text(const nlohmann::json& value);

// A complete response with a JSON body.
Response json_response(http::status status, const nlohmann::json& body);
// A response without a body (204, 304).
Response empty_response(http::status status);

}  // namespace gocker::server

namespace gocker::server {

// Headers every response carries, as moby's version middleware sets them: Server,
// API-Version (the maximum we serve; the CLI negotiates down from it) and OSType.
void add_common_headers(http::fields& fields, std::string_view server_version);
// The same headers as raw "Name: value\r\n" lines, for heads the session writes by hand.
std::string common_header_lines(std::string_view server_version);

}  // namespace gocker::server
