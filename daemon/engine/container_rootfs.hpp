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

// Whether the overlay passes syncs on to the filesystem under --root.
//
// Unmounting an overlay syncs its upper filesystem: syncfs(2) of the whole filesystem holding
// --root, all of its dirty data and not only the container's. Measured on the 2-core VM: 4-41 ms
// per umount, more while anything else writes. `volatile` (Linux 5.10, overlayfs.rst "Volatile
// mount") drops every sync of the upper dir, the umount's and the container's own fsync(2) too,
// so a crash may lose or tear what the container wrote. That costs nothing for a container
// removed when it exits (--rm, AutoRemove): its upper dir is thrown away anyway. Podman mounts
// its --rm containers so as well.
enum class UpperSync { Synced, Volatile };

// The overlay mount data string; lower_dirs are top first. Pure, for unit tests.
std::string overlay_mount_options(const std::vector<std::string>& lower_dirs, const RootfsLayout& layout,
                                  UpperSync sync = UpperSync::Synced);

// Creates upper, work and rootfs dirs and mounts the overlay (no-op if already mounted there). A
// kernel without `volatile` gets a synced mount instead. With a remap the upper dir belongs to the
// remapped root, and the layers are idmapped unless they are shifted copies.
Status mount_container_rootfs(const std::vector<std::string>& lower_dirs, const RootfsLayout& layout,
                              UpperSync sync = UpperSync::Synced, const RootfsRemap* remap = nullptr);
// Unmounts the overlay if mounted; fine if it is not.
Status unmount_container_rootfs(const RootfsLayout& layout);
bool is_mount_point(const std::string& path);

}  // namespace gocker::engine
