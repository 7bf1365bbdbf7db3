#include "api/image_types.hpp"

#include "api/json_fields.hpp"

namespace gocker::api {

using nlohmann::json;

void to_json(json& j, const ImageInspect& v) {
  json config = v.config;
  // Fields of Docker's image config that gocker has no use for yet; present because clients index
  // them (docker-py's Image.labels reads Config.Labels, scripts read .Config.Volumes).
  config["Volumes"] = nullptr;
  config["OnBuild"] = nullptr;
  j = json{{"Id", v.id},
           {"RepoTags", v.repo_tags},
           {"RepoDigests", v.repo_digests},
           {"Parent", v.parent},
           {"Comment", v.comment},
           {"Created", v.created},
           {"Container", ""},
           {"DockerVersion", v.docker_version},
           {"Author", v.author},
           {"Config", std::move(config)},
           {"Architecture", v.architecture},
           {"Os", v.os},
           {"Size", v.size},
           {"VirtualSize", v.size},
           {"GraphDriver", json{{"Name", "overlay2"}, {"Data", json::object()}}},
           {"RootFS", json{{"Type", "layers"}, {"Layers", v.layers}}},
           {"Metadata", json{{"LastTagTime", v.last_tag_time}}}};
}

void from_json(const json& j, ImageInspect& v) {
  read_field(j, "Id", v.id);
  read_field(j, "RepoTags", v.repo_tags);
  read_field(j, "RepoDigests", v.repo_digests);
  read_field(j, "Parent", v.parent);
  read_field(j, "Comment", v.comment);
  read_field(j, "Created", v.created);
  read_field(j, "DockerVersion", v.docker_version);
  read_field(j, "Author", v.author);
  read_field(j, "Config", v.config);
  read_field(j, "Architecture", v.architecture);
  read_field(j, "Os", v.os);
  read_field(j, "Size", v.size);
  if (auto rootfs = j.find("RootFS"); rootfs != j.end() && rootfs->is_object()) read_field(*rootfs, "Layers", v.layers);
  if (auto metadata = j.find("Metadata"); metadata != j.end() && metadata->is_object())
    read_field(*metadata, "LastTagTime", v.last_tag_time);
}

}  // namespace gocker::api
