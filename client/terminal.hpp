#pragma once
// The client side of `-t`: the user's terminal in raw mode while attached, so every key (^C
// included) goes to the container's pty and the container's pty does the echoing; the window
// size for POST /containers/{id}/resize. Whatever ends the client, the terminal must come back
// cooked: the guard restores it on every return path, and the fatal-signal handler installed
// with it (SIGSEGV, SIGABRT, ...) restores it before the signal's default action runs.
#include <termios.h>

#include <optional>

#include "outcome.hpp"

namespace gocker::client {

struct WindowSize {
  unsigned short rows = 0;
  unsigned short columns = 0;
};

bool is_terminal(int fd);

// The size of the terminal on `fd`, or nullopt if it is not a terminal.
std::optional<WindowSize> window_size(int fd);

class RawTerminal {
 public:
  // Puts `fd` in raw mode (cfmakeraw, as docker's moby/term does: no echo, no signals from keys,
  // no output post-processing, since the container's pty already turns "\n" into "\r\n").
  static Outcome<RawTerminal> enter(int fd);

  RawTerminal(RawTerminal&& other) noexcept;
  RawTerminal& operator=(RawTerminal&&) = delete;
  RawTerminal(const RawTerminal&) = delete;
  ~RawTerminal();

  void restore();

 private:
  RawTerminal(int fd, const termios& saved) : fd_(fd), saved_(saved) {}
  int fd_ = -1;
  termios saved_{};
};

}  // namespace gocker::client
