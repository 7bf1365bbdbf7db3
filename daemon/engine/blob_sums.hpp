#pragma once
// Which registry blobs hold a layer: the compressed digests a layer's diff id was pulled from or
// pushed as, so a push can ask the registry for those (HEAD) instead of uploading the layer again
// (dockerd keeps the same in its distribution metadata).
//
//   <root>/distribution/<hex of diff id>.json   [{"digest", "mediaType", "size"}, ...]
//
// A cache: a lost or stale entry costs an upload, never correctness, since the registry is asked
// for each digest and the manifest names only blobs it confirmed. Writes are temp file + rename.
#include <string>
#include <vector>

#include "engine/registry_distribution.hpp"

namespace gocker::engine {

// The blobs recorded for `diff_id`, most recent first; empty when none (or unreadable).
std::vector<BlobDescriptor> known_layer_blobs(const std::string& root, const std::string& diff_id);

// Records `blob` for `diff_id` (kept to the few most recent). Failures are logged, not returned.
void remember_layer_blob(const std::string& root, const std::string& diff_id, const BlobDescriptor& blob);

}  // namespace gocker::engine
