#pragma once
// Image configs made by gocker itself (commit and import), and the history view of any config.
//
// An image config (OCI image spec, "Image JSON"; Docker adds a few top-level fields):
//   {"architecture", "os", "created", "author", "comment", "container",
//    "config": {Env, Cmd, Entrypoint, WorkingDir, User, Labels, ExposedPorts, Volumes, StopSignal...},
//    "rootfs": {"type": "layers", "diff_ids": [bottom .. top]},
//    "history": [{"created", "created_by", "author", "comment", "empty_layer"}, oldest first]}
// Each history entry without "empty_layer": true stands for the next diff id, in order.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/container_types.hpp"
#include "api/image_edit_types.hpp"

namespace gocker::engine {

struct NewLayerInfo {
  std::string diff_id;
  std::string created;     // RFC 3339
  std::string created_by;  // the history's "created_by"
  std::string author;
  std::string comment;
  std::string container_id;  // commit only
  // A commit without changes adds no layer, only a history entry marked "empty_layer" (dockerd's
  // rule); diff_id is then unused.
  bool empty_layer = false;
};

// The runtime defaults a committed image keeps: the parent image's "config" with the container's
// own settings (which already hold the image's, merged at create) over it, as dockerd's commit.
nlohmann::json committed_defaults(const nlohmann::json& parent_defaults, const api::ContainerConfig& container);

// The config of an image one layer above `parent` (an image config; null or {} for an import,
// which starts from nothing): the parent's diff ids and history, then the new layer and its entry.
nlohmann::json derive_image_config(const nlohmann::json& parent, nlohmann::json defaults, const NewLayerInfo& layer);

// GET /images/{name}/history rows, newest first. `layer_sizes` are the image's layers bottom first
// (a size per diff id); `tags` the image's tags in familiar form.
std::vector<api::ImageHistoryItem> image_history(const nlohmann::json& config, const std::string& image_id,
                                                 const std::vector<std::string>& tags,
                                                 const std::vector<int64_t>& layer_sizes);

// The GOARCH name of the host ("amd64"), as image configs spell it.
const char* image_architecture();

}  // namespace gocker::engine
