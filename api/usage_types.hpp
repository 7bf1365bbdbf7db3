#pragma once
// Docker Engine API (v1.41) wire types of the prune routes and GET /system/df. No I/O here.
//
// The prune reports list what went as dockerd does: a list that stayed empty is JSON null (Go's
// nil slice), which the docker CLI and docker-py both read as "nothing deleted".
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/container_types.hpp"
#include "api/image_edit_types.hpp"
#include "api/system_types.hpp"
#include "api/volume_types.hpp"

namespace gocker::api {

// POST /images/prune: the untag and delete items of every pruned image, in rmi's order.
struct ImagePruneResponse {
  std::vector<ImageDeleteItem> images_deleted;
  uint64_t space_reclaimed = 0;  // bytes of the layers deleted
};
void to_json(nlohmann::json& j, const ImagePruneResponse& value);

// POST /containers/prune: the full ids of the removed containers.
struct ContainerPruneResponse {
  std::vector<std::string> containers_deleted;
  uint64_t space_reclaimed = 0;  // bytes of their writable layers
};
void to_json(nlohmann::json& j, const ContainerPruneResponse& value);

// GET /system/df. Each row is the resource's usual listing with the sizes df adds.
struct ImageUsage {
  ImageSummary summary;     // with `containers` counted (list_images leaves -1)
  int64_t shared_size = 0;  // bytes of its layers that other images use too
};
struct ContainerUsage {
  ContainerSummary summary;
  int64_t size_rw = 0;       // bytes written by the container (its upper dir)
  int64_t size_root_fs = 0;  // size_rw plus the image's size
};
struct VolumeUsage {
  Volume volume;  // with ref_count set
  int64_t size = 0;
};
struct DiskUsage {
  int64_t layers_size = 0;  // every stored layer once
  std::vector<ImageUsage> images;
  std::vector<ContainerUsage> containers;
  std::vector<VolumeUsage> volumes;
  // BuildCache is always [] (gocker has no builder).
};
void to_json(nlohmann::json& j, const ImageUsage& value);
void to_json(nlohmann::json& j, const ContainerUsage& value);
void to_json(nlohmann::json& j, const VolumeUsage& value);
void to_json(nlohmann::json& j, const DiskUsage& value);

}  // namespace gocker::api
