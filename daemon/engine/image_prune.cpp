// docker image prune (POST /images/prune), after dockerd's daemon/images/image_prune.go.
//
// An image some container uses, running or not, is never pruned: its layers are that
// container's overlay lowerdirs. The use count is taken under image_use_mutex_ held exclusively,
// as rmi does, so a create that already looked its image up is registered before we count, and a
// create that has not yet looked up waits until the prune is over (then fails with "No such
// image" as after an rmi). Without dangling=false only untagged images go ("dangling": no
// reference but name@digest ones, which dockerd does not count as tags either).
#include <mutex>
#include <shared_mutex>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "engine/engine_impl.hpp"
#include "engine/prune_filters.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {
namespace {

bool has_tag(const state::ImageRecord& image) {
  for (const std::string& reference : image.tags)
    if (reference.find('@') == std::string::npos) return true;
  return false;
}

// The image config's config.Labels (what `docker build --label` and LABEL changes set).
std::map<std::string, std::string> image_labels(const state::ImageRecord& image) {
  std::map<std::string, std::string> labels;
  auto config = nlohmann::json::parse(image.config_json, nullptr, false);
  if (!config.is_object()) return labels;
  auto runtime = config.find("config");
  if (runtime == config.end() || !runtime->is_object()) return labels;
  auto found = runtime->find("Labels");
  if (found == runtime->end() || !found->is_object()) return labels;
  for (const auto& [key, value] : found->items())
    if (value.is_string()) labels[key] = value.get<std::string>();
  return labels;
}

}  // namespace

std::map<std::string, int> EngineImpl::image_use_counts() const {
  std::map<std::string, int> counts;
  std::lock_guard lock(registry_mutex_);
  for (const auto& entry : containers_) {
    std::lock_guard container_lock(entry.second->mutex);
    ++counts[entry.second->record.image_id];
  }
  return counts;
}

Result<api::ImagePruneResponse> EngineImpl::prune_images(const std::vector<std::pair<std::string, std::string>>& filters) {
  auto parsed = parse_prune_filters(filters, PruneTarget::Images, now_unix_nanos());
  if (!parsed) return std::move(parsed).error();

  std::unique_lock no_create_in_flight(image_use_mutex_);
  const std::map<std::string, int> used = image_use_counts();
  api::ImagePruneResponse response;
  for (const state::ImageRecord& image : images_->list()) {
    if (used.count(image.id) != 0) continue;
    if (parsed->dangling_only && has_tag(image)) continue;
    if (!prune_filters_select(*parsed, image_labels(image), image.created * 1'000'000'000)) continue;
    std::vector<state::LayerRecord> layers;
    auto deleted = delete_unused_image(image, &layers);
    if (!deleted) {
      // As dockerd: one image that cannot go does not stop the others; the report says what went.
      spdlog::warn("image prune: {}", deleted.error().message);
      continue;
    }
    response.images_deleted.insert(response.images_deleted.end(), deleted->begin(), deleted->end());
    for (const state::LayerRecord& layer : layers) response.space_reclaimed += static_cast<uint64_t>(layer.size);
  }
  publish_event("image", "prune", "", {{"reclaimed", std::to_string(response.space_reclaimed)}});
  return response;
}

}  // namespace gocker::engine
