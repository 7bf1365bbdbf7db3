#include "runtime/file_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
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

std::string format_rfc3339_nano(int64_t unix_seconds, long nanoseconds) {
  // Calendar arithmetic, not gmtime_r: glibc's first gmtime_r loads /etc/localtime (tzset), a file
  // read in every monitor's first log line or exit.
  using namespace std::chrono;
  const sys_seconds at{seconds{unix_seconds}};
  const auto day = floor<days>(at);
  const year_month_day date{day};
  const hh_mm_ss time{at - day};
  char buffer[64];
  int length = std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(date.year()),
                             static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                             static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                             static_cast<int>(time.seconds().count()));
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
