// GET /images/get: images as a docker-archive in the layout Docker 25 and later write, which is
// both the classic docker-archive (manifest.json with Config, RepoTags and Layers paths, plus the
// legacy `repositories` file) and an OCI image layout (oci-layout, index.json, blobs/sha256/):
//
//   blobs/sha256/<diff id hex>     each layer's uncompressed tar (so its digest is its diff id)
//   blobs/sha256/<image id hex>    each image config, byte for byte as stored
//   blobs/sha256/<manifest hex>    each image's OCI manifest
//   index.json  manifest.json  oci-layout  repositories
//
// The layer tars are the ones the store kept at import (ImageStore::open_layer_tar), opened before
// the server answers; they are streamed to the client in pieces, never read whole.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/strings.hpp"
#include "engine/engine_impl.hpp"
#include "engine/image_archive_tar.hpp"
#include "engine/reference.hpp"

namespace gocker::engine {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kOciManifestType = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kOciConfigType = "application/vnd.oci.image.config.v1+json";
constexpr std::string_view kOciLayerType = "application/vnd.oci.image.layer.v1.tar";

std::string hex_of(std::string_view digest) {
  if (starts_with(digest, "sha256:")) digest.remove_prefix(7);
  return std::string(digest);
}

// One member of the archive: its bytes in memory (JSON documents, directories) or a layer tar file.
struct Member {
  std::string name;
  char type = '0';
  std::string text;
  std::shared_ptr<UniqueFd> file;  // shared: a layer two images use is written once, opened once
  int64_t file_size = 0;
};

class SavedImages final : public Engine::ImageArchive, public std::enable_shared_from_this<SavedImages> {
 public:
  SavedImages(std::vector<Member> members, int64_t mtime) : members_(std::move(members)), mtime_(mtime) {}

  Task<void> send(UnixSocket client) override {
    auto self = shared_from_this();
    constexpr size_t kChunk = 256 * 1024;
    std::string pending;
    auto flush = [&]() -> Task<bool> {
      if (pending.empty()) co_return true;
      auto [error, written] = co_await asio::async_write(client, asio::buffer(pending), asio::as_tuple(asio::use_awaitable));
      (void)written;
      pending.clear();
      co_return !error;
    };
    bool healthy = true;
    for (const Member& member : members_) {
      if (!healthy) break;
      const int64_t size = member.file ? member.file_size : static_cast<int64_t>(member.text.size());
      pending += ustar_header(member.name, member.type, size, mtime_, member.type == '5' ? 0755 : 0644);
      if (!member.file) {
        pending += member.text;
      } else {
        int64_t offset = 0;
        while (offset < size) {
          const size_t old_size = pending.size();
          const size_t want = static_cast<size_t>(std::min<int64_t>(kChunk, size - offset));
          pending.resize(old_size + want);
          ssize_t count = ::pread(member.file->get(), pending.data() + old_size, want, offset);
          if (count < 0 && errno == EINTR) {
            pending.resize(old_size);
            continue;
          }
          if (count <= 0) {
            // A short layer tar would make a wrong archive: cut the stream instead.
            spdlog::warn("save: reading {}: {}", member.name, count < 0 ? std::strerror(errno) : "unexpected end of file");
            healthy = false;
            break;
          }
          pending.resize(old_size + static_cast<size_t>(count));
          offset += count;
          if (pending.size() >= kChunk && !(healthy = co_await flush())) break;
        }
        if (!healthy) break;
      }
      pending += tar_padding(size);
      if (pending.size() >= kChunk) healthy = co_await flush();
    }
    if (healthy) {
      pending += tar_end();
      co_await flush();
    }
    boost::system::error_code ignored;
    client.shutdown(UnixSocket::shutdown_both, ignored);
    client.close(ignored);
  }

 private:
  std::vector<Member> members_;
  int64_t mtime_;
};

struct SavedImage {
  state::ImageRecord record;
  std::vector<std::string> tags;  // normalized references to write, in the order asked
};

}  // namespace

Result<std::shared_ptr<Engine::ImageArchive>> EngineImpl::save_images(const std::vector<std::string>& names) {
  if (names.empty()) return Error::invalid("no image names given");
  std::vector<SavedImage> images;
  auto add = [&images](const state::ImageRecord& record, const std::string& tag) {
    auto found = std::find_if(images.begin(), images.end(), [&](const SavedImage& image) { return image.record.id == record.id; });
    if (found == images.end()) {
      images.push_back({record, {}});
      found = std::prev(images.end());
    }
    if (!tag.empty() && std::find(found->tags.begin(), found->tags.end(), tag) == found->tags.end()) found->tags.push_back(tag);
  };
  const std::vector<state::ImageRecord> all = images_->list();
  for (const std::string& name : names) {
    // A repository without a tag saves every tag of it, as docker save does.
    auto reference = parse_reference(name);
    bool added = false;
    if (reference && reference->tag.empty() && reference->digest.empty()) {
      for (const state::ImageRecord& record : all) {
        for (const std::string& tag : record.tags) {
          auto parsed = parse_reference(tag);
          if (parsed && parsed->name() == reference->name() && parsed->digest.empty()) {
            add(record, tag);
            added = true;
          }
        }
      }
    }
    if (added) continue;
    auto record = images_->resolve(name);
    if (!record) return std::move(record).error();
    std::string tag;
    if (reference && reference->digest.empty()) {
      const std::string normalized = with_default_tag(*reference).string();
      if (std::find(record->tags.begin(), record->tags.end(), normalized) != record->tags.end()) tag = normalized;
    }
    add(*record, tag);
  }

  std::vector<Member> members;
  members.push_back({"blobs/", '5', "", nullptr, 0});
  members.push_back({"blobs/sha256/", '5', "", nullptr, 0});
  std::set<std::string> written;  // blob hexes
  nlohmann::json manifest_json = nlohmann::json::array();
  nlohmann::json index_manifests = nlohmann::json::array();
  nlohmann::json repositories = nlohmann::json::object();
  int64_t newest = 0;
  for (const SavedImage& image : images) {
    newest = std::max(newest, image.record.created);
    auto config = nlohmann::json::parse(image.record.config_json, nullptr, false);
    std::vector<std::string> diff_ids;
    if (config.is_object() && config.contains("rootfs") && config["rootfs"].is_object()) {
      const auto& ids = config["rootfs"].value("diff_ids", nlohmann::json::array());
      for (const auto& id : ids)
        if (id.is_string()) diff_ids.push_back(id.get<std::string>());
    }
    const std::vector<state::LayerRecord> layers = images_->layers_of(image.record);
    if (layers.size() != diff_ids.size())
      return Error::internal("save " + image.record.id + ": its config names " + std::to_string(diff_ids.size()) +
                             " layers, the store has " + std::to_string(layers.size()));
    nlohmann::json layer_paths = nlohmann::json::array();
    nlohmann::json layer_descriptors = nlohmann::json::array();
    for (const state::LayerRecord& layer : layers) {
      const std::string hex = hex_of(layer.diff_id);
      const std::string path = "blobs/sha256/" + hex;
      layer_paths.push_back(path);
      int64_t size = 0;
      if (auto found = std::find_if(members.begin(), members.end(), [&](const Member& m) { return m.name == path; });
          found != members.end()) {
        size = found->file_size;
      } else {
        auto fd = images_->open_layer_tar(layer.chain_id);
        if (!fd) return std::move(fd).error().context("save " + image.record.id);
        struct stat info {};
        if (::fstat(fd->get(), &info) != 0) return Error::from_errno(errno, "save: stat layer tar " + layer.chain_id);
        size = info.st_size;
        members.push_back({path, '0', "", std::make_shared<UniqueFd>(std::move(*fd)), size});
        written.insert(hex);
      }
      layer_descriptors.push_back({{"mediaType", kOciLayerType}, {"digest", layer.diff_id}, {"size", size}});
    }
    const std::string config_hex = hex_of(image.record.id);
    if (written.insert(config_hex).second)
      members.push_back({"blobs/sha256/" + config_hex, '0', image.record.config_json, nullptr, 0});

    nlohmann::json manifest = {
        {"schemaVersion", 2},
        {"mediaType", kOciManifestType},
        {"config", {{"mediaType", kOciConfigType}, {"digest", image.record.id}, {"size", image.record.config_json.size()}}},
        {"layers", layer_descriptors},
    };
    const std::string manifest_text = manifest.dump();
    const std::string manifest_digest = sha256_digest(manifest_text);
    if (written.insert(hex_of(manifest_digest)).second)
      members.push_back({"blobs/sha256/" + hex_of(manifest_digest), '0', manifest_text, nullptr, 0});

    nlohmann::json repo_tags = nlohmann::json::array();
    nlohmann::json descriptor = {{"mediaType", kOciManifestType}, {"digest", manifest_digest}, {"size", manifest_text.size()}};
    for (const std::string& tag : image.tags) {
      auto parsed = parse_reference(tag);
      if (!parsed) continue;
      repo_tags.push_back(parsed->familiar_string());
      nlohmann::json tagged = descriptor;
      tagged["annotations"] = {{"io.containerd.image.name", tag}, {"org.opencontainers.image.ref.name", parsed->tag}};
      index_manifests.push_back(std::move(tagged));
      if (!layers.empty()) repositories[parsed->familiar_name()][parsed->tag] = hex_of(layers.back().diff_id);
    }
    if (image.tags.empty()) index_manifests.push_back(descriptor);
    manifest_json.push_back({{"Config", "blobs/sha256/" + config_hex}, {"RepoTags", repo_tags}, {"Layers", layer_paths}});
  }
  nlohmann::json index = {{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"}, {"manifests", index_manifests}};
  members.push_back({"index.json", '0', index.dump() + "\n", nullptr, 0});
  members.push_back({"manifest.json", '0', manifest_json.dump() + "\n", nullptr, 0});
  members.push_back({"oci-layout", '0', R"({"imageLayoutVersion":"1.0.0"})", nullptr, 0});
  if (!repositories.empty()) members.push_back({"repositories", '0', repositories.dump() + "\n", nullptr, 0});
  spdlog::info("saving {} image(s)", images.size());
  return std::shared_ptr<ImageArchive>(std::make_shared<SavedImages>(std::move(members), newest));
}

}  // namespace gocker::engine
