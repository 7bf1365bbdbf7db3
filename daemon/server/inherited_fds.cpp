#include "server/inherited_fds.hpp"

#include <linux/close_range.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace gocker::server {

namespace {

// sd_listen_fds(3)'s count, read without libsystemd: LISTEN_FDS, if LISTEN_PID names this process.
unsigned passed_listen_fds() {
  const char* pid = ::getenv("LISTEN_PID");
  const char* count = ::getenv("LISTEN_FDS");
  if (!pid || !count) return 0;
  try {
    if (std::stol(pid) != static_cast<long>(::getpid())) return 0;
    const long fds = std::stol(count);
    return fds > 0 ? static_cast<unsigned>(fds) : 0;
  } catch (const std::exception&) {
    return 0;  // malformed: sd_listen_fds refuses it later, with its own error
  }
}

}  // namespace

void mark_inherited_fds_close_on_exec() {
  constexpr unsigned kFirstListenFd = 3;  // SD_LISTEN_FDS_START
  ::close_range(kFirstListenFd + passed_listen_fds(), ~0U, CLOSE_RANGE_CLOEXEC);
}

}  // namespace gocker::server
