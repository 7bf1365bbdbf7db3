#include "server/streamed_upload.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
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

// Cancels the socket's pending read once no read has completed for the timeout. The timer runs on
// the socket's executor (the connection's strand), so its handler never runs alongside the
// coroutine. An expiry already queued when a read completed and the timer was re-armed carries an
// old generation and is ignored; one queued when the receive ended finds no socket.
class StallWatchdog {
 public:
  StallWatchdog(engine::UnixSocket& socket, std::chrono::steady_clock::duration timeout)
      : state_(std::make_shared<State>(&socket)), timer_(socket.get_executor()), timeout_(timeout) {}
  ~StallWatchdog() { state_->socket = nullptr; }
  StallWatchdog(const StallWatchdog&) = delete;
  StallWatchdog& operator=(const StallWatchdog&) = delete;

  // Before each read: the client has `timeout` from now to send something.
  void arm() {
    const uint64_t generation = ++state_->generation;
    timer_.expires_after(timeout_);  // cancels the previous wait
    timer_.async_wait([state = state_, generation](const boost::system::error_code& error) {
      if (error || state->socket == nullptr || state->generation != generation) return;
      state->fired = true;
      boost::system::error_code ignored;
      state->socket->cancel(ignored);
    });
  }
  bool fired() const { return state_->fired; }

 private:
  struct State {
    explicit State(engine::UnixSocket* watched) : socket(watched) {}
    engine::UnixSocket* socket;
    uint64_t generation = 0;
    bool fired = false;
  };
  std::shared_ptr<State> state_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::duration timeout_;
};

std::string seconds_text(std::chrono::steady_clock::duration duration) {
  const auto milliseconds = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  if (milliseconds % 1000 == 0) return std::to_string(milliseconds / 1000) + " s";
  return std::to_string(milliseconds) + " ms";
}

}  // namespace

engine::Task<BodyReceived> receive_body(engine::UnixSocket& socket, std::string buffered_input, const Request& head, int fd,
                                        std::chrono::steady_clock::duration stall_timeout) {
  // The head was consumed by the session's parser; this one is primed with a head that carries
  // only the framing (chunked or a length), then reads the body from the socket.
  std::string framing = "POST / HTTP/1.1\r\n";
  if (head.chunked()) {
    framing += "Transfer-Encoding: chunked\r\n";
  } else if (auto length = head.find(http::field::content_length); length != head.end()) {
    framing += "Content-Length: " + std::string(length->value()) + "\r\n";
  } else {
    co_return BodyReceived{};  // no body
  }
  framing += "\r\n";
  http::request_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  boost::beast::error_code error;
  parser.put(asio::buffer(framing), error);
  if (error || !parser.is_header_done())
    co_return BodyReceived{Error::invalid("upload: bad body framing: " + error.message())};

  if (boost::beast::iequals(head[http::field::expect], "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    auto [write_error, written] =
        co_await asio::async_write(socket, asio::buffer(kContinue), asio::as_tuple(asio::use_awaitable));
    (void)written;
    if (write_error) co_return BodyReceived{Error::unavailable("upload: the client went away: " + write_error.message())};
  }

  boost::beast::flat_buffer buffer;
  auto prefix = buffer.prepare(buffered_input.size());
  asio::buffer_copy(prefix, asio::buffer(buffered_input));
  buffer.commit(buffered_input.size());

  // One socket read at a time (async_read_some), each with a fresh stall deadline: a slow upload
  // that keeps sending goes on, one that stops does not.
  StallWatchdog watchdog(socket, stall_timeout);
  std::vector<char> chunk(256 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    parser.get().body().more = true;
    watchdog.arm();
    auto [read_error, read_bytes] =
        co_await http::async_read_some(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
    (void)read_bytes;
    if (read_error == http::error::need_buffer) read_error = {};
    const size_t filled = chunk.size() - parser.get().body().size;
    if (filled > 0) {
      if (auto written = write_all(fd, chunk.data(), filled); !written) co_return BodyReceived{std::move(written)};
    }
    if (watchdog.fired()) {
      co_return BodyReceived{Error::unavailable("upload: no data for " + seconds_text(stall_timeout) +
                                                ": the request body stalled and was abandoned"),
                             true};
    }
    if (read_error) co_return BodyReceived{Error::invalid("upload: reading the request body: " + read_error.message())};
  }
  co_return BodyReceived{};
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
