#pragma once
// Hands the allocator's free pages back to the kernel once the daemon has gone quiet.
//
// Each io and blocking-pool thread allocates from a malloc arena of its own, and what a burst of
// requests frees stays in those arenas: glibc gives back only the top of each heap by itself. An
// idle daemon kept the high-water mark of its last burst, about 0.9 MB after 50 `run --rm`.
// malloc_trim(0) returns every free page of every arena. It runs once per quiet spell: a period
// after the last connection opened or closed. Nothing runs while the daemon is idle, and a busy
// daemon pays an atomic store per connection. Caches kept only for speed are dropped first
// (`release_caches`): the store's pages are long-lived blocks scattered over the heap the burst
// grew, and while they stay, the pages around them cannot be given back.
#include <atomic>
#include <chrono>
#include <functional>

#include <boost/asio/any_io_executor.hpp>

#include "engine/engine.hpp"

namespace gocker::server {

class IdleHeapTrimmer {
 public:
  IdleHeapTrimmer(boost::asio::any_io_executor executor, std::chrono::milliseconds quiet_period,
                  std::function<void()> release_caches = {})
      : executor_(std::move(executor)), quiet_period_(quiet_period), release_caches_(std::move(release_caches)) {}

  // A connection opened or closed; from any thread.
  void note_activity();

 private:
  engine::Task<void> trim_when_quiet();
  static int64_t now_ns();

  boost::asio::any_io_executor executor_;
  std::chrono::milliseconds quiet_period_;
  std::function<void()> release_caches_;
  std::atomic<int64_t> last_activity_ns_{0};
  std::atomic<bool> waiting_{false};
};

}  // namespace gocker::server
