#include "api/usage_types.hpp"

namespace gocker::api {

using nlohmann::json;

namespace {

// A Go nil slice: null when empty.
template <typename T>
json list_or_null(const std::vector<T>& items) {
  return items.empty() ? json(nullptr) : json(items);
}

}  // namespace

void to_json(json& j, const ImagePruneResponse& v) {
  j = json{{"ImagesDeleted", list_or_null(v.images_deleted)}, {"SpaceReclaimed", v.space_reclaimed}};
}

void to_json(json& j, const ContainerPruneResponse& v) {
  j = json{{"ContainersDeleted", list_or_null(v.containers_deleted)}, {"SpaceReclaimed", v.space_reclaimed}};
}

void to_json(json& j, const ImageUsage& v) {
  j = v.summary;
  j["SharedSize"] = v.shared_size;
}

void to_json(json& j, const ContainerUsage& v) {
  j = v.summary;
  j["SizeRw"] = v.size_rw;
  j["SizeRootFs"] = v.size_root_fs;
}

void to_json(json& j, const VolumeUsage& v) {
  j = v.volume;
  j["UsageData"] = json{{"Size", v.size}, {"RefCount", v.volume.ref_count.value_or(0)}};
}

void to_json(json& j, const DiskUsage& v) {
  j = json{{"LayersSize", v.layers_size},
           {"Images", v.images},
           {"Containers", v.containers},
           {"Volumes", v.volumes},
           {"BuildCache", json::array()}};
}

}  // namespace gocker::api
