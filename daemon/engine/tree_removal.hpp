#pragma once
// Deleting a directory tree without leaving the mount it starts on.
//
// A container's directory can hold a mount nobody expected there (left by a crash, or made by
// hand). std::filesystem::remove_all descends into it and deletes what it shows (a bind mount's
// host files) before failing on the mount point. These walks compare each entry's mount id with
// the top's and never go below an entry that is on another mount.
#include <optional>
#include <string>

#include "base/result.hpp"

namespace gocker::engine {

// The first entry below `path` that is on another mount (a mount point), or nullopt. Deletes
// nothing: a removal that would fail on it can be refused before anything is gone.
Result<std::optional<std::string>> find_mount_below(const std::string& path);

// Deletes `path` and everything below it that is on its mount. A mount point met on the way is
// left in place (with the directories above it) and named in the error. A missing `path` is fine.
Status remove_tree_on_one_mount(const std::string& path);

}  // namespace gocker::engine
