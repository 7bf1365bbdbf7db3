#pragma once
// The one tree copier of the engine: a volume's copy-up of the image's content, and the shifted
// copies of image layers for remapped containers where idmapped mounts cannot serve.
#include "base/result.hpp"
#include "engine/userns_remap.hpp"

namespace gocker::engine {

// Copies everything under the directory `source_dir` into the empty directory `target_dir`, then
// gives target_dir the source's owner, mode, times and extended attributes. Keeps types, modes,
// times, hard links, extended attributes (overlay whiteout and opaque markers included) and device
// numbers, and never follows a symlink. Owners are kept, or with `shift` mapped through a remap
// (ids it does not map become 65534, as the kernel shows them).
Status copy_tree(int source_dir, int target_dir, const IdRemap* shift = nullptr);

}  // namespace gocker::engine
