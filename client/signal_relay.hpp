#pragma once
// Signals while attached to a container, turned into file-descriptor events so the stream pump's
// poll(2) loop handles them like any other input (the self-pipe trick). As `docker run` does with
// its signal proxy, signals that would end the client are forwarded to the container instead
// (POST /containers/{id}/kill?signal=): ^C on a non-tty `run` interrupts the container, not just
// the client, and the client then exits with the container's status. SIGWINCH means "send the new
// window size". Only one relay exists at a time; the previous dispositions come back on
// destruction.
#include <csignal>
#include <vector>

#include "outcome.hpp"

namespace gocker::client {

class SignalRelay {
 public:
  static Outcome<SignalRelay> install();

  SignalRelay(SignalRelay&& other) noexcept;
  SignalRelay& operator=(SignalRelay&&) = delete;
  SignalRelay(const SignalRelay&) = delete;
  ~SignalRelay();

  // Readable when signals arrived.
  int fd() const { return read_fd_; }
  // The signals received since the last call, in order.
  std::vector<int> drain();

 private:
  SignalRelay(int read_fd, int write_fd) : read_fd_(read_fd), write_fd_(write_fd) {}
  int read_fd_ = -1;
  int write_fd_ = -1;
  bool installed_ = false;
  struct sigaction previous_[NSIG]{};
};

// Docker's name for a signal number as the kill endpoint takes it: "INT", "TERM", ...
const char* signal_name(int signal_number);

}  // namespace gocker::client
