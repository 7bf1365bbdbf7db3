// docker system df (GET /system/df): what images, containers and volumes take on disk, after
// dockerd's daemon/disk_usage.go. Sizes are computed on each request (dockerd does the same): a
// container's SizeRw is what it wrote to its upper dir, a volume's Size what its _data holds.
#include <mutex>

#include <nlohmann/json.hpp>

#include "engine/container_rootfs.hpp"
#include "engine/directory_size.hpp"
#include "engine/engine_impl.hpp"
#include "engine/reference.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {
namespace {

std::map<std::string, std::string> config_labels(const std::string& config_json) {
  std::map<std::string, std::string> labels;
  auto config = nlohmann::json::parse(config_json, nullptr, false);
  if (!config.is_object() || !config.contains("config") || !config["config"].is_object()) return labels;
  auto found = config["config"].find("Labels");
  if (found == config["config"].end() || !found->is_object()) return labels;
  for (const auto& [key, value] : found->items())
    if (value.is_string()) labels[key] = value.get<std::string>();
  return labels;
}

}  // namespace

Result<api::DiskUsage> EngineImpl::disk_usage() const {
  api::DiskUsage usage;
  const std::map<std::string, int> used = image_use_counts();
  const std::vector<state::ImageRecord> images = images_->list();

  // A layer several images stack on is stored once: LayersSize counts it once, and it is each
  // such image's SharedSize.
  std::map<std::string, int> layer_users;
  std::map<std::string, int64_t> layer_sizes;
  for (const state::ImageRecord& image : images)
    for (const state::LayerRecord& layer : images_->layers_of(image)) {
      ++layer_users[layer.chain_id];
      layer_sizes[layer.chain_id] = layer.size;
    }
  for (const auto& [chain_id, size] : layer_sizes) usage.layers_size += size;

  std::map<std::string, int64_t> image_sizes;
  for (const state::ImageRecord& image : images) {
    api::ImageUsage row;
    row.summary.id = image.id;
    for (const auto& reference : image.tags)
      (reference.find('@') == std::string::npos ? row.summary.repo_tags : row.summary.repo_digests)
          .push_back(familiar_reference(reference));
    row.summary.created = image.created;
    row.summary.size = image.size;
    row.summary.labels = config_labels(image.config_json);
    auto count = used.find(image.id);
    row.summary.containers = count == used.end() ? 0 : count->second;
    for (const std::string& chain_id : image.layer_chain_ids)
      if (layer_users[chain_id] > 1) row.shared_size += layer_sizes[chain_id];
    image_sizes[image.id] = image.size;
    usage.images.push_back(std::move(row));
  }

  std::vector<std::shared_ptr<Container>> containers;
  {
    std::lock_guard lock(registry_mutex_);
    for (const auto& entry : containers_) containers.push_back(entry.second);
  }
  const int64_t now = now_unix_nanos();
  for (const auto& container : containers) {
    api::ContainerUsage row;
    std::string upper_dir;
    {
      std::lock_guard lock(container->mutex);
      if (container->removing) continue;
      row.summary = summarize(*container, now);
      upper_dir = RootfsLayout{container->dir}.upper();
    }
    // Walked without the container's lock: a big upper dir must not stall the container's requests.
    row.size_rw = directory_size(upper_dir);
    row.size_root_fs = row.size_rw + image_sizes[row.summary.image_id];
    usage.containers.push_back(std::move(row));
  }

  auto volumes = store_->list_volumes();
  if (!volumes) return std::move(volumes).error().context("system df");
  for (const state::VolumeRecord& record : *volumes) {
    api::VolumeUsage row;
    row.volume = volume_view(record);
    row.volume.ref_count = record.ref_count;
    row.size = directory_size(volume_data_dir(record.name));
    usage.volumes.push_back(std::move(row));
  }
  return usage;
}

}  // namespace gocker::engine
