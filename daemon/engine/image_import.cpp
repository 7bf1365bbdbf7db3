// POST /images/create?fromSrc=-: a flat filesystem tar becomes a one-layer image. The server
// streams the request body into an Upload (an unnamed temporary file, engine/anonymous_file.hpp);
// the import reads it from there, so its size is bounded by disk, never by memory.
#include <spdlog/spdlog.h>

#include "base/scope_guard.hpp"
#include "engine/anonymous_file.hpp"
#include "engine/engine_impl.hpp"
#include "engine/image_changes.hpp"
#include "engine/image_config.hpp"
#include "engine/image_naming.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {
namespace {

class AnonymousUpload final : public Engine::Upload {
 public:
  explicit AnonymousUpload(UniqueFd fd) : fd_(std::move(fd)) {}
  int fd() const override { return fd_.get(); }

 private:
  UniqueFd fd_;
};

}  // namespace

Status EngineImpl::check_import(const ImportOptions& options) {
  auto reference = tag_reference(options.repo, options.tag);
  if (!reference) return std::move(reference).error();
  nlohmann::json defaults = nlohmann::json::object();
  return apply_image_changes(defaults, options.changes);
}

Result<std::unique_ptr<Engine::Upload>> EngineImpl::create_upload() {
  auto fd = open_anonymous_file(images_->tmp_dir());
  if (!fd) return std::move(fd).error().context("receive image upload");
  return std::unique_ptr<Upload>(std::make_unique<AnonymousUpload>(std::move(*fd)));
}

Result<std::string> EngineImpl::import_image(const Upload& upload, const ImportOptions& options) {
  const std::string what = "import image from " + options.source;
  auto reference = tag_reference(options.repo, options.tag);
  if (!reference) return std::move(reference).error();
  nlohmann::json defaults = nlohmann::json::object();
  GOCKER_TRY(apply_image_changes(defaults, options.changes));

  auto layer = images_->import_layer_tar(reopen_path(upload.fd()));
  if (!layer) return std::move(layer).error().context(what);
  ScopeGuard discard_layer([&] { images_->discard_if_unregistered(*layer); });

  NewLayerInfo info;
  info.diff_id = layer->diff_id;
  const int64_t now = now_unix_nanos();
  info.created = format_rfc3339_nanos(now);
  info.comment = options.message.empty() ? "Imported from " + options.source : options.message;
  nlohmann::json config = derive_image_config(nullptr, std::move(defaults), info);

  std::vector<std::string> tags;
  if (*reference) tags.push_back(**reference);
  auto image = images_->create_image(config.dump(), {*layer}, tags, now / 1'000'000'000);
  if (!image) return std::move(image).error().context(what);
  discard_layer.dismiss();
  spdlog::info("imported image {} from {}", image->id, options.source);
  return image->id;
}

}  // namespace gocker::engine
