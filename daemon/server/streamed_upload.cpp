#include "server/streamed_upload.hpp"

#include <unistd.h>

#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace gocker::server {

namespace asio = boost::asio;

bool is_streamed_upload(const Request& request_head) {
  if (request_head.method() != http::verb::post) return false;
  std::string_view target = request_head.target();
  const size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  // POST /images/load: the whole body is an image archive (images issue 5).
  constexpr std::string_view kLoad = "/images/load";
  if (path.size() >= kLoad.size() && path.substr(path.size() - kLoad.size()) == kLoad) return true;
  constexpr std::string_view kSuffix = "/images/create";
  if (path.size() < kSuffix.size() || path.substr(path.size() - kSuffix.size()) != kSuffix) return false;
  if (question == std::string_view::npos) return false;
  std::string_view query = target.substr(question);  // starts with '?'
  return query.find("?fromSrc=") != std::string_view::npos || query.find("&fromSrc=") != std::string_view::npos;
}

namespace {

Status write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return Error::from_errno(errno, "write upload to disk");
    data += written;
    size -= static_cast<size_t>(written);
  }
  return ok();
}

}  // namespace

engine::Task<Status> receive_body(engine::UnixSocket& socket, std::string buffered_input, const Request& head, int fd) {
  // The head was consumed by the session's parser; this one is primed with a head that carries
  // only the framing (chunked or a length), then reads the body from the socket.
  std::string framing = "POST / HTTP/1.1\r\n";
  if (head.chunked()) {
    framing += "Transfer-Encoding: chunked\r\n";
  } else if (auto length = head.find(http::field::content_length); length != head.end()) {
    framing += "Content-Length: " + std::string(length->value()) + "\r\n";
  } else {
    co_return ok();  // no body
  }
  framing += "\r\n";
  http::request_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  boost::beast::error_code error;
  parser.put(asio::buffer(framing), error);
  if (error || !parser.is_header_done()) co_return Error::invalid("upload: bad body framing: " + error.message());

  if (boost::beast::iequals(head[http::field::expect], "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    auto [write_error, written] =
        co_await asio::async_write(socket, asio::buffer(kContinue), asio::as_tuple(asio::use_awaitable));
    (void)written;
    if (write_error) co_return Error::unavailable("upload: the client went away: " + write_error.message());
  }

  boost::beast::flat_buffer buffer;
  auto prefix = buffer.prepare(buffered_input.size());
  asio::buffer_copy(prefix, asio::buffer(buffered_input));
  buffer.commit(buffered_input.size());

  std::vector<char> chunk(256 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    parser.get().body().more = true;
    auto [read_error, read_bytes] =
        co_await http::async_read(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
    (void)read_bytes;
    if (read_error == http::error::need_buffer) read_error = {};
    const size_t filled = chunk.size() - parser.get().body().size;
    if (filled > 0) {
      if (auto written = write_all(fd, chunk.data(), filled); !written) co_return written;
    }
    if (read_error) co_return Error::invalid("upload: reading the request body: " + read_error.message());
  }
  co_return ok();
}

engine::Task<void> send_final_response(engine::UnixSocket& socket, Response response, std::string_view server_version) {
  response.version(11);
  response.keep_alive(false);
  add_common_headers(response, server_version);
  response.prepare_payload();
  auto [error, written] = co_await http::async_write(socket, response, asio::as_tuple(asio::use_awaitable));
  (void)error;
  (void)written;
  boost::system::error_code ignored;
  socket.shutdown(engine::UnixSocket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace gocker::server
