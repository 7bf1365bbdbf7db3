// The monitor's standalone mode (standalone.hpp): the control socket a later `start` connects to,
// and the console socket a terminal's master is handed to.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "base/strings.hpp"
#include "runtime/monitor.hpp"
#include "runtime/standalone.hpp"
#include "runtime/unix_socket.hpp"

namespace gocker::runtime {

Status Monitor::listen_control_socket() {
  auto listener = listen_unix(options_.control_socket, SOCK_SEQPACKET | SOCK_NONBLOCK, 4);
  if (!listener) return std::move(listener).error().context("control socket");
  control_listener_ = std::move(*listener);
  return ok();
}

void Monitor::close_control_socket() {
  if (!control_listener_) return;
  if (epoll_) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, control_listener_.get(), nullptr);
  control_listener_.reset();
  ::unlink(options_.control_socket.c_str());
}

void Monitor::on_control_connection() {
  while (control_listener_) {
    UniqueFd connection{::accept4(control_listener_.get(), nullptr, nullptr, SOCK_CLOEXEC)};
    if (!connection) return;  // EAGAIN: all accepted
    if (phase_ != Phase::kWaitingForGo) continue;  // closing it tells the client: not created
    // The newest `start` wins; an earlier connection (the `create` that has not noticed it is
    // done, or a start that lost the race) sees EOF.
    if (control_) unwatch(control_.get());
    control_ = std::move(connection);
    watch(control_.get(), EPOLLIN);
  }
}

Status Monitor::forward_pty_master(UniqueFd master) {
  // The console socket's owner (an engine, conmon, a shim) serves the terminal from here on; the
  // monitor keeps no copy, so the container's output is not logged.
  return send_console_master(options_.console_socket, master.get());
}

}  // namespace gocker::runtime
