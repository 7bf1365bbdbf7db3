#pragma once
// Sockets the daemon opens and accepts itself, close-on-exec, and hands to Asio with assign().
//
// Asio opens and accepts sockets without O_CLOEXEC, and when it closes one it leaves the removal
// from its epoll set to the kernel, which removes a registration only when the last reference to
// the open file is gone. A child holds such references from its spawn until it closes them before
// its exec (posix_spawn copies the fd table). A connection the daemon closed meanwhile stayed
// registered, and its events reached whichever socket reused the slot: an events stream ended
// early in manage_test, under load. A socket given to Asio with assign() is one it takes for a
// possible duplicate, and it removes that one from the epoll set itself before closing it.
#include <sys/socket.h>

#include <cerrno>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "base/unique_fd.hpp"

namespace gocker::engine {

// ::socket with SOCK_CLOEXEC | SOCK_NONBLOCK, adopted by `socket`, which is not open yet.
template <class Socket>
boost::system::error_code open_adopted(Socket& socket, const typename Socket::protocol_type& protocol) {
  UniqueFd fd{::socket(protocol.family(), protocol.type() | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol.protocol())};
  if (!fd) return {errno, boost::system::system_category()};
  boost::system::error_code error;
  socket.assign(protocol, fd.get(), error);
  if (!error) (void)fd.release();
  return error;
}

// The next connection of `acceptor` (which must be non-blocking, and listen for `protocol`),
// accepted close-on-exec and adopted by a socket on `executor`.
template <class Acceptor, class Executor>
boost::asio::awaitable<std::tuple<boost::system::error_code, typename Acceptor::protocol_type::socket>> accept_adopted(
    Acceptor& acceptor, const typename Acceptor::protocol_type& protocol, const Executor& executor) {
  using Socket = typename Acceptor::protocol_type::socket;
  Socket socket(executor);
  for (;;) {
    const int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
      boost::system::error_code error;
      socket.assign(protocol, fd, error);
      if (error) ::close(fd);
      co_return std::make_tuple(error, std::move(socket));
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      co_return std::make_tuple(boost::system::error_code(errno, boost::system::system_category()), std::move(socket));
    auto [error] = co_await acceptor.async_wait(boost::asio::socket_base::wait_read,
                                                boost::asio::as_tuple(boost::asio::use_awaitable));
    if (error) co_return std::make_tuple(error, std::move(socket));
  }
}

}  // namespace gocker::engine
