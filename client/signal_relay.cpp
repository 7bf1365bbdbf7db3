#include "signal_relay.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gocker::client {

namespace {

// Every signal that would terminate the client by default and that a user sends on purpose.
// SIGPIPE is left ignored (main ignores it: a closed stdout is an EPIPE write error), and the
// fatal ones (SIGSEGV, ...) are not forwarded.
constexpr int kRelayedSignals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH};

volatile sig_atomic_t g_relay_write_fd = -1;

void on_signal(int signal_number) {
  int saved_errno = errno;
  auto byte = static_cast<unsigned char>(signal_number);
  // Non-blocking: if the pipe is full, the pump has plenty of signals to process already.
  [[maybe_unused]] ssize_t written = ::write(g_relay_write_fd, &byte, 1);
  errno = saved_errno;
}

}  // namespace

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGHUP: return "HUP";
    case SIGINT: return "INT";
    case SIGQUIT: return "QUIT";
    case SIGTERM: return "TERM";
    case SIGUSR1: return "USR1";
    case SIGUSR2: return "USR2";
    case SIGALRM: return "ALRM";
    case SIGWINCH: return "WINCH";
    case SIGKILL: return "KILL";
    default: return "";
  }
}

Outcome<SignalRelay> SignalRelay::install() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
    return Failure::local(std::string("create signal pipe: ") + std::strerror(errno));
  }
  SignalRelay relay(fds[0], fds[1]);
  g_relay_write_fd = fds[1];
  struct sigaction action {};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (int signal_number : kRelayedSignals) ::sigaction(signal_number, &action, &relay.previous_[signal_number]);
  relay.installed_ = true;
  return relay;
}

SignalRelay::SignalRelay(SignalRelay&& other) noexcept
    : read_fd_(other.read_fd_), write_fd_(other.write_fd_), installed_(other.installed_) {
  std::memcpy(static_cast<void*>(previous_), static_cast<const void*>(other.previous_), sizeof previous_);
  other.read_fd_ = other.write_fd_ = -1;
  other.installed_ = false;
}

SignalRelay::~SignalRelay() {
  if (installed_) {
    for (int signal_number : kRelayedSignals) ::sigaction(signal_number, &previous_[signal_number], nullptr);
    g_relay_write_fd = -1;
  }
  if (read_fd_ >= 0) ::close(read_fd_);
  if (write_fd_ >= 0) ::close(write_fd_);
}

std::vector<int> SignalRelay::drain() {
  std::vector<int> received;
  unsigned char bytes[64];
  ssize_t count;
  while ((count = ::read(read_fd_, bytes, sizeof bytes)) > 0) received.insert(received.end(), bytes, bytes + count);
  return received;
}

}  // namespace gocker::client
