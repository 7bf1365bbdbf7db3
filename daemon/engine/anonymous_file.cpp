#include "engine/anonymous_file.hpp"

#include <fcntl.h>

#include <cerrno>

#include "base/strings.hpp"

namespace gocker::engine {

Result<UniqueFd> open_anonymous_file(const std::string& directory) {
  UniqueFd fd(::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd) return Error::from_errno(errno, "create a temporary file in " + quoted(directory));
  return fd;
}

std::string reopen_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace gocker::engine
