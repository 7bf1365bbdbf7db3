// The small syscall wrappers both cgroup drivers apply their plans with.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"
#include "runtime/cgroups/cgroup_plan.hpp"

namespace gocker::runtime {

namespace {

// Callers build the message (they know whether it was a read or a write of which value).
Result<UniqueFd> open_retrying(const std::string& path, int flags) {
  while (true) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd >= 0) return UniqueFd{fd};
    if (errno != EINTR) return Error::from_errno(errno, "open " + gocker::quoted(path));
  }
}

}  // namespace

Status write_cgroup_file(const std::string& path, std::string_view value) {
  const std::string what = "write " + gocker::quoted(value) + " to " + gocker::quoted(path);
  // O_TRUNC without O_CREAT: cgroupfs ignores the truncation, a plain file (test fixture) needs it,
  // and creating a file that the kernel did not make would hide a missing controller.
  auto file = open_retrying(path, O_WRONLY | O_TRUNC);
  if (!file) return Error::from_errno(file.error().sys_errno, what);
  // cgroupfs parses each write(2) as one complete value, so the value goes out in one call; the
  // loop only covers EINTR and the short writes a plain file may do.
  size_t written = 0;
  while (written < value.size()) {
    ssize_t n = ::write(file->get(), value.data() + written, value.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, what);
    }
    written += static_cast<size_t>(n);
  }
  return ok();
}

Result<std::string> read_cgroup_file(const std::string& path) {
  auto file = open_retrying(path, O_RDONLY);
  if (!file) return Error::from_errno(file.error().sys_errno, "read " + gocker::quoted(path));
  std::string content;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(file->get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, "read " + gocker::quoted(path));
    }
    if (n == 0) return content;
    content.append(buffer, static_cast<size_t>(n));
  }
}

Result<uint64_t> parse_keyed_value(std::string_view content, std::string_view key) {
  for (const std::string& line : split(content, '\n')) {
    std::string_view view = line;
    if (view.size() <= key.size() || view.substr(0, key.size()) != key || view[key.size()] != ' ') continue;
    std::string number = trim(view.substr(key.size() + 1));
    uint64_t value = 0;
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (error != std::errc{} || end != number.data() + number.size() || number.empty()) {
      return Error::invalid("bad value " + gocker::quoted(number) + " for key " + gocker::quoted(key));
    }
    return value;
  }
  return Error::not_found("no key " + gocker::quoted(key));
}

Result<std::vector<std::string>> split_cgroup_path(std::string_view relative_path) {
  std::vector<std::string> components;
  for (std::string& part : split(relative_path, '/')) {
    if (part.empty()) continue;  // leading, trailing and doubled slashes
    if (part == "." || part == "..") {
      return Error::invalid("cgroup path " + gocker::quoted(relative_path) + " must not contain \".\" or \"..\"");
    }
    components.push_back(std::move(part));
  }
  if (components.empty()) return Error::invalid("cgroup path " + gocker::quoted(relative_path) + " is empty");
  return components;
}

Result<bool> make_cgroup_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0) return true;
  if (errno == EEXIST) return false;
  return Error::from_errno(errno, "mkdir " + gocker::quoted(path));
}

Status remove_cgroup_dir(const std::string& path) {
  // rmdir(2) is not restarted by signals on cgroupfs in practice, but EINTR is cheap to honour.
  while (::rmdir(path.c_str()) != 0) {
    if (errno == EINTR) continue;
    if (errno == ENOENT) return ok();
    if (errno == EBUSY) {
      return Error::from_errno(errno, "remove cgroup " + gocker::quoted(path) + " (processes or child cgroups remain)");
    }
    return Error::from_errno(errno, "remove cgroup " + gocker::quoted(path));
  }
  return ok();
}

Status remove_cgroup_paths(const std::vector<std::string>& paths) {
  // Deepest first, so a recorded parent comes after its children. Every path is tried even if one
  // fails, so a single busy hierarchy does not leak the others; the first error is returned.
  std::vector<std::string> ordered = paths;
  std::stable_sort(ordered.begin(), ordered.end(), [](const std::string& a, const std::string& b) {
    return std::count(a.begin(), a.end(), '/') > std::count(b.begin(), b.end(), '/');
  });
  Status first_error;
  for (const std::string& path : ordered) {
    Status removed = remove_cgroup_dir(path);
    if (!removed && first_error) first_error = std::move(removed);
  }
  return first_error;
}

}  // namespace gocker::runtime
