#pragma once
// Copies bytes between the user's terminal/pipes and a hijacked attach connection until the
// container's output ends:
//
//   stdin  --read-->  socket           (only with -i; at stdin EOF: shutdown(SHUT_WR), so the
//                                       daemon closes the container's stdin and `cat` ends,
//                                       while the output keeps flowing back)
//   socket --read-->  stdout / stderr  (tty: raw bytes to stdout; otherwise Docker's 8-byte
//                                       frames, split by FrameDemuxer)
//   signals -------->  callbacks       (SIGWINCH: resize; others: forwarded to the container)
//
// One poll(2) loop, no threads: nothing here needs to happen at the same time as anything else.
// The loop ends when the daemon closes the connection (the container's stdout and stderr ended).
#include <functional>

#include "api_client.hpp"
#include "signal_relay.hpp"

namespace gocker::client {

struct PumpOptions {
  bool tty = false;
  bool forward_stdin = false;
  int stdin_fd = 0;
  int stdout_fd = 1;
  int stderr_fd = 2;
  std::function<void()> on_window_change;        // SIGWINCH
  std::function<void(int signal_number)> on_signal;  // any other relayed signal
};

Outcome<void> pump_attach_stream(HijackedStream& stream, const PumpOptions& options, SignalRelay* relay);

// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
Outcome<void> write_all(int fd, std::string_view bytes);

}  // namespace gocker::client
