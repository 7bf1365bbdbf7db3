#pragma once
// Disk usage of a directory tree, as dockerd's directory.Size reports it for a container's
// writable layer (SizeRw) and a volume (UsageData.Size): the apparent sizes of the regular files
// under it, a hard-linked inode counted once, symlinks not followed, other file systems not
// entered (a volume directory must not count what a container mounted over part of it).
#include <cstdint>
#include <string>

namespace gocker::engine {

// 0 for a missing directory; unreadable parts are skipped (the answer is a report, not a check).
int64_t directory_size(const std::string& path);

}  // namespace gocker::engine
