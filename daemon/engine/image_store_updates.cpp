// The ImageStore's changes after import (images issue 5): registering a made image, tags, and
// removal with the layers only that image used. See engine/image_store.hpp.
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <mutex>
#include <shared_mutex>

#include "base/strings.hpp"
#include "engine/image_store.hpp"

namespace gocker::engine {

Result<state::ImageRecord> ImageStore::create_image(std::string config_json, std::vector<state::LayerRecord> layers,
                                                    const std::vector<std::string>& tags, int64_t created) {
  state::ImageRecord image;
  image.id = sha256_digest(config_json);
  if (image.id.empty()) return Error::internal("create image: sha256 failed");
  image.config_json = std::move(config_json);
  image.tags = tags;
  image.created = created;
  for (const state::LayerRecord& layer : layers) {
    image.layer_chain_ids.push_back(layer.chain_id);
    image.size += layer.size;
  }
  GOCKER_TRY(put_image(image, layers));
  return resolve(image.id);
}

Status ImageStore::tag(const std::string& image_id, const std::string& normalized_reference) {
  GOCKER_TRY(store_.tag_image(normalized_reference, image_id));
  return reload_index();
}

Status ImageStore::untag(const std::string& normalized_reference) {
  GOCKER_TRY(store_.untag_image(normalized_reference));
  return reload_index();
}

Result<std::vector<state::LayerRecord>> ImageStore::remove(const std::string& image_id) {
  auto deleted = store_.delete_image(image_id);
  if (!deleted) return std::move(deleted).error();
  GOCKER_TRY(reload_index());
  for (const state::LayerRecord& layer : *deleted) {
    // Moved into tmp first, so a crash half-way through the removal leaves a leftover load()
    // cleans up rather than a partial directory under a chain id a later import would trust.
    std::string doomed = tmp_dir_ + "/remove-XXXXXX";
    if (::mkdtemp(doomed.data()) == nullptr) return Error::from_errno(errno, "remove layer " + layer.chain_id + ": mkdtemp");
    const std::string target = doomed + "/layer";
    if (::rename(layer.path.c_str(), target.c_str()) != 0 && errno != ENOENT)
      return Error::from_errno(errno, "remove layer " + layer.chain_id + ": rename " + gocker::quoted(layer.path));
    ::unlink(layer_tar_path(layer.chain_id).c_str());  // a missing tar (older store) is fine
    std::error_code error;
    std::filesystem::remove_all(doomed, error);
    if (error) return Error::from_errno(error.value(), "remove layer " + layer.chain_id + ": " + gocker::quoted(doomed));
  }
  return deleted;
}

std::vector<state::LayerRecord> ImageStore::layers_of(const state::ImageRecord& image) const {
  std::shared_lock lock(index_mutex_);
  std::vector<state::LayerRecord> layers;
  for (const std::string& chain_id : image.layer_chain_ids) {
    if (auto found = layers_.find(chain_id); found != layers_.end()) layers.push_back(found->second);
  }
  return layers;
}
void ImageStore::discard_if_unregistered(const state::LayerRecord& layer) {
  {
    std::shared_lock lock(index_mutex_);
    if (layers_.count(layer.chain_id) != 0) return;
  }
  std::error_code ignored;  // best effort: the failure being reported matters more
  std::filesystem::remove_all(layer.path, ignored);
  ::unlink(layer_tar_path(layer.chain_id).c_str());
}

}  // namespace gocker::engine
