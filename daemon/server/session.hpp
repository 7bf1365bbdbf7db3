#pragma once
// One HTTP/1.1 connection: read a request, dispatch it, write the reply, repeat while keep-alive.
//
// The session is a coroutine on the connection's strand. It is a template over its stream so the
// daemon runs it on a UnixStream (a unix socket with Beast's timeout timer) and unit tests drive
// the same code with beast::test::stream or a socketpair. Expected errors (the client hung up,
// the timeout fired, a parse error) are values via as_tuple, never exceptions.
//
//   read header ─▶ [Expect: 100-continue] ─▶ read body (body_limit, else 413) ─▶ Router::dispatch
//     ├─ Response          write; loop if keep-alive
//     ├─ ChunkedJsonReply  write the chunked head now, await the body, write it + the last chunk; loop
//     └─ HijackReply       write the raw head, release the socket (plus bytes Beast read ahead) to the
//                          pump; the session ends with it
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include "api/system_types.hpp"
#include "engine/engine.hpp"
#include "server/http_types.hpp"
#include "server/router.hpp"
#include "server/streamed_upload.hpp"

namespace gocker::server {

// Every limit a client meets, each answered with a JSON {"message"} before the connection closes.
struct SessionOptions {
  // JSON request bodies (create, exec, update, network and volume create, commit's config): a few
  // KiB in practice. Larger ones are answered 413; the limit stops a client from making the daemon
  // buffer (and parse) without bound.
  std::size_t body_limit = 1024 * 1024;
  // PUT /containers/{id}/archive (docker cp into a container) carries a whole tar, which the
  // engine extracts from memory: a larger, still bounded, limit for that route alone. Image
  // uploads (load, import) are streamed to disk by their routes and have none
  // (server/streamed_upload.hpp).
  std::size_t archive_body_limit = std::size_t{1024} * 1024 * 1024;
  // The request line and headers together (431). Beast's default of 8 KiB is too tight for
  // X-Registry-Auth headers; Go's net/http allows 1 MiB.
  std::size_t header_limit = 64 * 1024;
  // The request target, path and query string (414).
  std::size_t target_limit = 16 * 1024;
  // How long a connection may wait for the first byte of its next request. Longer than the Go
  // client's 90 s idle-connection timeout, so a docker CLI closes an idle connection before we do
  // and never races our close with a POST.
  std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(120);
  // From a request's first byte, its head must be complete within this; a body must make progress
  // at least this often. A client that starts a request and stalls (slowloris) is cut off.
  std::chrono::steady_clock::duration request_timeout = std::chrono::seconds(30);
  // Each reply (head and body) must be written within this.
  std::chrono::steady_clock::duration write_timeout = std::chrono::seconds(120);
};

// The daemon's connection stream: a unix socket with Beast's per-operation timer.
using UnixStream = boost::beast::basic_stream<boost::asio::local::stream_protocol>;

// Stream hooks. The overloads for UnixStream do the work; the templates are for streams without a
// timer or a socket to give away (beast::test::stream).
inline void set_io_timeout(UnixStream& stream, std::chrono::steady_clock::duration timeout) {
  stream.expires_after(timeout);
}
inline void clear_io_timeout(UnixStream& stream) { stream.expires_never(); }
inline std::optional<engine::UnixSocket> release_unix_socket(UnixStream& stream) { return stream.release_socket(); }

template <typename Stream>
void set_io_timeout(Stream&, std::chrono::steady_clock::duration) {}
template <typename Stream>
void clear_io_timeout(Stream&) {}
template <typename Stream>
std::optional<engine::UnixSocket> release_unix_socket(Stream&) {
  return std::nullopt;
}

// The client went away or stopped talking: nothing to answer.
inline bool is_disconnect(const boost::beast::error_code& error) {
  namespace net = boost::asio;
  return error == http::error::end_of_stream || error == http::error::partial_message ||
         error == net::error::eof || error == net::error::operation_aborted || error == net::error::connection_reset ||
         error == net::error::broken_pipe || error == boost::beast::error::timeout;
}

// PUT .../containers/{id}/archive[?...], under any version prefix.
inline bool is_archive_upload(const http::request_parser<http::string_body>::value_type& request) {
  if (request.method() != http::verb::put) return false;
  std::string_view target = request.target();
  target = target.substr(0, target.find('?'));
  return target.size() > 8 && target.substr(target.size() - 8) == "/archive";
}

template <typename Stream>
class Session {
 public:
  Session(Stream stream, const Router& router, SessionOptions options)
      : stream_(std::move(stream)), router_(router), options_(options) {}

  engine::Task<void> run() {
    for (;;) {
      if (!co_await wait_for_request()) co_return;
      set_io_timeout(stream_, options_.request_timeout);
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options_.header_limit));
      // The limit depends on the route, known once the head is in (below). Beast compares a
      // Content-Length with the limit as the head completes, so none may be set before that.
      parser.body_limit(boost::none);
      auto [header_error, header_bytes] =
          co_await http::async_read_header(stream_, buffer_, parser, boost::asio::as_tuple(boost::asio::use_awaitable));
      (void)header_bytes;
      if (header_error == http::error::header_limit) {
        // Beast takes the request line out of the buffer as soon as it is complete: a parser
        // without a target never saw the end of the line.
        std::size_t target_length = parser.get().target().size();
        if (target_length == 0 || target_length > options_.target_limit) co_return co_await answer_target_too_long();
        co_return co_await answer_and_close(http::status::request_header_fields_too_large,
                                            "request header fields are larger than the limit of " +
                                                std::to_string(options_.header_limit) + " bytes");
      }
      if (header_error) co_return co_await answer_read_error(header_error);
      if (parser.get().target().size() > options_.target_limit) co_return co_await answer_target_too_long();
      // An image upload's route reads its body itself, streamed to disk (server/streamed_upload.hpp).
      const bool route_reads_body = is_streamed_upload(parser.get());
      if (!route_reads_body) {
        body_limit_ = is_archive_upload(parser.get()) ? options_.archive_body_limit : options_.body_limit;
        if (auto length = parser.content_length(); length && *length > body_limit_)
          co_return co_await answer_read_error(http::error::body_limit);
        parser.body_limit(body_limit_);
      }

      if (!parser.is_done() && !route_reads_body) {
        if (boost::beast::iequals(parser.get()[http::field::expect], "100-continue")) {
          // curl sends large bodies only after this interim response (RFC 9110 10.1.1).
          if (!co_await write_raw("HTTP/1.1 100 Continue\r\n\r\n")) co_return;
        }
        // Piece by piece, each with a fresh deadline: a large upload may take long, a stalled one
        // may not.
        while (!parser.is_done()) {
          set_io_timeout(stream_, options_.request_timeout);
          auto [body_error, body_bytes] = co_await http::async_read_some(stream_, buffer_, parser,
                                                                         boost::asio::as_tuple(boost::asio::use_awaitable));
          (void)body_bytes;
          if (body_error) co_return co_await answer_read_error(body_error);
        }
      }

      Request request = parser.release();
      Reply reply = co_await router_.dispatch(request);
      bool keep_alive = request.keep_alive() && !route_reads_body;  // an unread body ends the connection
      if (auto* response = std::get_if<Response>(&reply)) {
        log_request(request, std::to_string(response->result_int()));
        bool head_only = request.method() == http::verb::head;
        if (!co_await send_response(std::move(*response), request.version(), keep_alive, head_only)) co_return;
      } else if (auto* chunked = std::get_if<ChunkedJsonReply>(&reply)) {
        log_request(request, "200 (chunked)");
        if (!co_await send_chunked(std::move(*chunked), request.version(), keep_alive)) co_return;
      } else {
        log_request(request, "stream handed to the engine");
        co_return co_await hand_over(std::get<HijackReply>(std::move(reply)));
      }
    }
  }

 private:
  // Waits up to idle_timeout for the first byte of the next request, unless one is already
  // buffered (pipelined). False when the client closed the connection or stayed silent: nothing
  // to answer.
  engine::Task<bool> wait_for_request() {
    if (buffer_.size() > 0) co_return true;
    set_io_timeout(stream_, options_.idle_timeout);
    auto [error, bytes] =
        co_await stream_.async_read_some(buffer_.prepare(kFirstReadSize), boost::asio::as_tuple(boost::asio::use_awaitable));
    if (error) co_return false;
    buffer_.commit(bytes);
    co_return true;
  }

  void log_request(const Request& request, const std::string& outcome) const {
    spdlog::debug("{} {} -> {}", std::string(request.method_string()), std::string(request.target()), outcome);
  }

  engine::Task<bool> write_raw(std::string text) {
    auto [error, bytes] = co_await boost::asio::async_write(stream_, boost::asio::buffer(text),
                                                            boost::asio::as_tuple(boost::asio::use_awaitable));
    (void)bytes;
    co_return !error;
  }

  // Returns whether the connection stays open for another request. The answer to a HEAD request
  // is the head alone (RFC 9110 9.3.2), whatever body the handler produced (a 405's, say).
  engine::Task<bool> send_response(Response response, unsigned version, bool keep_alive, bool head_only = false) {
    response.version(version);
    response.keep_alive(keep_alive);
    add_common_headers(response, router_.server_version());
    set_io_timeout(stream_, options_.write_timeout);
    http::response_serializer<http::string_body> serializer{response};
    auto [error, bytes] =
        head_only
            ? co_await http::async_write_header(stream_, serializer, boost::asio::as_tuple(boost::asio::use_awaitable))
            : co_await http::async_write(stream_, serializer, boost::asio::as_tuple(boost::asio::use_awaitable));
    (void)bytes;
    co_return !error && keep_alive;
  }

  engine::Task<bool> send_chunked(ChunkedJsonReply reply, unsigned version, bool keep_alive) {
    // The wait can last as long as the container runs.
    clear_io_timeout(stream_);
    http::response<http::empty_body> head{http::status::ok, version};
    head.set(http::field::content_type, kJsonContentType);
    head.keep_alive(keep_alive);
    head.chunked(true);
    add_common_headers(head, router_.server_version());
    http::response_serializer<http::empty_body> serializer{head};
    auto [head_error, head_bytes] =
        co_await http::async_write_header(stream_, serializer, boost::asio::as_tuple(boost::asio::use_awaitable));
    (void)head_bytes;
    if (head_error) co_return false;

    std::string body;
    std::string failure;
    try {
      body = co_await std::move(reply.body);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure.empty()) {
      // The 200 head is out; closing without the last chunk tells the client the body is incomplete.
      spdlog::error("streamed response failed after its head was sent: {}", failure);
      co_return false;
    }
    auto [chunk_error, chunk_bytes] = co_await boost::asio::async_write(
        stream_, http::make_chunk(boost::asio::buffer(body)), boost::asio::as_tuple(boost::asio::use_awaitable));
    (void)chunk_bytes;
    if (chunk_error) co_return false;
    auto [last_error, last_bytes] = co_await boost::asio::async_write(
        stream_, http::make_chunk_last(), boost::asio::as_tuple(boost::asio::use_awaitable));
    (void)last_bytes;
    co_return !last_error && keep_alive;
  }

  engine::Task<void> hand_over(HijackReply reply) {
    clear_io_timeout(stream_);
    if (!co_await write_raw(std::move(reply.head))) co_return;
    // Beast may have read past the request (a client that sends stdin right after the attach
    // request without waiting for the 101): those bytes belong to the stream.
    std::string buffered_input = boost::beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    std::optional<engine::UnixSocket> socket = release_unix_socket(stream_);
    if (!socket) {
      spdlog::error("cannot hand over the connection: its stream has no unix socket");
      co_return;
    }
    co_await reply.pump(std::move(*socket), std::move(buffered_input));
  }

  engine::Task<void> answer_read_error(boost::beast::error_code error) {
    if (is_disconnect(error)) co_return;
    if (error == http::error::body_limit)
      co_return co_await answer_and_close(http::status::payload_too_large, "request body is larger than the limit of " +
                                                                               std::to_string(body_limit_) + " bytes");
    co_await answer_and_close(http::status::bad_request, "malformed HTTP request: " + error.message());
  }

  engine::Task<void> answer_target_too_long() {
    co_await answer_and_close(http::status::uri_too_long, "request URI is longer than the limit of " +
                                                              std::to_string(options_.target_limit) + " bytes");
  }

  // The rest of the request is unread, so the connection cannot carry another one.
  engine::Task<void> answer_and_close(http::status status, const std::string& message) {
    spdlog::debug("request refused: {} {}", static_cast<unsigned>(status), message);
    co_await send_response(json_response(status, api::error_body(message)), 11, /*keep_alive=*/false);
  }

  static constexpr std::size_t kFirstReadSize = 8 * 1024;

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::size_t body_limit_ = 0;  // of the request being read
  const Router& router_;
  SessionOptions options_;
};

// The coroutine the acceptor spawns per connection; the session lives in its frame.
template <typename Stream>
engine::Task<void> serve_connection(Stream stream, const Router& router, SessionOptions options) {
  Session<Stream> session(std::move(stream), router, options);
  co_await session.run();
}

}  // namespace gocker::server
