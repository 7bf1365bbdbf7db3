#pragma once
// Layers for remapped containers where idmapped mounts cannot serve (kernels before 5.19 refuse
// idmapped overlay lower layers, some filesystems refuse idmapping at all): a copy of each layer
// whose owners are shifted into the remap's host ranges, made once per layer and remap and shared
// by every container with that remap (as dockerd's <root>/<uid>.<gid>/ trees).
#include <string>

#include "base/result.hpp"
#include "engine/userns_remap.hpp"

namespace gocker::engine {

// Copies the tree at `source` to `target` (which must not exist) keeping types, modes, times,
// hard links, extended attributes (overlay whiteout and opaque markers included) and device
// numbers, with every owner mapped through the remap (ids it does not map become 65534, as the
// kernel shows them).
Status copy_tree_shifted(const std::string& source, const std::string& target, const IdRemap& remap);

// The directory under `copies_root` that holds one remap's shifted layers: "<uid>.<gid>-<hash of
// all ranges>", so remaps that share a root but not their ranges never share copies.
std::string shifted_layers_dir(const std::string& copies_root, const IdRemap& remap);

// The shifted copy of `layer` in `dir` (named as the layer's directory), made if missing. The copy
// is built under a temporary name and renamed into place, so a crash never leaves half a layer
// that looks whole; a leftover temporary copy is removed first. Callers serialise calls per dir.
Result<std::string> ensure_shifted_layer(const std::string& layer, const std::string& dir, const IdRemap& remap);

}  // namespace gocker::engine
