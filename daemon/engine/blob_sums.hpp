#pragma once
// Which registry blobs hold a layer: the compressed digests a layer's diff id was pulled from or
// pushed as, and the repository each was seen in, so a push can ask the registry for those (HEAD)
// or mount one from another repository of the same registry instead of uploading the layer again
// (dockerd keeps the same in its distribution metadata).
//
//   <root>/distribution/<hex of diff id>.json
//       [{"digest", "mediaType", "size", "registry", "repository"}, ...]
//
// ("registry": "127.0.0.1:5000", "repository": "me/app"; entries written before gocker recorded
// them have neither.)
// A cache: a lost or stale entry costs an upload, never correctness, since the registry is asked
// for each digest and the manifest names only blobs it confirmed. Writes are temp file + rename.
#include <string>
#include <vector>

#include "engine/registry_distribution.hpp"

namespace gocker::engine {

struct KnownLayerBlob {
  BlobDescriptor blob;
  std::string registry;    // empty when not recorded
  std::string repository;  // empty when not recorded
};

// The blobs recorded for `diff_id`, most recent first; empty when none (or unreadable).
std::vector<KnownLayerBlob> known_layer_blobs(const std::string& root, const std::string& diff_id);

// Records `blob`, seen in `repository` of `registry`, for `diff_id` (kept to the few most recent
// digest and repository pairs). Failures are logged, not returned.
void remember_layer_blob(const std::string& root, const std::string& diff_id, const BlobDescriptor& blob,
                         const std::string& registry, const std::string& repository);

}  // namespace gocker::engine
