#pragma once
// The syscalls that carry out a mount plan inside the init's new mount namespace. One wrapper per
// kernel operation; each error names the source, target, type and flags involved.
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "runtime/mount_plan.hpp"

namespace gocker::runtime {

// mount --make-rprivate /: must run before any other mount in the new namespace. On a systemd host
// "/" is shared, so without this every mount below would propagate back into the host's namespace
// (and the final unmount of the old root would propagate too).
Status make_rprivate();
// Binds the rootfs onto itself so it is a mount point pivot_root(2) accepts.
Status bind_rootfs(const std::string& root);
// The bound rootfs as a directory fd. Opened before the init takes the container's root in a user
// namespace: that id may not search the directories above the rootfs (a 0700 bundle dir).
Result<UniqueFd> open_rootfs(const std::string& root);
// Opens the source of every bind in `plan` as an O_PATH fd (kept in the returned vector) and points
// the step at it. In a user namespace the init takes the container's root id before it mounts, and
// that id may not be allowed to search the way to a host directory (runc's mount fds, likewise).
Result<std::vector<UniqueFd>> pre_open_bind_sources(std::vector<MountStep>& plan);
// Applies the plan below the rootfs. Targets are resolved with openat2(RESOLVE_IN_ROOT), so symlinks in
// the image cannot redirect a mount outside the rootfs; missing targets are created (a directory,
// or an empty file for a bind mount of a file).
Status apply_mount_plan(const UniqueFd& root_fd, const std::vector<MountStep>& plan);
// pivot_root into the rootfs and detach the old root, so no path leads back to the host's tree.
Status pivot_into(const UniqueFd& root_fd);
Status remount_root_readonly();
// mount("", "/", propagation flags): the container root's propagation (linux.rootfsPropagation).
Status set_root_propagation(unsigned long propagation);

}  // namespace gocker::runtime
