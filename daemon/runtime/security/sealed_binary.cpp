#include "runtime/security/sealed_binary.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strings.hpp"

namespace gocker::runtime {
namespace {

// F_SEAL_WRITE fails with EBUSY while any page of the file holds a reference beyond its mappings,
// and pages just written can sit, referenced, in another CPU's LRU batch the kernel only drains
// locally: a transient the kernel itself gives up on after a few rounds. The copy was never
// mapped and nobody else holds it, so F_SEAL_FUTURE_WRITE (no write(2), no new writable mapping,
// through any open of the file) protects it just as well and never waits on page references.
// Returns 0 or the errno of the seal that failed.
int seal_against_change(int fd) {
  constexpr int kFixedSize = F_SEAL_SHRINK | F_SEAL_GROW;
  if (::fcntl(fd, F_ADD_SEALS, kFixedSize | F_SEAL_WRITE) != 0) {
    if (errno != EBUSY) return errno;
    if (::fcntl(fd, F_ADD_SEALS, kFixedSize | F_SEAL_FUTURE_WRITE) != 0) return errno;
  }
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL) != 0) return errno;
  return 0;
}

}  // namespace

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
  if (int failed = seal_against_change(copy.get()); failed != 0) return Error::from_errno(failed, what + ": seal");
  return SealedBinary(std::move(copy));
}

std::string SealedBinary::exec_path() const {
  return "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fd_.get());
}

}  // namespace gocker::runtime
