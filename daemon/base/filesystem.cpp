#include "base/filesystem.hpp"

#include <sys/stat.h>

#include "base/strings.hpp"

namespace gocker {

Status make_directory(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return ok();
  return Error::from_errno(errno, "mkdir " + quoted(path));
}

}  // namespace gocker
