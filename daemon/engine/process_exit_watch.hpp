#pragma once
// Waiting for a process to end through its pidfd on the io_context: a pidfd is readable once the
// process has exited. The readiness is confirmed with a zero-timeout poll before `on_exit` runs,
// because a reactor wait completes on any readiness report for the descriptor, and acting on a
// spurious one would treat a live monitor as dead (kill its container, lose its exit status).
#include <poll.h>

#include <boost/asio/error.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace gocker::engine {

inline bool pidfd_reports_exit(int pidfd) {
  pollfd entry{pidfd, POLLIN, 0};
  return ::poll(&entry, 1, 0) > 0 && (entry.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

// `watched` wraps the pidfd and must outlive the wait; destroying it cancels the wait silently.
template <typename OnExit>
void wait_for_process_exit(boost::asio::posix::stream_descriptor& watched, OnExit on_exit) {
  watched.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [&watched, on_exit = std::move(on_exit)](boost::system::error_code error) mutable {
                       if (error == boost::asio::error::operation_aborted) return;
                       if (!error && !pidfd_reports_exit(watched.native_handle())) {
                         wait_for_process_exit(watched, std::move(on_exit));
                         return;
                       }
                       on_exit();
                     });
}

}  // namespace gocker::engine
