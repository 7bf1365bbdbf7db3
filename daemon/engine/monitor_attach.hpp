#pragma once
// The engine's client side of a monitor's attach socket (protocol: runtime/attach_protocol.hpp).
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "base/result.hpp"
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

// A blocking one-shot for resize: connect, hello with no streams, send the window size.
Status send_resize(const std::string& socket_path, int height, int width);

}  // namespace gocker::engine
