#include "server/idle_heap_trim.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>

using gocker::server::IdleHeapTrimmer;
using namespace std::chrono_literals;

namespace {

long resident_kb() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

}  // namespace

TEST_CASE("the idle heap trimmer waits for a quiet period after the last activity, and idles with nothing queued") {
  boost::asio::io_context io;
  IdleHeapTrimmer trimmer(io.get_executor(), 100ms);
  // Never asked: nothing is waiting, so run() has nothing to do.
  auto started = std::chrono::steady_clock::now();
  io.run();
  CHECK(std::chrono::steady_clock::now() - started < 50ms);

  io.restart();
  trimmer.note_activity();
  std::thread later([&trimmer] {
    std::this_thread::sleep_for(60ms);
    trimmer.note_activity();  // moves the quiet spell's end
  });
  started = std::chrono::steady_clock::now();
  io.run();
  later.join();
  CHECK(std::chrono::steady_clock::now() - started >= 160ms);
}

TEST_CASE("after a quiet period the pages a burst freed in another thread's arena go back to the kernel") {
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  // The checked build (cmake/Sanitize.cmake): ASan's allocator keeps freed memory in quarantine and
  // has no arenas for malloc_trim to give back.
  MESSAGE("checked build: the heap trim is measured in the normal build only");
  return;
#endif
#endif
  // 64 MB in small blocks, allocated and freed by a thread of its own (so in an arena of its own,
  // where glibc keeps freed pages), the last block kept so no heap top can shrink by itself.
  std::vector<std::unique_ptr<char[]>> kept;
  std::thread burst([&kept] {
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 64 * 256; ++i) {
      blocks.emplace_back(new char[4000]);
      std::fill_n(blocks.back().get(), 4000, 'x');
    }
    kept.push_back(std::move(blocks.back()));
    blocks.pop_back();
  });
  burst.join();
  const long before = resident_kb();

  boost::asio::io_context io;
  IdleHeapTrimmer trimmer(io.get_executor(), 20ms);
  trimmer.note_activity();
  io.run();
  const long after = resident_kb();
  INFO("resident before " << before << " kB, after " << after << " kB");
  CHECK(before - after > 32 * 1024);
}

TEST_CASE("the idle heap trimmer drops the caches first, once per quiet spell") {
  boost::asio::io_context io;
  int released = 0;
  IdleHeapTrimmer trimmer(io.get_executor(), 10ms, [&released] { ++released; });
  trimmer.note_activity();
  trimmer.note_activity();
  CHECK(released == 0);
  io.run();
  CHECK(released == 1);
  io.restart();
  trimmer.note_activity();
  io.run();
  CHECK(released == 2);
}
