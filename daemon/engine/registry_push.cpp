// POST /images/{name}/push: uploading an image to a registry (OCI distribution spec v2).
//
//   1. The config blob is asked for first (HEAD /v2/<name>/blobs/<image id>): that request answers
//      the registry's authentication challenge for the push scope, whose token the parallel layer
//      uploads then share.
//   2. Every layer, in parallel on the transfer pool: a blob the layer was pulled from or pushed
//      as before (engine/blob_sums.hpp) that the registry has already is reused ("Layer already
//      exists"). Else one seen in another repository of the same registry is mounted from there
//      (POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<repository>: "Mounted from
//      <repository>"; step 1's token was asked for pull on those repositories too, as docker
//      does). Otherwise the layer's stored tar (<root>/layers/tar/<chain id>.tar, the very bytes
//      its diff id names) is gzip-compressed while it is sent: POST /v2/<name>/blobs/uploads/ (or
//      the upload a refused mount started), one PATCH to the upload's Location with a chunked
//      body, hashed as it streams, then PUT <Location>?digest=<digest of what was sent>, which the
//      registry verifies. The tar is hashed too and must match the diff id, or the upload is not
//      committed.
//   3. The config blob as stored (so the image id the registry serves is the local one), uploaded
//      monolithically (POST, then PUT with the bytes) unless step 1 found it.
//   4. The Docker schema2 manifest under the tag. The final messages are dockerd's
//      "<tag>: digest: sha256:... size: N" and its aux {Tag, Digest, Size}; the digest reference
//      is recorded locally (RepoDigests), as a pull of it would.
// Without a tag, every tag of the repository is pushed in turn (dockerd's behaviour for an empty
// `tag` parameter).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <future>
#include <spdlog/spdlog.h>

#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "engine/blob_sums.hpp"
#include "engine/engine_impl.hpp"
#include "engine/gzip_stream.hpp"
#include "engine/reference.hpp"
#include "engine/registry_distribution.hpp"
#include "engine/registry_service.hpp"

namespace gocker::engine {
namespace {

constexpr size_t kUploadChunk = 128 * 1024;
constexpr size_t kMaxMountSources = 4;

Error denied_or(const HttpResult& response, const std::string& what) {
  if (response.status == 401 || response.status == 403)
    return Error::unavailable("denied: requested access to the resource is denied (" + registry_error_text(response) + ")");
  return Error::unavailable(what + ": " + registry_error_text(response));
}

// HEAD: whether the repository has the blob.
Result<bool> registry_has_blob(RegistryHttp& http, const std::string& repository, const std::string& digest) {
  auto head = http.send("HEAD", "/v2/" + repository + "/blobs/" + digest);
  if (!head) return std::move(head).error();
  if (head->status == 200) return true;
  if (head->status == 404) return false;
  return denied_or(*head, "check blob " + digest);
}

// POST /v2/<name>/blobs/uploads/: the upload's Location.
Result<std::string> start_upload(RegistryHttp& http, const std::string& repository) {
  auto started = http.send("POST", "/v2/" + repository + "/blobs/uploads/");
  if (!started) return std::move(started).error();
  if (started->status != 202) return denied_or(*started, "start upload");
  std::string location = started->header("location");
  if (location.empty()) return Error::unavailable("start upload: the registry sent no Location");
  return location;
}

// PUT <location>?digest=: commits an upload (with the whole blob as `body`, or after PATCHes).
Status commit_upload(RegistryHttp& http, const std::string& location, const std::string& digest, const RequestBody& body) {
  const std::string target = location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + digest;
  auto put = http.send("PUT", target, {}, &body);
  if (!put) return std::move(put).error();
  if (put->status != 201) return denied_or(*put, "commit upload of " + digest);
  return ok();
}

// POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<source>: true when the registry mounted
// the blob from the other repository (201). Otherwise it may have started an ordinary upload
// instead (202), whose Location goes to `location`; a refusal (401 or 403: the token has no pull
// on the source) is no error either: the layer is then uploaded.
Result<bool> mount_blob(RegistryHttp& http, const std::string& repository, const KnownLayerBlob& source,
                        std::string& location) {
  auto answer = http.send("POST", "/v2/" + repository + "/blobs/uploads/?mount=" + source.blob.digest +
                                      "&from=" + source.repository);
  if (!answer) return std::move(answer).error();
  if (answer->status == 201) return true;
  if (answer->status == 202) location = answer->header("location");
  return false;
}

bool is_gzip_layer(const BlobDescriptor& blob) { return blob.media_type.find("gzip") != std::string::npos; }

// The other repositories of `domain` the layers' gzip blobs were seen in, at most
// kMaxMountSources: each layer's most recent one first, then their second ones, and so on. The
// push's token asks for pull on them too, so layers can be mounted from there.
std::vector<std::string> mount_sources(const std::string& root, const std::vector<state::LayerRecord>& layers,
                                       const std::string& domain, const std::string& repository) {
  std::vector<std::vector<std::string>> per_layer;
  for (const auto& layer : layers) {
    std::vector<std::string>& seen = per_layer.emplace_back();
    for (const KnownLayerBlob& known : known_layer_blobs(root, layer.diff_id))
      if (known.registry == domain && !known.repository.empty() && known.repository != repository &&
          is_gzip_layer(known.blob))
        seen.push_back(known.repository);
  }
  std::vector<std::string> sources;
  for (size_t rank = 0; sources.size() < kMaxMountSources; ++rank) {
    bool more = false;
    for (const auto& seen : per_layer) {
      if (rank >= seen.size()) continue;
      more = true;
      if (sources.size() < kMaxMountSources && std::find(sources.begin(), sources.end(), seen[rank]) == sources.end())
        sources.push_back(seen[rank]);
    }
    if (!more) break;
  }
  return sources;
}

// Uploads one layer (or finds it there, or mounts it from another repository of the registry);
// runs on the transfer pool.
Result<BlobDescriptor> push_layer(RegistryHttp& http, const Reference& reference, const std::vector<std::string>& sources,
                                  const std::string& root, const state::LayerRecord& layer, UniqueFd tar,
                                  int64_t tar_size, ProgressWriter& progress, const std::atomic<bool>& cancelled) {
  const std::string& repository = reference.path;
  const std::string id = short_digest(layer.diff_id);
  const std::vector<KnownLayerBlob> known = known_layer_blobs(root, layer.diff_id);
  std::vector<std::string> asked;
  for (const KnownLayerBlob& candidate : known) {
    const BlobDescriptor& blob = candidate.blob;
    if (!is_gzip_layer(blob)) continue;  // the manifest says gzip
    if (std::find(asked.begin(), asked.end(), blob.digest) != asked.end()) continue;
    asked.push_back(blob.digest);
    auto present = registry_has_blob(http, repository, blob.digest);
    if (!present) return std::move(present).error();
    if (*present) {
      progress.status("Layer already exists", id);
      remember_layer_blob(root, layer.diff_id, blob, reference.domain, repository);
      return BlobDescriptor{std::string(kDockerLayerGzipType), blob.digest, blob.size};
    }
  }
  // One mount attempt, from the most recent repository of this registry the token covers.
  std::string location;
  for (const KnownLayerBlob& candidate : known) {
    if (!is_gzip_layer(candidate.blob) || candidate.registry != reference.domain ||
        std::find(sources.begin(), sources.end(), candidate.repository) == sources.end())
      continue;
    auto mounted = mount_blob(http, repository, candidate, location);
    if (!mounted) return std::move(mounted).error().context("layer " + id);
    if (*mounted) {
      progress.status("Mounted from " + candidate.repository, id);
      remember_layer_blob(root, layer.diff_id, candidate.blob, reference.domain, repository);
      return BlobDescriptor{std::string(kDockerLayerGzipType), candidate.blob.digest, candidate.blob.size};
    }
    break;
  }

  if (location.empty()) {
    auto started = start_upload(http, repository);
    if (!started) return std::move(started).error().context("layer " + id);
    location = std::move(*started);
  }
  GzipFileReader gzip(tar.get());
  int64_t reported = 0;
  const int64_t step = std::max<int64_t>(tar_size / 50, 512 * 1024);
  RequestBody body;
  body.content_type = "application/octet-stream";
  body.producer = [&](char* buffer, size_t capacity) -> Result<size_t> {
    if (cancelled.load()) return Error::unavailable("cancelled");
    auto produced = gzip.read(buffer, std::min(capacity, kUploadChunk));
    if (produced && (gzip.input_bytes() - reported >= step || *produced == 0)) {
      reported = gzip.input_bytes();
      progress.status("Pushing", id, {{"current", reported}, {"total", tar_size}});
    }
    return produced;
  };
  auto patched = http.send("PATCH", location, {}, &body);
  if (!patched) return std::move(patched).error().context("upload layer " + id);
  if (patched->status != 202) return denied_or(*patched, "upload layer " + id);
  const std::string diff_id = gzip.input_digest();
  if (diff_id != layer.diff_id)
    return Error::internal("layer " + layer.chain_id + ": its stored tar has digest " + diff_id + ", not its diff id " +
                           layer.diff_id);
  BlobDescriptor blob{std::string(kDockerLayerGzipType), gzip.output_digest(), gzip.output_bytes()};
  std::string next = patched->header("location");
  GOCKER_TRY(commit_upload(http, next.empty() ? location : next, blob.digest, RequestBody{}));
  remember_layer_blob(root, layer.diff_id, blob, reference.domain, repository);
  progress.status("Pushed", id);
  return blob;
}

Status push_tag(ImageStore& images, RegistryService& service, const Reference& reference,
                const RegistryCredentials& credentials, ProgressWriter& progress) {
  auto image = images.resolve(reference.string());
  if (!image) return Error::not_found("An image does not exist locally with the tag: " + reference.familiar_string());
  const std::string repository = reference.path;
  const std::vector<state::LayerRecord> layers = images.layers_of(*image);
  const std::vector<std::string> sources = mount_sources(images.root(), layers, reference.domain, repository);
  std::string scope = "repository:" + repository + ":pull,push";
  for (const std::string& source : sources) scope += " repository:" + source + ":pull";
  RegistryHttp http(service.endpoint(reference.domain), credentials, scope);

  // The tars first: an image whose layers came from a gocker that kept none cannot be pushed.
  std::vector<UniqueFd> tars;
  std::vector<int64_t> tar_sizes;
  for (const auto& layer : layers) {
    auto tar = images.open_layer_tar(layer.chain_id);
    if (!tar) return std::move(tar).error().context("push " + reference.familiar_string());
    const off_t size = ::lseek(tar->get(), 0, SEEK_END);
    if (size < 0 || ::lseek(tar->get(), 0, SEEK_SET) != 0) return Error::from_errno(errno, "size of layer tar");
    tar_sizes.push_back(size);
    tars.push_back(std::move(*tar));
  }
  for (const auto& layer : layers) progress.status("Preparing", short_digest(layer.diff_id));

  // Step 1: this also gets the push token.
  auto config_present = registry_has_blob(http, repository, image->id);
  if (!config_present) return std::move(config_present).error();

  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  const std::string authorization = http.authorization();
  std::vector<std::future<Result<BlobDescriptor>>> uploads;
  for (size_t i = 0; i < layers.size(); ++i) {
    progress.status("Waiting", short_digest(layers[i].diff_id));
    auto task = std::make_shared<std::packaged_task<Result<BlobDescriptor>()>>(
        [&service, &progress, &images, &sources, reference, credentials, scope, authorization, cancelled,
         layer = layers[i], tar = std::make_shared<UniqueFd>(std::move(tars[i])), size = tar_sizes[i]]() mutable {
          RegistryHttp transfer(service.endpoint(reference.domain), credentials, scope);
          transfer.set_authorization(authorization);
          return push_layer(transfer, reference, sources, images.root(), layer, std::move(*tar), size, progress,
                            *cancelled);
        });
    uploads.push_back(task->get_future());
    boost::asio::post(service.transfers(), [task] { (*task)(); });
  }
  // Every future is awaited before this frame goes (the tasks refer to it).
  ScopeGuard wait_uploads([&uploads, &cancelled] {
    cancelled->store(true);
    for (auto& upload : uploads)
      if (upload.valid()) upload.wait();
  });
  std::vector<BlobDescriptor> blobs;
  for (size_t i = 0; i < uploads.size(); ++i) {
    auto blob = uploads[i].get();
    if (!blob) return std::move(blob).error();
    blobs.push_back(*blob);
  }

  // Step 3: the config, byte for byte as stored.
  const BlobDescriptor config{std::string(kDockerConfigType), image->id, static_cast<int64_t>(image->config_json.size())};
  if (!*config_present) {
    auto location = start_upload(http, repository);
    if (!location) return std::move(location).error().context("config");
    RequestBody body;
    body.bytes = image->config_json;
    body.content_type = "application/octet-stream";
    GOCKER_TRY(commit_upload(http, *location, config.digest, body));
  }

  // Step 4.
  nlohmann::json layer_list = nlohmann::json::array();
  for (const auto& blob : blobs)
    layer_list.push_back({{"mediaType", blob.media_type}, {"size", blob.size}, {"digest", blob.digest}});
  const nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", kDockerManifestType},
      {"config", {{"mediaType", config.media_type}, {"size", config.size}, {"digest", config.digest}}},
      {"layers", layer_list}};
  RequestBody manifest_body;
  manifest_body.bytes = manifest.dump(3);
  manifest_body.content_type = std::string(kDockerManifestType);
  const std::string digest = sha256_digest(manifest_body.bytes);
  auto put = http.send("PUT", "/v2/" + repository + "/manifests/" + reference.tag, {}, &manifest_body);
  if (!put) return std::move(put).error().context("push manifest");
  if (put->status != 201 && put->status != 200) return denied_or(*put, "push manifest");

  Reference digested = reference;
  digested.tag.clear();
  digested.digest = digest;
  if (auto tagged = images.tag(image->id, digested.string()); !tagged)
    spdlog::warn("record digest of {}: {}", reference.string(), tagged.error().message);
  const auto size = static_cast<int64_t>(manifest_body.bytes.size());
  progress.status(reference.tag + ": digest: " + digest + " size: " + std::to_string(size));
  progress.message({{"progressDetail", nlohmann::json::object()},
                    {"aux", {{"Tag", reference.tag}, {"Digest", digest}, {"Size", size}}}});
  spdlog::info("pushed {} ({})", reference.string(), digest);
  return ok();
}

}  // namespace

Result<std::shared_ptr<Engine::ProgressJob>> EngineImpl::push_image(const PushOptions& options) {
  auto parsed = parse_reference(options.image);
  if (!parsed) return std::move(parsed).error();
  Reference named = std::move(*parsed);
  if (!named.digest.empty()) return Error::invalid("cannot push a digest reference");
  if (!options.tag.empty()) {
    if (!named.tag.empty()) return Error::invalid("the image name has a tag and a tag was given");
    auto tagged = parse_reference(named.name() + ":" + options.tag);
    if (!tagged) return std::move(tagged).error();
    named = std::move(*tagged);
  }

  // The tags to push: the one named, or all of the repository's.
  std::vector<Reference> references;
  if (!named.tag.empty()) {
    if (!images_->resolve(named.string()))
      return Error::not_found("An image does not exist locally with the tag: " + named.familiar_string());
    references.push_back(named);
  } else {
    const std::string prefix = named.name() + ":";
    for (const auto& image : images_->list())
      for (const auto& tag : image.tags)
        if (starts_with(tag, prefix) && tag.find('@') == std::string::npos)
          if (auto reference = parse_reference(tag)) references.push_back(std::move(*reference));
    if (references.empty())
      return Error::not_found("An image does not exist locally with the tag: " + named.familiar_name());
    std::sort(references.begin(), references.end(),
              [](const Reference& a, const Reference& b) { return a.tag < b.tag; });
  }
  auto credentials = decode_registry_auth(options.registry_auth);
  if (!credentials) return std::move(credentials).error();
  ImageStore& images = *images_;
  RegistryService& service = registry();
  auto job = [&images, &service, references, credentials = *credentials](ProgressWriter& progress) -> Status {
    progress.status("The push refers to repository [" + references.front().name() + "]");
    for (const Reference& reference : references) GOCKER_TRY(push_tag(images, service, reference, credentials, progress));
    return ok();
  };
  return service.start(executor_, std::move(job));
}

}  // namespace gocker::engine
