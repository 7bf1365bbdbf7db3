#pragma once
// The engine's client side of a monitor's attach socket (protocol: runtime/attach_protocol.hpp).
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "base/result.hpp"
#include "engine/detach_keys.hpp"
#include "runtime/attach_protocol.hpp"

namespace gocker::engine {

using MonitorSocket = boost::asio::local::stream_protocol::socket;

struct AttachMessage {
  runtime::attach::MessageType type{};
  std::string payload;
};

// Connects, says hello with the streams wanted, and returns once the monitor confirms the
// subscription: from then on no output is missed.
boost::asio::awaitable<Result<std::shared_ptr<MonitorSocket>>> connect_to_monitor(std::string socket_path, bool stdin,
                                                                                  bool stdout, bool stderr);
// nullopt at end of stream or on error.
boost::asio::awaitable<std::optional<AttachMessage>> read_attach_message(MonitorSocket& socket);

// Client bytes to the monitor as the process's stdin (attach and exec alike), until the client's
// half-close, which closes that stdin (`echo abc | run -i busybox cat`). With detach keys (tty
// only), the scanner holds back a possible start of the sequence; on the whole sequence the
// attach ends here: closing the monitor connection ends the output pump too, which closes the
// client. The process keeps running (a tty's stdin is not closed when an attach goes away).
boost::asio::awaitable<void> forward_stdin(std::shared_ptr<MonitorSocket> client, std::shared_ptr<MonitorSocket> monitor,
                                           std::string buffered, std::optional<DetachKeyScanner> detach);

// A blocking one-shot for resize: connect, hello with no streams, send the window size.
Status send_resize(const std::string& socket_path, int height, int width);

}  // namespace gocker::engine
