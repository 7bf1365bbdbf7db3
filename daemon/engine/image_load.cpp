// POST /images/load: the upload (an unnamed file, engine/anonymous_file.hpp) is an image archive:
//   - a docker-archive: manifest.json lists each image's Config and Layers paths and RepoTags
//     (what docker save writes, the classic layout and Docker 25+'s, and skopeo's docker-archive);
//   - an OCI image layout: index.json -> manifests -> config and layer blobs, each checked
//     against its digest (used when there is no manifest.json).
// A compressed archive is first decompressed to a second unnamed file. The tar is indexed in place
// (engine/image_archive_tar.hpp) and each layer imported straight from its range of the file.
// Every layer is imported and checked against its config's diff id before any image is
// registered: a corrupt archive registers nothing, and its new layers are discarded.
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "engine/anonymous_file.hpp"
#include "engine/engine_impl.hpp"
#include "engine/image_archive_tar.hpp"
#include "engine/image_config.hpp"
#include "engine/reference.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {
namespace {

struct PlannedLayer {
  TarMember member;
  std::string blob_digest;  // OCI layouts: the blob's own digest, checked before import
};

struct PlannedImage {
  std::string config;
  std::vector<std::string> diff_ids;
  std::vector<PlannedLayer> layers;
  std::vector<std::string> tags;  // normalized
};

bool is_sha256_digest(std::string_view text) {
  if (!starts_with(text, "sha256:") || text.size() != 71) return false;
  for (char c : text.substr(7))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Result<nlohmann::json> parse_json(std::string_view text, const std::string& what) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return Error::invalid("invalid archive: " + what + " is not valid JSON");
  return json;
}

// The config's rootfs.diff_ids, each a sha256 digest.
Result<std::vector<std::string>> config_diff_ids(const std::string& config_text, const std::string& what) {
  auto config = parse_json(config_text, what);
  if (!config) return std::move(config).error();
  if (!config->is_object()) return Error::invalid("invalid archive: " + what + " is not a JSON object");
  auto rootfs = config->find("rootfs");
  if (rootfs == config->end() || !rootfs->is_object() || !rootfs->contains("diff_ids") || !(*rootfs)["diff_ids"].is_array())
    return Error::invalid("invalid archive: " + what + " has no rootfs.diff_ids");
  std::vector<std::string> ids;
  for (const auto& id : (*rootfs)["diff_ids"]) {
    if (!id.is_string() || !is_sha256_digest(id.get<std::string>()))
      return Error::invalid("invalid archive: " + what + " has a malformed diff id");
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

Result<std::string> normalized_tag(const std::string& text) {
  auto reference = parse_reference(text);
  if (!reference) return std::move(reference).error().context("invalid archive: RepoTags " + quoted(text));
  if (!reference->digest.empty()) return Error::invalid("invalid archive: RepoTags " + quoted(text) + " has a digest");
  return with_default_tag(*reference).string();
}

Result<std::vector<PlannedImage>> plan_docker_archive(int fd, const TarIndex& index) {
  auto text = index.read(fd, "manifest.json");
  if (!text) return std::move(text).error();
  auto manifest = parse_json(*text, "manifest.json");
  if (!manifest) return std::move(manifest).error();
  if (!manifest->is_array()) return Error::invalid("invalid archive: manifest.json is not a list");
  std::vector<PlannedImage> images;
  for (const auto& entry : *manifest) {
    if (!entry.is_object() || !entry.contains("Config") || !entry["Config"].is_string())
      return Error::invalid("invalid archive: a manifest.json entry has no Config");
    PlannedImage image;
    const std::string config_path = entry["Config"].get<std::string>();
    auto config = index.read(fd, config_path);
    if (!config) return std::move(config).error().context("invalid archive");
    image.config = std::move(*config);
    auto diff_ids = config_diff_ids(image.config, config_path);
    if (!diff_ids) return std::move(diff_ids).error();
    image.diff_ids = std::move(*diff_ids);
    const auto layers = entry.value("Layers", nlohmann::json::array());
    if (!layers.is_array() || layers.size() != image.diff_ids.size())
      return Error::invalid("invalid archive: " + config_path + " names " + std::to_string(image.diff_ids.size()) +
                            " layers, manifest.json " + std::to_string(layers.is_array() ? layers.size() : 0));
    for (const auto& layer : layers) {
      if (!layer.is_string()) return Error::invalid("invalid archive: a layer path is not a string");
      auto member = index.file(layer.get<std::string>());
      if (!member) return std::move(member).error().context("invalid archive");
      image.layers.push_back({*member, ""});
    }
    const auto repo_tags = entry.value("RepoTags", nlohmann::json::array());
    if (repo_tags.is_array()) {
      for (const auto& tag : repo_tags) {
        if (!tag.is_string()) continue;
        auto normalized = normalized_tag(tag.get<std::string>());
        if (!normalized) return std::move(normalized).error();
        image.tags.push_back(std::move(*normalized));
      }
    }
    images.push_back(std::move(image));
  }
  return images;
}

// A blob of an OCI layout, checked against its digest.
Result<TarMember> oci_blob(const TarIndex& index, const std::string& digest) {
  if (!is_sha256_digest(digest)) return Error::invalid("invalid archive: unsupported digest " + quoted(digest));
  return index.file("blobs/sha256/" + digest.substr(7));
}

Result<std::string> read_oci_blob(int fd, const TarIndex& index, const std::string& digest) {
  auto member = oci_blob(index, digest);
  if (!member) return std::move(member).error().context("invalid archive");
  auto text = index.read(fd, "blobs/sha256/" + digest.substr(7));
  if (!text) return std::move(text).error();
  if (sha256_digest(*text) != digest) return Error::invalid("invalid archive: blob " + digest + " does not match its digest");
  return text;
}

std::string json_string(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<std::vector<PlannedImage>> plan_oci_layout(int fd, const TarIndex& index) {
  auto text = index.read(fd, "index.json");
  if (!text) return std::move(text).error();
  auto top = parse_json(*text, "index.json");
  if (!top) return std::move(top).error();
  if (!top->is_object() || !top->contains("manifests") || !(*top)["manifests"].is_array())
    return Error::invalid("invalid archive: index.json has no manifests");
  std::vector<PlannedImage> images;
  std::map<std::string, size_t> by_manifest;  // manifest digest -> images index
  for (const auto& outer : (*top)["manifests"]) {
    if (!outer.is_object()) continue;
    nlohmann::json descriptor = outer;
    std::string media_type = json_string(descriptor, "mediaType");
    if (media_type == "application/vnd.oci.image.index.v1+json" ||
        media_type == "application/vnd.docker.distribution.manifest.list.v2+json") {
      auto nested_text = read_oci_blob(fd, index, json_string(descriptor, "digest"));
      if (!nested_text) return std::move(nested_text).error();
      auto nested = parse_json(*nested_text, "an image index");
      if (!nested) return std::move(nested).error();
      const auto manifests = nested->value("manifests", nlohmann::json::array());
      std::optional<nlohmann::json> chosen;
      for (const auto& candidate : manifests) {
        const auto platform = candidate.value("platform", nlohmann::json::object());
        if (platform.value("os", "linux") == "linux" && platform.value("architecture", image_architecture()) == image_architecture()) {
          chosen = candidate;
          break;
        }
      }
      if (!chosen) return Error::invalid(std::string("invalid archive: no image for linux/") + image_architecture());
      descriptor = *chosen;
      if (outer.contains("annotations")) descriptor["annotations"] = outer["annotations"];
    }
    const std::string manifest_digest = json_string(descriptor, "digest");
    std::string tag;
    const auto annotations = descriptor.value("annotations", nlohmann::json::object());
    if (annotations.is_object()) {
      std::string name = json_string(annotations, "io.containerd.image.name");
      if (name.empty()) {
        // A bare tag ("latest") names no repository; a full reference does.
        name = json_string(annotations, "org.opencontainers.image.ref.name");
        if (name.find_first_of(":/") == std::string::npos) name.clear();
      }
      if (!name.empty()) {
        auto normalized = normalized_tag(name);
        if (!normalized) return std::move(normalized).error();
        tag = std::move(*normalized);
      }
    }
    if (auto known = by_manifest.find(manifest_digest); known != by_manifest.end()) {
      if (!tag.empty()) images[known->second].tags.push_back(tag);
      continue;
    }
    auto manifest_text = read_oci_blob(fd, index, manifest_digest);
    if (!manifest_text) return std::move(manifest_text).error();
    auto manifest = parse_json(*manifest_text, "manifest " + manifest_digest);
    if (!manifest) return std::move(manifest).error();
    if (!manifest->is_object() || !manifest->contains("config") || !(*manifest)["config"].is_object())
      return Error::invalid("invalid archive: manifest " + manifest_digest + " has no config");
    PlannedImage image;
    auto config = read_oci_blob(fd, index, json_string((*manifest)["config"], "digest"));
    if (!config) return std::move(config).error();
    image.config = std::move(*config);
    auto diff_ids = config_diff_ids(image.config, "config of " + manifest_digest);
    if (!diff_ids) return std::move(diff_ids).error();
    image.diff_ids = std::move(*diff_ids);
    const auto layers = manifest->value("layers", nlohmann::json::array());
    if (!layers.is_array() || layers.size() != image.diff_ids.size())
      return Error::invalid("invalid archive: manifest " + manifest_digest + " and its config disagree on the layer count");
    for (const auto& layer : layers) {
      const std::string digest = layer.is_object() ? json_string(layer, "digest") : "";
      auto member = oci_blob(index, digest);
      if (!member) return std::move(member).error().context("invalid archive");
      image.layers.push_back({*member, digest});
    }
    if (!tag.empty()) image.tags.push_back(tag);
    by_manifest.emplace(manifest_digest, images.size());
    images.push_back(std::move(image));
  }
  return images;
}

// A compressed upload, decompressed into a new unnamed file; nullopt for a plain tar.
Result<std::optional<UniqueFd>> decompressed(int fd, const std::string& tmp_dir) {
  unsigned char magic[6] = {};
  ssize_t count = ::pread(fd, magic, sizeof magic, 0);
  if (count < 0) return Error::from_errno(errno, "read the upload");
  const bool gzip = count >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  const bool zstd = count >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd;
  const bool xz = count >= 6 && magic[0] == 0xfd && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X';
  const bool bzip2 = count >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h';
  if (!gzip && !zstd && !xz && !bzip2) return std::optional<UniqueFd>();

  auto out = open_anonymous_file(tmp_dir);
  if (!out) return std::move(out).error();
  UniqueFd input(::open(reopen_path(fd).c_str(), O_RDONLY | O_CLOEXEC));
  if (!input) return Error::from_errno(errno, "reopen the upload");
  std::unique_ptr<archive, int (*)(archive*)> reader(archive_read_new(), archive_read_free);
  if (!reader) return Error::internal("libarchive: out of memory");
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_raw(reader.get());
  archive_entry* entry = nullptr;
  if (archive_read_open_fd(reader.get(), input.get(), 64 * 1024) != ARCHIVE_OK ||
      archive_read_next_header(reader.get(), &entry) != ARCHIVE_OK) {
    const char* message = archive_error_string(reader.get());
    return Error::invalid(std::string("invalid archive: ") + (message ? message : "cannot decompress"));
  }
  std::vector<char> buffer(256 * 1024);
  while (true) {
    la_ssize_t got = archive_read_data(reader.get(), buffer.data(), buffer.size());
    if (got == 0) break;
    if (got < 0) {
      const char* message = archive_error_string(reader.get());
      return Error::invalid(std::string("invalid archive: ") + (message ? message : "cannot decompress"));
    }
    const char* data = buffer.data();
    size_t left = static_cast<size_t>(got);
    while (left > 0) {
      ssize_t written = ::write(out->get(), data, left);
      if (written < 0 && errno == EINTR) continue;
      if (written < 0) return Error::from_errno(errno, "write the decompressed upload");
      data += written;
      left -= static_cast<size_t>(written);
    }
  }
  return std::optional<UniqueFd>(std::move(*out));
}

std::string message_line(const nlohmann::json& message) { return message.dump() + "\r\n"; }

}  // namespace

Result<std::vector<std::string>> EngineImpl::load_images(const Upload& upload, bool quiet) {
  auto plain = decompressed(upload.fd(), images_->tmp_dir());
  if (!plain) return std::move(plain).error();
  const int fd = *plain ? (*plain)->get() : upload.fd();

  auto index = TarIndex::build(fd);
  if (!index) return std::move(index).error();
  Result<std::vector<PlannedImage>> planned = Error::invalid("invalid archive: no manifest.json or index.json in it");
  if (index->contains("manifest.json")) {
    planned = plan_docker_archive(fd, *index);
  } else if (index->contains("index.json")) {
    planned = plan_oci_layout(fd, *index);
  }
  if (!planned) return std::move(planned).error();
  if (planned->empty()) return Error::invalid("invalid archive: it holds no image");

  std::vector<std::string> messages;
  std::vector<state::LayerRecord> imported;  // new in this load, discarded unless registered
  ScopeGuard discard([&] {
    for (const state::LayerRecord& layer : imported) images_->discard_if_unregistered(layer);
  });
  std::map<std::string, state::LayerRecord> this_load;  // chain id -> layer imported here
  std::vector<std::vector<state::LayerRecord>> image_layers;
  for (const PlannedImage& image : *planned) {
    std::vector<state::LayerRecord> layers;
    std::string parent;
    for (size_t i = 0; i < image.layers.size(); ++i) {
      const std::string chain_id = layer_chain_id(parent, image.diff_ids[i]);
      if (auto stored = images_->find_layer(chain_id)) {
        layers.push_back(*stored);
      } else if (auto found = this_load.find(chain_id); found != this_load.end()) {
        layers.push_back(found->second);
      } else {
        const TarMember& member = image.layers[i].member;
        if (!image.layers[i].blob_digest.empty()) {
          auto digest = sha256_of_range(fd, member.offset, member.size);
          if (!digest) return std::move(digest).error();
          if (*digest != image.layers[i].blob_digest)
            return Error::invalid("invalid archive: layer blob " + image.layers[i].blob_digest + " does not match its digest");
        }
        auto layer = images_->import_layer(LayerSource{fd, member.offset, member.size}, parent);
        if (!layer) return std::move(layer).error().context("load layer " + std::to_string(i));
        imported.push_back(*layer);
        if (layer->diff_id != image.diff_ids[i]) {
          return Error::invalid("invalid diffID for layer " + std::to_string(i) + ": expected " + quoted(image.diff_ids[i]) +
                                ", got " + quoted(layer->diff_id));
        }
        this_load.emplace(chain_id, *layer);
        layers.push_back(*layer);
        if (!quiet) {
          messages.push_back(message_line({{"status", "Loading layer"},
                                           {"progressDetail", {{"current", member.size}, {"total", member.size}}},
                                           {"id", layer->diff_id.substr(7, 12)}}));
        }
      }
      parent = chain_id;
    }
    image_layers.push_back(std::move(layers));
  }

  for (size_t i = 0; i < planned->size(); ++i) {
    const PlannedImage& image = (*planned)[i];
    int64_t created = 0;
    if (auto config = nlohmann::json::parse(image.config, nullptr, false); config.is_object()) {
      if (auto nanos = parse_rfc3339_nanos(json_string(config, "created"))) created = *nanos / 1'000'000'000;
    }
    auto stored = images_->create_image(image.config, image_layers[i], image.tags, created);
    if (!stored) return std::move(stored).error().context("load image");
    if (image.tags.empty()) {
      messages.push_back(message_line({{"stream", "Loaded image ID: " + stored->id + "\n"}}));
    }
    for (const std::string& tag : image.tags)
      messages.push_back(message_line({{"stream", "Loaded image: " + familiar_reference(tag) + "\n"}}));
    spdlog::info("loaded image {}", stored->id);
  }
  discard.dismiss();
  return messages;
}

}  // namespace gocker::engine
