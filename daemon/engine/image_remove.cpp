// Tags, removal and history of images (docker tag, rmi, history).
//
// Removal follows dockerd's rules (daemon/images/image_delete.go), with one difference: an image a
// container uses is never deleted, even with force (force only takes its tags away; dockerd
// deletes it under a stopped container). The container's overlay keeps the image's layers mounted
// until the container is removed, so deleting them would pull a filesystem out from under it.
#include <algorithm>
#include <mutex>
#include <shared_mutex>

#include "base/strings.hpp"
#include "engine/engine_impl.hpp"
#include "engine/image_config.hpp"
#include "engine/image_naming.hpp"
#include "engine/reference.hpp"

namespace gocker::engine {
namespace {

std::string short_id(std::string_view id) {
  if (starts_with(id, "sha256:")) id.remove_prefix(7);
  return std::string(id.substr(0, 12));
}

}  // namespace

Status EngineImpl::tag_image(const std::string& ref, const std::string& repo, const std::string& tag) {
  if (repo.empty()) return Error::invalid("repository name must be given");
  auto reference = tag_reference(repo, tag);
  if (!reference) return std::move(reference).error();
  auto image = images_->resolve(ref);
  if (!image) return std::move(image).error();
  return images_->tag(image->id, **reference);
}

Result<std::vector<api::ImageDeleteItem>> EngineImpl::remove_image(const std::string& ref, bool force) {
  std::unique_lock no_create_in_flight(image_use_mutex_);
  auto image = images_->resolve(ref);
  if (!image) return std::move(image).error();

  // Named by one of its tags, or by id (full, short or prefix)?
  std::optional<std::string> named_tag;
  if (!starts_with(ref, "sha256:")) {
    if (auto normalized = normalize_reference(ref);
        normalized && std::find(image->tags.begin(), image->tags.end(), *normalized) != image->tags.end())
      named_tag = *normalized;
  }

  // The containers that use it, running ones first in what the messages name.
  std::string user_id;
  bool user_running = false;
  std::vector<std::shared_ptr<Container>> containers;
  {
    std::lock_guard lock(registry_mutex_);
    for (const auto& entry : containers_) containers.push_back(entry.second);
  }
  for (const auto& container : containers) {  // one lock at a time: no order to respect
    std::lock_guard container_lock(container->mutex);
    if (container->record.image_id != image->id) continue;
    if (user_id.empty() || (!user_running && container->is_running())) {
      user_id = container->record.id;
      user_running = container->is_running();
    }
  }

  // Digest references (name@sha256:..., recorded by pulls) go with the image's last tag, as in
  // dockerd: only tags count as other names.
  const auto tag_count = std::count_if(image->tags.begin(), image->tags.end(),
                                       [](const std::string& tag) { return tag.find('@') == std::string::npos; });

  std::vector<api::ImageDeleteItem> report;
  auto untag = [&](const std::string& reference) -> Status {
    GOCKER_TRY(images_->untag(reference));
    report.push_back({familiar_reference(reference), std::nullopt});
    publish_event("image", "untag", image->id, {{"name", familiar_reference(reference)}});
    return ok();
  };

  if (named_tag) {
    if (tag_count > 1) {  // other tags keep the image
      GOCKER_TRY(untag(*named_tag));
      return report;
    }
    if (!user_id.empty()) {
      if (!force)
        return Error::conflict("conflict: unable to remove repository reference \"" + ref +
                               "\" (must force) - container " + short_id(user_id) + " is using its referenced image " +
                               short_id(image->id));
      GOCKER_TRY(untag(*named_tag));
      return report;
    }
  } else if (!user_id.empty()) {
    if (user_running)
      return Error::conflict("conflict: unable to delete " + short_id(image->id) +
                             " (cannot be forced) - image is being used by running container " + short_id(user_id));
    if (!force)
      return Error::conflict("conflict: unable to delete " + short_id(image->id) +
                             " (must be forced) - image is being used by stopped container " + short_id(user_id));
    for (const std::string& tag : image->tags) GOCKER_TRY(untag(tag));
    return report;
  } else if (tag_count > 1 && !force) {
    return Error::conflict("conflict: unable to delete " + short_id(image->id) +
                           " (must be forced) - image is referenced in multiple repositories");
  }

  auto deleted = delete_unused_image(*image);
  if (!deleted) return std::move(deleted).error();
  report.insert(report.end(), deleted->begin(), deleted->end());
  return report;
}

Result<std::vector<api::ImageDeleteItem>> EngineImpl::delete_unused_image(const state::ImageRecord& image,
                                                                          std::vector<state::LayerRecord>* deleted_layers) {
  std::vector<api::ImageDeleteItem> report;
  for (const std::string& tag : image.tags) {
    GOCKER_TRY(images_->untag(tag));
    report.push_back({familiar_reference(tag), std::nullopt});
    publish_event("image", "untag", image.id, {{"name", familiar_reference(tag)}});
  }
  auto deleted = images_->remove(image.id);
  if (!deleted) return std::move(deleted).error().context("delete image " + short_id(image.id));
  report.push_back({std::nullopt, image.id});
  publish_event("image", "delete", image.id, {{"name", image.id}});
  for (const state::LayerRecord& layer : *deleted) report.push_back({std::nullopt, layer.chain_id});
  if (deleted_layers != nullptr) *deleted_layers = std::move(*deleted);
  return report;
}

Result<std::vector<api::ImageHistoryItem>> EngineImpl::image_history(const std::string& ref) const {
  auto image = images_->resolve(ref);
  if (!image) return std::move(image).error();
  auto config = nlohmann::json::parse(image->config_json, nullptr, false);
  std::vector<int64_t> sizes;
  for (const state::LayerRecord& layer : images_->layers_of(*image)) sizes.push_back(layer.size);
  std::vector<std::string> tags;
  for (const std::string& tag : image->tags) tags.push_back(familiar_reference(tag));
  return engine::image_history(config, image->id, tags, sizes);
}

}  // namespace gocker::engine
