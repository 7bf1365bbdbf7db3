// Attach: bridges a hijacked client connection and the monitor's attach socket. Output from the
// monitor is re-framed with Docker's 8-byte headers unless the container has a tty; client bytes
// become the container's stdin, and the client's half-close closes it (StdinOnce).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "api/stream_frame.hpp"
#include "engine/detach_keys.hpp"
#include "engine/engine_impl.hpp"
#include "engine/monitor_attach.hpp"
#include "runtime/attach_codec.hpp"

namespace gocker::engine {

namespace asio = boost::asio;
using runtime::attach::MessageType;

namespace {

Task<void> pump_attach(std::shared_ptr<UnixSocket> client, std::shared_ptr<MonitorSocket> monitor, bool tty,
                       bool forward_input, std::string buffered, std::optional<DetachKeyScanner> detach) {
  if (forward_input)
    co_spawn(co_await asio::this_coro::executor, forward_stdin(client, monitor, std::move(buffered), std::move(detach)),
             asio::detached);
  while (true) {
    auto message = co_await read_attach_message(*monitor);
    if (!message || message->type == MessageType::kExit) break;
    if (message->type != MessageType::kStdout && message->type != MessageType::kStderr) continue;
    std::string out = tty ? std::move(message->payload)
                          : api::encode_frame(message->type == MessageType::kStdout ? api::StreamType::Stdout
                                                                                    : api::StreamType::Stderr,
                                              message->payload);
    auto [error, written] = co_await asio::async_write(*client, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
    if (error) break;
  }
  boost::system::error_code ignored;
  client->shutdown(asio::socket_base::shutdown_both, ignored);
  client->close(ignored);
  monitor->close(ignored);
}

}  // namespace

Task<void> EngineImpl::attach_container(std::string ref, AttachOptions options, UnixSocket client_socket,
                                        std::string buffered_input) {
  auto client = std::make_shared<UnixSocket>(std::move(client_socket));
  auto found = find(ref);
  if (!found) co_return;
  auto container = std::move(found).value();

  bool tty = false;
  bool wants_stdin = false;
  std::string socket_path;
  std::shared_ptr<Container::PendingAttach> pending;
  {
    std::lock_guard lock(container->mutex);
    tty = container->config.tty;
    wants_stdin = options.stdin && container->config.open_stdin;
    if (container->removing) co_return;
    publish_container_event(*container, "attach");
    if (container->is_running()) {
      socket_path = container->attach_socket;
    } else {
      pending = std::make_shared<Container::PendingAttach>(
          Container::PendingAttach{wants_stdin, options.stdout, options.stderr, Notifier<MonitorConnection>(executor_)});
      container->pending_attaches.push_back(pending);
    }
  }

  std::shared_ptr<MonitorSocket> monitor;
  if (pending) {
    auto [error, connection] = co_await pending->connected.channel().async_receive(asio::as_tuple(asio::use_awaitable));
    if (error || !connection) co_return;
    monitor = std::move(connection);
  } else {
    auto connection = co_await connect_to_monitor(socket_path, wants_stdin, options.stdout, options.stderr);
    if (!connection) {
      spdlog::warn("attach: {}", connection.error().message);
      co_return;
    }
    monitor = std::move(connection).value();
  }
  // Both directions run on one strand: each socket then has at most one reader and one writer,
  // never initiated concurrently.
  auto strand = asio::make_strand(executor_);
  std::optional<DetachKeyScanner> detach;
  if (tty) {
    auto keys = parse_detach_keys(options.detach_keys.empty() ? kDefaultDetachKeys : options.detach_keys);
    if (keys) detach.emplace(std::move(*keys));  // the server has already refused invalid keys
  }
  co_await co_spawn(strand, pump_attach(client, monitor, tty, wants_stdin, std::move(buffered_input), std::move(detach)),
                    asio::use_awaitable);
}

}  // namespace gocker::engine
