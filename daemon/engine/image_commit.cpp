// POST /commit: a container's changes become an image. The upper dir of the container's overlay
// (engine/container_rootfs.hpp) is written as a layer tar (engine/layer_diff.hpp) into an unnamed
// temporary file, imported into the layer store on top of the image's layers, and registered with a
// config derived from the image's (engine/image_config.hpp) and the `changes`.
#include <optional>

#include <spdlog/spdlog.h>

#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "engine/anonymous_file.hpp"
#include "engine/container_rootfs.hpp"
#include "engine/engine_impl.hpp"
#include "engine/image_changes.hpp"
#include "engine/image_config.hpp"
#include "engine/image_naming.hpp"
#include "engine/layer_diff.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {

Result<std::string> EngineImpl::commit_container(const std::string& ref, const CommitOptions& options) {
  auto container = find(ref);
  if (!container) return std::move(container).error();
  auto reference = tag_reference(options.repo, options.tag);
  if (!reference) return std::move(reference).error();

  std::string image_id;
  std::string container_id;
  bool running = false;
  bool paused = false;
  {
    std::lock_guard lock((*container)->mutex);
    image_id = (*container)->record.image_id;
    container_id = (*container)->record.id;
    running = (*container)->is_running();
    paused = (*container)->paused;
  }
  const std::string what = "commit container " + container_id.substr(0, 12);
  auto parent = images_->resolve(image_id);
  if (!parent) return std::move(parent).error().context(what + ": its image");
  nlohmann::json parent_config = nlohmann::json::parse(parent->config_json, nullptr, false);
  if (!parent_config.is_object()) return Error::internal(what + ": the image's stored config is not a JSON object");

  nlohmann::json defaults = committed_defaults(parent_config.value("config", nlohmann::json::object()),
                                               (*container)->config);
  GOCKER_TRY(apply_image_changes(defaults, options.changes));

  // Frozen while its upper dir is read, so the layer is one moment of the filesystem.
  const bool freeze = options.pause && running && !paused;
  if (freeze) {
    if (auto frozen = pause_container(container_id); !frozen) return std::move(frozen).error().context(what + ": pause");
  }
  auto diff_file = open_anonymous_file(images_->tmp_dir());
  const IdRemap* remap = (*container)->remap ? &*(*container)->remap : nullptr;
  Result<LayerDiffStats> diff = diff_file ? write_layer_diff(RootfsLayout{(*container)->dir}.upper(), diff_file->get(), remap)
                                          : Result<LayerDiffStats>(diff_file.error());
  if (freeze) {
    if (auto thawed = unpause_container(container_id); !thawed)
      spdlog::warn("{}: unpause: {}", what, thawed.error().message);
  }
  if (!diff) return std::move(diff).error().context(what);

  std::vector<state::LayerRecord> layers = images_->layers_of(*parent);
  NewLayerInfo info;
  // No changes: no layer, only a history entry (as dockerd does).
  info.empty_layer = diff->entries == 0;
  std::optional<state::LayerRecord> layer;
  if (!info.empty_layer) {
    auto imported = images_->import_layer_tar(reopen_path(diff_file->get()), layers.empty() ? "" : layers.back().chain_id);
    if (!imported) return std::move(imported).error().context(what);
    layer = std::move(*imported);
    info.diff_id = layer->diff_id;
    layers.push_back(*layer);
  }
  ScopeGuard discard_layer([&] {
    if (layer) images_->discard_if_unregistered(*layer);
  });

  const int64_t now = now_unix_nanos();
  info.created = format_rfc3339_nanos(now);
  // dockerd records the container's command.
  for (const std::string& word : (*container)->config.cmd) info.created_by += (info.created_by.empty() ? "" : " ") + word;
  info.author = options.author;
  info.comment = options.comment;
  info.container_id = container_id;
  nlohmann::json config = derive_image_config(parent_config, std::move(defaults), info);

  std::vector<std::string> tags;
  if (*reference) tags.push_back(**reference);
  auto image = images_->create_image(config.dump(), std::move(layers), tags, now / 1'000'000'000);
  if (!image) return std::move(image).error().context(what);
  discard_layer.dismiss();
  spdlog::info("committed container {} as {} ({} entries, {} whiteouts)", container_id.substr(0, 12), image->id,
               diff->entries, diff->whiteouts);
  return image->id;
}

}  // namespace gocker::engine
