// POST /images/create?fromImage=: pulling an image from a registry (OCI distribution spec v2).
//
//   1. GET /v2/<name>/manifests/<tag|digest>, accepting an OCI image index, a Docker manifest
//      list, a Docker schema2 manifest or an OCI manifest. The manifest's digest is the sha256 of
//      its bytes (checked against a digest reference). An index or list is resolved to its
//      linux/<our architecture> entry, fetched by digest the same way.
//   2. The config blob, verified against its digest. Its rootfs.diff_ids give the chain ids; a
//      layer whose chain id the store has is skipped ("Already exists").
//   3. The missing layer blobs are downloaded in parallel on the transfer pool into unnamed
//      temporary files (O_TMPFILE in the layer store's tmp dir), each hashed while it streams
//      and refused when its digest or size is wrong.
//   4. Each layer is extracted, bottom first, by ImageStore::import_layer_tar (gzip, zstd or
//      plain), and its diff id compared with the config's.
//   5. The image is registered with its tag and its digest reference (name@sha256:<manifest>,
//      RepoDigests) in one transaction. Until then nothing is registered: a failure leaves no
//      image, and the layer directories this pull made are removed again.
// Progress follows dockerd's messages, per layer id (the first 12 hex digits of the blob digest).
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <future>
#include <spdlog/spdlog.h>

#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "engine/anonymous_file.hpp"
#include "engine/blob_sums.hpp"
#include "engine/engine_impl.hpp"
#include "engine/image_config.hpp"
#include "engine/reference.hpp"
#include "engine/registry_distribution.hpp"
#include "engine/registry_service.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {
namespace {

struct LayerPlan {
  BlobDescriptor blob;
  std::string diff_id;
  std::string chain_id;
  std::string parent_chain_id;
  std::string progress_id;
  bool present = false;
  std::future<Result<UniqueFd>> download;
};

// Downloads one layer blob into an unnamed file, reporting progress; runs on the transfer pool.
Result<UniqueFd> download_layer(RegistryHttp& http, const std::string& repository, const BlobDescriptor& blob,
                                const std::string& tmp_dir, const std::string& progress_id, ProgressWriter& progress,
                                const std::atomic<bool>& cancelled) {
  auto file = open_anonymous_file(tmp_dir);
  if (!file) return std::move(file).error();
  DigestingFile sink(file->get());
  int64_t reported = 0;
  const int64_t step = std::max<int64_t>(blob.size / 50, 256 * 1024);
  BodySink on_body = [&](const char* data, size_t length) -> Status {
    if (cancelled.load()) return Error::unavailable("cancelled");
    GOCKER_TRY(sink.write(data, length));
    if (sink.size() - reported >= step || sink.size() == blob.size) {
      reported = sink.size();
      progress.status("Downloading", progress_id, {{"current", reported}, {"total", blob.size}});
    }
    return ok();
  };
  GOCKER_TRY(fetch_blob(http, repository, blob, on_body));
  progress.status("Verifying Checksum", progress_id);
  GOCKER_TRY(sink.verify(blob));
  progress.status("Download complete", progress_id);
  return std::move(*file);
}

int64_t created_seconds(const nlohmann::json& config) {
  auto created = config.find("created");
  if (created == config.end() || !created->is_string()) return 0;
  auto nanos = parse_rfc3339_nanos(created->get<std::string>());
  return nanos ? *nanos / 1'000'000'000 : 0;
}

Status run_pull(ImageStore& images, RegistryService& service, const Reference& reference,
                const RegistryCredentials& credentials, ProgressWriter& progress) {
  const std::string repository = reference.path;
  const std::string scope = "repository:" + repository + ":pull";
  auto http = std::make_shared<RegistryHttp>(service.endpoint(reference.domain), credentials, scope);
  const std::string wanted = reference.digest.empty() ? reference.tag : reference.digest;
  const std::string display = reference.familiar_string();

  auto manifest = fetch_image_manifest(*http, repository, wanted);
  if (!manifest) return std::move(manifest).error();
  progress.status("Pulling from " + reference.path, reference.digest.empty() ? reference.tag : reference.digest);

  auto config_bytes = fetch_small_blob(*http, repository, manifest->config);
  if (!config_bytes) return std::move(config_bytes).error().context("image config");
  auto config = nlohmann::json::parse(*config_bytes, nullptr, false);
  if (!config.is_object()) return Error::invalid("image config " + manifest->config.digest + " is not a JSON object");
  std::vector<std::string> diff_ids;
  if (auto rootfs = config.find("rootfs"); rootfs != config.end() && rootfs->is_object()) {
    if (auto ids = rootfs->find("diff_ids"); ids != rootfs->end() && ids->is_array())
      for (const auto& id : *ids)
        if (id.is_string()) diff_ids.push_back(id.get<std::string>());
  }
  if (diff_ids.size() != manifest->layers.size())
    return Error::invalid("image " + display + ": the manifest has " + std::to_string(manifest->layers.size()) +
                          " layers but the config " + std::to_string(diff_ids.size()) + " diff ids");

  // The image as it will be stored, and whether it already is (with this reference).
  const std::string image_id = sha256_digest(*config_bytes);
  std::vector<std::string> references;
  if (reference.digest.empty()) references.push_back(reference.string());
  Reference digested = reference;
  digested.tag.clear();
  digested.digest = manifest->digest;
  references.push_back(digested.string());

  std::vector<LayerPlan> plans(manifest->layers.size());
  std::string parent;
  bool all_present = true;
  for (size_t i = 0; i < plans.size(); ++i) {
    LayerPlan& plan = plans[i];
    plan.blob = manifest->layers[i];
    plan.diff_id = diff_ids[i];
    plan.parent_chain_id = parent;
    plan.chain_id = layer_chain_id(parent, plan.diff_id);
    plan.progress_id = short_digest(plan.blob.digest);
    plan.present = images.find_layer(plan.chain_id).has_value();
    all_present = all_present && plan.present;
    parent = plan.chain_id;
  }
  auto existing = images.resolve(image_id);
  if (all_present && existing) {
    bool referenced = true;
    for (const std::string& name : references)
      referenced = referenced && std::find(existing->tags.begin(), existing->tags.end(), name) != existing->tags.end();
    for (const std::string& name : references) GOCKER_TRY(images.tag(image_id, name));
    progress.status("Digest: " + manifest->digest);
    progress.status((referenced ? "Status: Image is up to date for " : "Status: Downloaded newer image for ") + display);
    return ok();
  }

  for (LayerPlan& plan : plans) progress.status(plan.present ? "Already exists" : "Pulling fs layer", plan.progress_id);

  // Downloads, bounded by the transfer pool; the futures are all awaited before returning, so the
  // tasks' references to this frame stay valid.
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  const std::string authorization = http->authorization();
  for (LayerPlan& plan : plans) {
    if (plan.present) continue;
    auto task = std::make_shared<std::packaged_task<Result<UniqueFd>()>>(
        [&images, &service, &progress, reference, repository, credentials, scope, authorization, cancelled,
         blob = plan.blob, id = plan.progress_id]() -> Result<UniqueFd> {
          RegistryHttp transfer(service.endpoint(reference.domain), credentials, scope);
          transfer.set_authorization(authorization);
          return download_layer(transfer, repository, blob, images.tmp_dir(), id, progress, *cancelled);
        });
    plan.download = task->get_future();
    boost::asio::post(service.transfers(), [task] { (*task)(); });
  }
  auto wait_all = [&plans, &cancelled] {
    cancelled->store(true);
    for (LayerPlan& plan : plans)
      if (plan.download.valid()) plan.download.wait();
  };
  ScopeGuard wait_downloads(wait_all);

  std::vector<state::LayerRecord> layers;
  std::vector<state::LayerRecord> made;  // imported by this pull: removed again on failure
  ScopeGuard discard_made([&images, &made] {
    for (const auto& layer : made) images.discard_if_unregistered(layer);
  });
  for (LayerPlan& plan : plans) {
    if (plan.present) {
      auto layer = images.find_layer(plan.chain_id);
      if (!layer) return Error::internal("layer " + plan.chain_id + " went away during the pull");
      layers.push_back(*layer);
      continue;
    }
    auto file = plan.download.get();
    if (!file) return std::move(file).error().context("layer " + plan.blob.digest);
    progress.status("Extracting", plan.progress_id, {{"current", plan.blob.size}, {"total", plan.blob.size}});
    auto layer = images.import_layer_tar(reopen_path(file->get()), plan.parent_chain_id);
    if (!layer) return std::move(layer).error().context("layer " + plan.blob.digest);
    made.push_back(*layer);
    if (layer->diff_id != plan.diff_id)
      return Error::invalid("layer " + plan.blob.digest + ": uncompressed digest " + layer->diff_id +
                            " does not match the config's " + plan.diff_id);
    layers.push_back(*layer);
    // A later push can reuse the blob, or mount it from here.
    remember_layer_blob(images.root(), plan.diff_id, plan.blob, reference.domain, repository);
    progress.status("Pull complete", plan.progress_id);
  }

  state::ImageRecord image;
  image.id = image_id;
  image.config_json = *config_bytes;
  image.created = created_seconds(config);
  image.tags = references;
  for (const auto& layer : layers) {
    image.layer_chain_ids.push_back(layer.chain_id);
    image.size += layer.size;
  }
  GOCKER_TRY(images.put_image(image, layers));
  discard_made.dismiss();
  spdlog::info("pulled {} ({}) as image {}", display, manifest->digest, image_id);
  progress.status("Digest: " + manifest->digest);
  progress.status("Status: Downloaded newer image for " + display);
  return ok();
}

}  // namespace

RegistryService& EngineImpl::registry() {
  std::call_once(registry_once_, [this] {
    registry_ = std::make_shared<RegistryService>(RegistryOptions{options_.insecure_registries, options_.config_dir});
  });
  return *registry_;
}

Result<std::shared_ptr<Engine::ProgressJob>> EngineImpl::pull_image(const PullOptions& options) {
  std::string text = options.image;
  if (!options.tag.empty()) text += (starts_with(options.tag, "sha256:") ? "@" : ":") + options.tag;
  auto parsed = parse_reference(text);
  if (!parsed) return std::move(parsed).error();
  Reference reference = with_default_tag(std::move(*parsed));
  auto credentials = decode_registry_auth(options.registry_auth);
  if (!credentials) return std::move(credentials).error();
  ImageStore& images = *images_;
  RegistryService& service = registry();
  return service.start(executor_, [&images, &service, reference, credentials = *credentials](ProgressWriter& progress) {
    return run_pull(images, service, reference, credentials, progress);
  });
}

}  // namespace gocker::engine
