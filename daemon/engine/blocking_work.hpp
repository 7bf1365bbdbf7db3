#pragma once
// Steps that block their thread for milliseconds (fork and exec of a monitor and its handshake,
// netlink, the go of a container) run on a small pool of their own: on an io thread each one
// would stall every other request that thread serves, and 50 containers started at once would
// queue behind each other on the daemon's few io threads.
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "engine/engine.hpp"

namespace gocker::engine {

namespace detail {
// co_spawn hands back a default-made value when the work throws, and Result<T> has none: the
// value travels in an optional.
template <typename Work>
Task<std::optional<std::invoke_result_t<Work&>>> call_blocking(Work& work) {
  co_return std::optional<std::invoke_result_t<Work&>>(work());
}
}  // namespace detail

// Runs `work` on `pool` and resumes the caller on its own executor with work's result. `work`
// may refer to the caller's locals: the caller is suspended until it is done.
template <typename Work>
Task<std::invoke_result_t<Work&>> run_blocking(boost::asio::thread_pool& pool, Work work) {
  auto result = co_await boost::asio::co_spawn(pool.get_executor(), detail::call_blocking(work), boost::asio::use_awaitable);
  co_return std::move(*result);
}

}  // namespace gocker::engine
