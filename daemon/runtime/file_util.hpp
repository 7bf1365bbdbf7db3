#pragma once
// Small file helpers shared by the monitor and the engine-side readers of its state files.
#include <cerrno>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace gocker::runtime {

// Retries a syscall-like call while it fails with EINTR.
template <typename F>
auto retry_eintr(F call) {
  decltype(call()) result;
  do {
    result = call();
  } while (result == -1 && errno == EINTR);
  return result;
}

// Writes all of `data`, retrying short writes and EINTR.
Status write_all(int fd, std::string_view data, const std::string& what);
Result<std::string> read_file(const std::string& path);
// Writes `path.tmp` then renames it over `path`: readers see the old file or the whole new one.
Status write_file_atomically(const std::string& path, std::string_view data);

// "2024-05-01T12:00:00.123456789Z" with trailing zeros of the fraction trimmed, exactly as Go's
// time.RFC3339Nano (what Docker writes in json-file logs and State.FinishedAt).
std::string format_rfc3339_nano(int64_t seconds, long nanoseconds);
std::string now_rfc3339_nano();

}  // namespace gocker::runtime
