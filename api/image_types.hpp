#pragma once
// Docker Engine API (v1.41) image wire types beyond the listing (api/system_types.hpp holds
// ImageSummary): GET /images/{name}/json. No I/O here.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/container_types.hpp"

namespace gocker::api {

// GET /images/{name}/json, in the shape `docker image inspect` and docker-py's Image model read.
struct ImageInspect {
  std::string id;                         // sha256:...
  std::vector<std::string> repo_tags;     // familiar form: "busybox:latest"
  std::vector<std::string> repo_digests;  // empty until images come from a registry
  std::string parent;
  std::string comment;
  std::string created;  // RFC 3339
  std::string docker_version;
  std::string author;
  ContainerConfig config;  // the image's defaults: Env, Cmd, Entrypoint, WorkingDir, User, Labels...
  std::string architecture;
  std::string os;
  int64_t size = 0;
  std::vector<std::string> layers;  // RootFS.Layers: the diff ids, bottom first
  std::string last_tag_time = "0001-01-01T00:00:00Z";
};

void to_json(nlohmann::json& j, const ImageInspect& value);
void from_json(const nlohmann::json& j, ImageInspect& value);

}  // namespace gocker::api
