#pragma once
// The container's root filesystem: an overlay of the image's read-only layers with a per-container
// upper and work dir, mounted by the engine at <container dir>/rootfs (the bundle's root.path, as
// runc and crun expect of a bundle) and unmounted on removal.
#include <string>
#include <vector>

#include "base/result.hpp"

namespace gocker::engine {

struct RootfsLayout {
  std::string container_dir;
  std::string rootfs() const { return container_dir + "/rootfs"; }
  std::string upper() const { return container_dir + "/upper"; }
  std::string work() const { return container_dir + "/work"; }
};

// The overlay mount data string; lower_dirs are top first. Pure, for unit tests.
std::string overlay_mount_options(const std::vector<std::string>& lower_dirs, const RootfsLayout& layout);

// Creates upper, work and rootfs dirs and mounts the overlay (no-op if already mounted there).
Status mount_container_rootfs(const std::vector<std::string>& lower_dirs, const RootfsLayout& layout);
// Unmounts the overlay if mounted; fine if it is not.
Status unmount_container_rootfs(const RootfsLayout& layout);
bool is_mount_point(const std::string& path);

}  // namespace gocker::engine
