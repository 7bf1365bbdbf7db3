#include "engine/monitor_attach.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "engine/adopted_socket.hpp"
#include "runtime/attach_codec.hpp"

namespace gocker::engine {

namespace asio = boost::asio;
using runtime::attach::MessageType;

namespace {

asio::awaitable<bool> send_stdin(MonitorSocket& monitor, std::string_view bytes) {
  if (bytes.empty()) co_return true;
  auto message = runtime::attach::encode_frame(MessageType::kStdin, bytes);
  auto [error, written] = co_await asio::async_write(monitor, asio::buffer(message), asio::as_tuple(asio::use_awaitable));
  co_return !error;
}

}  // namespace

asio::awaitable<void> forward_stdin(std::shared_ptr<MonitorSocket> client, std::shared_ptr<MonitorSocket> monitor,
                                    std::string buffered, std::optional<DetachKeyScanner> detach) {
  std::string chunk = std::move(buffered);
  std::string buffer(32 * 1024, '\0');
  while (true) {
    if (!chunk.empty()) {
      if (detach) {
        auto scanned = detach->scan(chunk);
        if (!co_await send_stdin(*monitor, scanned.forward)) co_return;
        if (scanned.detached) {
          boost::system::error_code ignored;
          monitor->close(ignored);
          co_return;
        }
      } else if (!co_await send_stdin(*monitor, chunk)) {
        co_return;
      }
    }
    auto [read_error, n] = co_await client->async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
    if (read_error) {
      // EOF is the client's half-close: pass it on so `echo abc | run -i cat` ends. Anything else
      // (the output side closed the socket) just stops forwarding.
      if (read_error == asio::error::eof) {
        if (detach && !co_await send_stdin(*monitor, detach->flush())) co_return;
        auto message = runtime::attach::encode_frame(MessageType::kStdinEof, {});
        co_await asio::async_write(*monitor, asio::buffer(message), asio::as_tuple(asio::use_awaitable));
      }
      co_return;
    }
    chunk.assign(buffer.data(), n);
  }
}

asio::awaitable<std::optional<AttachMessage>> read_attach_message(MonitorSocket& socket) {
  unsigned char header[runtime::attach::kHeaderSize];
  auto [read_error, read_bytes] = co_await asio::async_read(socket, asio::buffer(header), asio::as_tuple(asio::use_awaitable));
  if (read_error) co_return std::nullopt;
  const auto decoded = runtime::attach::decode_header(header);
  const uint32_t size = decoded.payload_length;
  if (size > runtime::attach::kMaxPayload) co_return std::nullopt;
  AttachMessage message{decoded.type, std::string(size, '\0')};
  if (size) {
    auto [payload_error, payload_bytes] =
        co_await asio::async_read(socket, asio::buffer(message.payload), asio::as_tuple(asio::use_awaitable));
    if (payload_error) co_return std::nullopt;
  }
  co_return message;
}

asio::awaitable<Result<std::shared_ptr<MonitorSocket>>> connect_to_monitor(std::string socket_path, bool stdin,
                                                                           bool stdout, bool stderr) {
  auto executor = co_await asio::this_coro::executor;
  auto socket = std::make_shared<MonitorSocket>(executor);
  const std::string what = "attach to monitor socket " + quoted(socket_path);
  if (auto opened = open_adopted(*socket, asio::local::stream_protocol()); opened)
    co_return Error::unavailable(what + ": socket: " + opened.message());
  auto [connect_error] = co_await socket->async_connect(asio::local::stream_protocol::endpoint(socket_path),
                                                        asio::as_tuple(asio::use_awaitable));
  if (connect_error) co_return Error::unavailable(what + ": " + connect_error.message());
  const std::string hello =
      runtime::attach::encode_frame(MessageType::kHello, runtime::attach::encode_hello({stdin, stdout, stderr}));
  auto [write_error, written] = co_await asio::async_write(*socket, asio::buffer(hello), asio::as_tuple(asio::use_awaitable));
  if (write_error) co_return Error::unavailable(what + ": " + write_error.message());
  auto reply = co_await read_attach_message(*socket);
  if (!reply || reply->type != MessageType::kSubscribed)
    co_return Error::unavailable(what + ": the monitor closed the connection before subscribing");
  co_return socket;
}

Status send_resize(const std::string& socket_path, int height, int width) {
  const std::string what = "resize through " + quoted(socket_path);
  UniqueFd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd) return Error::from_errno(errno, what + ": socket");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof address.sun_path) return Error::invalid(what + ": path too long");
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    return Error::from_errno(errno, what + ": connect");
  std::string messages =
      runtime::attach::encode_frame(MessageType::kHello, runtime::attach::encode_hello({})) +
      runtime::attach::encode_frame(MessageType::kResize, runtime::attach::encode_resize(
                                                               {static_cast<uint16_t>(height), static_cast<uint16_t>(width)}));
  size_t sent = 0;
  while (sent < messages.size()) {
    ssize_t n = ::send(fd.get(), messages.data() + sent, messages.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, what + ": send");
    }
    sent += static_cast<size_t>(n);
  }
  return ok();
}

}  // namespace gocker::engine
