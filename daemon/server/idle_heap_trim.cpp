#include "server/idle_heap_trim.hpp"

#include <malloc.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gocker::server {

namespace net = boost::asio;

int64_t IdleHeapTrimmer::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void IdleHeapTrimmer::note_activity() {
  last_activity_ns_.store(now_ns(), std::memory_order_relaxed);
  if (!waiting_.exchange(true)) net::co_spawn(executor_, trim_when_quiet(), net::detached);
}

engine::Task<void> IdleHeapTrimmer::trim_when_quiet() {
  const int64_t quiet_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(quiet_period_).count();
  net::steady_timer timer(executor_);
  for (;;) {
    const int64_t since = now_ns() - last_activity_ns_.load(std::memory_order_relaxed);
    if (since >= quiet_ns) break;
    timer.expires_after(std::chrono::nanoseconds(quiet_ns - since));
    auto [error] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (error) co_return;  // the io_context is stopping
  }
  if (release_caches_) release_caches_();
  ::malloc_trim(0);
  // Activity between the check and here started no waiter of its own; it is a moment old and the
  // trim just ran, so the next connection is soon enough to start one.
  waiting_.store(false);
}

}  // namespace gocker::server
