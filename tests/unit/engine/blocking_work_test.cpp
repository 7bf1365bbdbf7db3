#include "engine/blocking_work.hpp"

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <stdexcept>
#include <thread>

using namespace gocker;
using namespace gocker::engine;

namespace {

struct NoDefault {
  explicit NoDefault(int v) : value(v) {}
  int value;
};

}  // namespace

TEST_CASE("run_blocking runs the work on the pool and resumes the caller on its own executor") {
  boost::asio::io_context io;
  boost::asio::thread_pool pool{2};
  std::thread::id loop_thread, work_thread, resumed_thread;
  std::optional<Result<NoDefault>> got;
  bool threw = false;

  boost::asio::co_spawn(
      io,
      [&]() -> Task<void> {
        loop_thread = std::this_thread::get_id();
        got.emplace(co_await run_blocking(pool, [&]() -> Result<NoDefault> {
          work_thread = std::this_thread::get_id();
          return NoDefault{42};
        }));
        resumed_thread = std::this_thread::get_id();
        try {
          (void)co_await run_blocking(pool, []() -> int { throw std::runtime_error("boom"); });
        } catch (const std::runtime_error&) {
          threw = true;
        }
      },
      boost::asio::detached);
  io.run();

  REQUIRE(got.has_value());
  REQUIRE(got->has_value());
  CHECK((*got)->value == 42);
  CHECK(work_thread != loop_thread);
  CHECK(resumed_thread == loop_thread);
  CHECK(threw);
}
