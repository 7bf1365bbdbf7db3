#include "runtime/security/sealed_binary.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strings.hpp"

namespace gocker::runtime {

Result<SealedBinary> SealedBinary::copy_of(const std::string& path) {
  const std::string what = "make a sealed copy of " + quoted(path);
  UniqueFd source{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!source) return Error::from_errno(errno, what + ": open");
  struct stat info {};
  if (::fstat(source.get(), &info) != 0) return Error::from_errno(errno, what + ": stat");
  UniqueFd copy{::memfd_create("gocker-monitor", MFD_CLOEXEC | MFD_ALLOW_SEALING)};
  if (!copy) return Error::from_errno(errno, what + ": memfd_create");
  off_t offset = 0;
  while (offset < info.st_size) {
    ssize_t sent = ::sendfile(copy.get(), source.get(), &offset, static_cast<size_t>(info.st_size - offset));
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return Error::from_errno(sent < 0 ? errno : EIO, what + ": copy");
  }
  if (::fchmod(copy.get(), 0555) != 0) return Error::from_errno(errno, what + ": chmod");
  if (::fcntl(copy.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW) != 0) {
    return Error::from_errno(errno, what + ": seal");
  }
  return SealedBinary(std::move(copy));
}

std::string SealedBinary::exec_path() const { return "/proc/self/fd/" + std::to_string(fd_.get()); }

}  // namespace gocker::runtime
