// Chooses the cgroup driver from the filesystem mounted at the root.
//
// statfs(2) of the root tells the layouts apart: the unified hierarchy is a cgroup2 mount there,
// while v1 (and the "hybrid" layout, which adds a cgroup2 mount at <root>/unified for systemd but
// keeps every resource controller on v1) mounts a tmpfs there with one directory per hierarchy.
// /proc/self/cgroup is not used: on a hybrid host it lists both a "0::" v2 line and v1 lines, and
// it describes the caller's cgroups, not the host's layout.
#include <linux/magic.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstdio>

#include "base/strings.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"

namespace gocker::runtime {

Result<std::unique_ptr<CgroupDriver>> detect_cgroup_driver(const std::string& root) {
  const std::string what = "detect cgroup layout at " + gocker::quoted(root);
  struct statfs info {};
  while (::statfs(root.c_str(), &info) != 0) {
    if (errno != EINTR) return Error::from_errno(errno, what + ": statfs");
  }
  if (static_cast<unsigned long>(info.f_type) == CGROUP2_SUPER_MAGIC) return make_cgroup_v2_driver(root);
  if (static_cast<unsigned long>(info.f_type) == TMPFS_MAGIC) {
    std::unique_ptr<CgroupDriver> driver = make_cgroup_v1_driver(root);
    // A tmpfs with none of the controller directories is not a cgroup root at all.
    if (driver->paths("probe").empty()) {
      return Error::unavailable(what + ": a tmpfs without cgroup v1 controller directories (memory, cpu, ...)");
    }
    return driver;
  }
  char magic[32];
  std::snprintf(magic, sizeof magic, "0x%lx", static_cast<unsigned long>(info.f_type));
  return Error::unavailable(what + ": neither cgroup2 nor a tmpfs holding cgroup v1 hierarchies (filesystem magic " +
                            magic + ")");
}

}  // namespace gocker::runtime
