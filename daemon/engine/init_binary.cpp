#include "engine/init_binary.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "base/strings.hpp"

namespace gocker::engine {

Status check_init_binary() {
  struct stat info {};
  if (::stat(kInitBinaryPath, &info) != 0 || !S_ISREG(info.st_mode) || ::access(kInitBinaryPath, X_OK) != 0)
    return Error::invalid(std::string("--init needs ") + kInitBinaryPath +
                          " (Debian package \"tini\"), which is not installed on the daemon's host");
  return ok();
}

}  // namespace gocker::engine
