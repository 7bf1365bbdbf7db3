#pragma once
// The syscalls that carry out a mount plan inside the init's new mount namespace. One wrapper per
// kernel operation; each error names the source, target, type and flags involved.
#include <string>
#include <vector>

#include "base/result.hpp"
#include "runtime/mount_plan.hpp"

namespace gocker::runtime {

// mount --make-rprivate /: must run before any other mount in the new namespace. On a systemd host
// "/" is shared, so without this every mount below would propagate back into the host's namespace
// (and the final unmount of the old root would propagate too).
Status make_rprivate();
// Binds the rootfs onto itself so it is a mount point pivot_root(2) accepts.
Status bind_rootfs(const std::string& root);
// Applies the plan below `root`. Targets are resolved with openat2(RESOLVE_IN_ROOT), so symlinks in
// the image cannot redirect a mount outside the rootfs; missing targets are created (a directory,
// or an empty file for a bind mount of a file).
Status apply_mount_plan(const std::string& root, const std::vector<MountStep>& plan);
// pivot_root into `root` and detach the old root, so no path leads back to the host's tree.
Status pivot_into(const std::string& root);
Status remount_root_readonly();
// mount("", "/", propagation flags): the container root's propagation (linux.rootfsPropagation).
Status set_root_propagation(unsigned long propagation);

}  // namespace gocker::runtime
