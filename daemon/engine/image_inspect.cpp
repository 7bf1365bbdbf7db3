// GET /images/{name}/json: the stored OCI image config, in Docker's inspect shape.
#include <nlohmann/json.hpp>

#include "engine/engine_impl.hpp"
#include "engine/reference.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {
namespace {

// The OCI config's "config" object (Docker's container-config subset) as api::ContainerConfig.
// Unknown or mistyped fields are skipped: inspect shows what it can rather than failing.
api::ContainerConfig image_container_config(const nlohmann::json& oci_config) {
  api::ContainerConfig config;
  auto defaults = oci_config.find("config");
  if (defaults == oci_config.end() || !defaults->is_object()) return config;
  try {
    from_json(*defaults, config);
  } catch (const nlohmann::json::exception&) {
    // A config we wrote ourselves or imported after validation; fall back to empty defaults.
    config = api::ContainerConfig{};
  }
  return config;
}

std::string string_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<api::ImageInspect> EngineImpl::inspect_image(const std::string& ref) const {
  auto image = images_->resolve(ref);
  if (!image) return std::move(image).error();

  auto oci_config = nlohmann::json::parse(image->config_json, nullptr, false);
  if (!oci_config.is_object())
    return Error::internal("inspect image " + image->id + ": the stored image config is not a JSON object");

  api::ImageInspect inspect;
  inspect.id = image->id;
  // A stored reference with a digest is a RepoDigest (a pull records name@sha256:<manifest>).
  for (const auto& tag : image->tags)
    (tag.find('@') == std::string::npos ? inspect.repo_tags : inspect.repo_digests).push_back(familiar_reference(tag));
  inspect.created = string_field(oci_config, "created");
  if (inspect.created.empty()) inspect.created = format_rfc3339_nanos(image->created * 1'000'000'000);
  inspect.author = string_field(oci_config, "author");
  inspect.comment = string_field(oci_config, "comment");  // commit -m, import -m
  inspect.architecture = string_field(oci_config, "architecture");
  inspect.os = string_field(oci_config, "os");
  inspect.config = image_container_config(oci_config);
  inspect.size = image->size;
  if (auto rootfs = oci_config.find("rootfs"); rootfs != oci_config.end() && rootfs->is_object()) {
    if (auto diff_ids = rootfs->find("diff_ids"); diff_ids != rootfs->end() && diff_ids->is_array()) {
      for (const auto& diff_id : *diff_ids)
        if (diff_id.is_string()) inspect.layers.push_back(diff_id.get<std::string>());
    }
  }
  return inspect;
}

}  // namespace gocker::engine
