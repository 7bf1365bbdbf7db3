#include "terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace gocker::client {

namespace {

// What a fatal-signal handler needs to put the terminal back; written before the handlers are
// installed and read only from them. tcsetattr is async-signal-safe (POSIX.1-2017 2.4.3).
volatile sig_atomic_t g_saved_fd = -1;
termios g_saved_termios{};

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

void restore_then_die(int signal_number) {
  if (g_saved_fd >= 0) ::tcsetattr(g_saved_fd, TCSANOW, &g_saved_termios);
  // SA_RESETHAND put the default action back: re-raising now terminates as the signal would have.
  ::raise(signal_number);
}

int tcsetattr_retrying(int fd, const termios& settings) {
  int result;
  do result = ::tcsetattr(fd, TCSANOW, &settings);
  while (result < 0 && errno == EINTR);
  return result;
}

}  // namespace

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

std::optional<WindowSize> window_size(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) < 0) return std::nullopt;
  return WindowSize{size.ws_row, size.ws_col};
}

Outcome<RawTerminal> RawTerminal::enter(int fd) {
  termios saved{};
  if (::tcgetattr(fd, &saved) < 0) return Failure::local(std::string("get terminal attributes: ") + std::strerror(errno));
  termios raw = saved;
  ::cfmakeraw(&raw);

  g_saved_termios = saved;
  g_saved_fd = fd;
  struct sigaction action {};
  action.sa_handler = restore_then_die;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (int signal_number : kFatalSignals) ::sigaction(signal_number, &action, nullptr);

  if (tcsetattr_retrying(fd, raw) < 0) {
    g_saved_fd = -1;
    return Failure::local(std::string("set terminal to raw mode: ") + std::strerror(errno));
  }
  return RawTerminal(fd, saved);
}

RawTerminal::RawTerminal(RawTerminal&& other) noexcept : fd_(other.fd_), saved_(other.saved_) { other.fd_ = -1; }

RawTerminal::~RawTerminal() { restore(); }

void RawTerminal::restore() {
  if (fd_ < 0) return;
  tcsetattr_retrying(fd_, saved_);
  g_saved_fd = -1;
  for (int signal_number : kFatalSignals) ::signal(signal_number, SIG_DFL);
  fd_ = -1;
}

}  // namespace gocker::client
