#pragma once
// The monitor's attach socket protocol (SOCK_STREAM unix socket at MonitorOptions::attach_socket).
// Every message, both ways, is framed as:
//   [type: 1 byte] [payload length: 4 bytes big-endian] [payload]
//
// client -> monitor
//   kHello    (first message) JSON {"stdin":bool,"stdout":bool,"stderr":bool}
//   kStdin    bytes for the container's stdin
//   kStdinEof closes the container's stdin when the container was created with StdinOnce
//   kResize   JSON {"height":N,"width":N}: TIOCSWINSZ on the pty master (tty containers)
// monitor -> client
//   kSubscribed  (empty) the client now receives every byte the container writes from here on
//   kStdout / kStderr  output bytes (a tty container's output is all kStdout)
//   kExit     JSON {"exit_code":N} after the last output byte; the monitor then closes the socket
//
// Output produced while a client is slow is buffered per client up to a bound; a client that falls
// further behind is disconnected (the log file still has everything).
#include <cstdint>
#include <cstddef>

namespace gocker::runtime::attach {

enum class MessageType : uint8_t {
  kHello = 1,
  kStdin = 2,
  kStdinEof = 3,
  kResize = 4,
  kSubscribed = 10,
  kStdout = 11,
  kStderr = 12,
  kExit = 13,
};

inline constexpr size_t kHeaderSize = 5;
inline constexpr size_t kMaxPayload = 1 << 20;

}  // namespace gocker::runtime::attach
