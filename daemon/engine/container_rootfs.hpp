#pragma once
// The container's root filesystem: an overlay of the image's read-only layers with a per-container
// upper and work dir, mounted by the engine at <container dir>/rootfs (the bundle's root.path, as
// runc and crun expect of a bundle) and unmounted on removal.
#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.hpp"

namespace gocker::engine {

struct RootfsLayout {
  std::string container_dir;
  std::string rootfs() const { return container_dir + "/rootfs"; }
  std::string upper() const { return container_dir + "/upper"; }
  std::string work() const { return container_dir + "/work"; }
  // Mount points of the idmapped layer binds while the overlay is being mounted (remapped only).
  std::string idmapped_layers() const { return container_dir + "/lower"; }
};

// A remapped container's view of its layers: the user namespace that describes the remap (see
// idmapped_layers.hpp) and the host ids of the container's root, which own its upper dir.
struct RootfsRemap {
  int userns_fd = -1;  // -1: the layers given are shifted copies already (shifted_layers.hpp)
  uid_t root_uid = 0;
  gid_t root_gid = 0;
};

// The overlay mount data string; lower_dirs are top first. Pure, for unit tests.
std::string overlay_mount_options(const std::vector<std::string>& lower_dirs, const RootfsLayout& layout);

// Creates upper, work and rootfs dirs and mounts the overlay (no-op if already mounted there).
// With a remap the layers are idmapped and the upper dir belongs to the remapped root.
Status mount_container_rootfs(const std::vector<std::string>& lower_dirs, const RootfsLayout& layout,
                              const RootfsRemap* remap = nullptr);
// Unmounts the overlay if mounted; fine if it is not.
Status unmount_container_rootfs(const RootfsLayout& layout);
bool is_mount_point(const std::string& path);

}  // namespace gocker::engine
