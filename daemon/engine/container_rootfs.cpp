#include "engine/container_rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "base/filesystem.hpp"
#include "base/strings.hpp"
#include "engine/idmapped_layers.hpp"

namespace gocker::engine {
std::string overlay_mount_options(const std::vector<std::string>& lower_dirs, const RootfsLayout& layout,
                                  UpperSync sync) {
  std::string options = "lowerdir=";
  for (size_t i = 0; i < lower_dirs.size(); ++i) {
    if (i) options += ':';
    options += lower_dirs[i];
  }
  options += ",upperdir=" + layout.upper() + ",workdir=" + layout.work();
  if (sync == UpperSync::Volatile) options += ",volatile";
  return options;
}

bool is_mount_point(const std::string& path) {
  struct statx info {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &info) != 0) return false;
  return (info.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (info.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

Status mount_container_rootfs(const std::vector<std::string>& lower_dirs, const RootfsLayout& layout,
                              UpperSync sync, const RootfsRemap* remap) {
  if (lower_dirs.empty()) return Error::invalid("mount rootfs: the image has no layers");
  GOCKER_TRY(make_directory(layout.upper(), 0755));
  GOCKER_TRY(make_directory(layout.work(), 0700));
  GOCKER_TRY(make_directory(layout.rootfs(), 0755));
  if (is_mount_point(layout.rootfs())) return ok();
  std::optional<IdmappedLayerBinds> idmapped;
  if (remap) {
    // The overlay's root directory is the upper dir's: it must be the container root's own.
    if (::chown(layout.upper().c_str(), remap->root_uid, remap->root_gid) != 0)
      return Error::from_errno(errno, "chown " + quoted(layout.upper()) + " to the remapped root");
    if (remap->userns_fd >= 0) {
      auto binds = IdmappedLayerBinds::create(lower_dirs, remap->userns_fd, layout.idmapped_layers());
      if (!binds) return std::move(binds).error();
      idmapped.emplace(std::move(binds).value());
    }
  }
  const std::vector<std::string>& lowers = idmapped ? idmapped->paths() : lower_dirs;
  if (sync == UpperSync::Volatile) {
    // A volatile mount leaves work/incompat/volatile behind, and overlay refuses to mount over it
    // again (the upper dir may be torn by a crash). A disposable container's upper dir may be, so
    // its remount after a reboot goes ahead.
    if (::rmdir((layout.work() + "/work/incompat/volatile").c_str()) != 0 && errno != ENOENT)
      return Error::from_errno(errno, "mount overlay on " + quoted(layout.rootfs()) + ": remove " +
                                          quoted(layout.work() + "/work/incompat/volatile"));
    const std::string options = overlay_mount_options(lowers, layout, UpperSync::Volatile);
    if (options.size() < 4096 && ::mount("overlay", layout.rootfs().c_str(), "overlay", 0, options.c_str()) == 0)
      return ok();
    // EINVAL: a kernel before 5.10; the synced mount below reports any other cause.
  }
  const std::string options = overlay_mount_options(lowers, layout);
  // Overlay's mount data is limited to one page; deep layer stacks need shorter paths (images issue).
  if (options.size() >= 4096) return Error::invalid("mount overlay on " + quoted(layout.rootfs()) + ": too many layers");
  if (::mount("overlay", layout.rootfs().c_str(), "overlay", 0, options.c_str()) != 0)
    return Error::from_errno(errno, "mount overlay on " + quoted(layout.rootfs()) + " (" + options + ")");
  return ok();
}

Status unmount_container_rootfs(const RootfsLayout& layout) {
  if (!is_mount_point(layout.rootfs())) return ok();
  if (::umount2(layout.rootfs().c_str(), 0) == 0) return ok();
  // A process still holding a file open there must not make rm fail: detach, the kernel frees it
  // once the last user is gone.
  if (errno == EBUSY && ::umount2(layout.rootfs().c_str(), MNT_DETACH) == 0) return ok();
  return Error::from_errno(errno, "unmount " + quoted(layout.rootfs()));
}

}  // namespace gocker::engine
