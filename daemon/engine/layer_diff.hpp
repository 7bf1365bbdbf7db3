#pragma once
// The tar of a container's changes: its overlay upper dir written as an image layer (what commit
// stores). Files, directories, links, fifos and devices go in as they are, sockets are left out;
// overlay's own forms become the image spec's (engine/whiteout.hpp): a 0/0 character device is
// written as ".wh.<name>", an opaque directory is followed by its ".wh..wh..opq" entry, and
// trusted.overlay.* xattrs are left out.
//
// The upper dir may belong to a running container (commit pauses it by default, but need not):
// the walk never follows a symlink, and file contents are opened with openat2(RESOLVE_IN_ROOT)
// below the upper dir, so a path the container swaps for a link still cannot read a host file.
// A file that changed size since its header was written is cut or zero-padded to that size.
#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "engine/userns_remap.hpp"

namespace gocker::engine {

struct LayerDiffStats {
  int64_t entries = 0;
  int64_t whiteouts = 0;
};

// Writes the pax tar of `upper_dir` (entry names relative to it, the top itself left out) to
// `out_fd`. Entry names are in directory-walk order. With `remap` (a remapped container's upper
// dir), owners are written as the container sees them, so the layer means the same anywhere.
Result<LayerDiffStats> write_layer_diff(const std::string& upper_dir, int out_fd, const IdRemap* remap = nullptr);

}  // namespace gocker::engine
