#include "runtime/file_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"

namespace gocker::runtime {

Status write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t written = retry_eintr([&] { return ::write(fd, data.data(), data.size()); });
    if (written < 0) return Error::from_errno(errno, what);
    data.remove_prefix(static_cast<size_t>(written));
  }
  return ok();
}

Result<std::string> read_file(const std::string& path) {
  UniqueFd fd{retry_eintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); })};
  if (!fd) return Error::from_errno(errno, "open " + gocker::quoted(path));
  std::string content;
  char buffer[16384];
  while (true) {
    ssize_t count = retry_eintr([&] { return ::read(fd.get(), buffer, sizeof buffer); });
    if (count < 0) return Error::from_errno(errno, "read " + gocker::quoted(path));
    if (count == 0) return content;
    content.append(buffer, static_cast<size_t>(count));
  }
}

Status write_file_atomically(const std::string& path, std::string_view data) {
  std::string temporary = path + ".tmp";
  UniqueFd fd{retry_eintr([&] {
    return ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  })};
  if (!fd) return Error::from_errno(errno, "create " + gocker::quoted(temporary));
  if (auto written = write_all(fd.get(), data, "write " + gocker::quoted(temporary)); !written) {
    ::unlink(temporary.c_str());
    return written;
  }
  fd.reset();
  // No fsync: these files describe a running system, and after a host crash the containers are
  // gone anyway. rename() still guarantees readers never see a half-written file.
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(temporary.c_str());
    return Error::from_errno(saved, "rename " + gocker::quoted(temporary) + " to " + gocker::quoted(path));
  }
  return ok();
}

std::string format_rfc3339_nano(int64_t seconds, long nanoseconds) {
  time_t as_time = static_cast<time_t>(seconds);
  struct tm utc {};
  ::gmtime_r(&as_time, &utc);
  char buffer[64];
  int length = std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d", utc.tm_year + 1900,
                             utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
  std::string out(buffer, static_cast<size_t>(length));
  if (nanoseconds > 0) {
    char fraction[32];
    std::snprintf(fraction, sizeof fraction, ".%09ld", nanoseconds);
    std::string_view digits = fraction;
    while (digits.back() == '0') digits.remove_suffix(1);
    out.append(digits);
  }
  out.push_back('Z');
  return out;
}

std::string now_rfc3339_nano() {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return format_rfc3339_nano(now.tv_sec, now.tv_nsec);
}

}  // namespace gocker::runtime
