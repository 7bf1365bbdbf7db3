#include "engine/blob_sums.hpp"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/strings.hpp"

namespace gocker::engine {

namespace {

constexpr size_t kKeptBlobs = 8;
std::mutex blob_sums_mutex;  // one writer at a time: parallel transfers may record the same layer

std::string sums_path(const std::string& root, std::string_view diff_id) {
  if (starts_with(diff_id, "sha256:")) diff_id.remove_prefix(7);
  return root + "/distribution/" + std::string(diff_id) + ".json";
}

std::vector<KnownLayerBlob> read_sums(const std::string& path) {
  std::vector<KnownLayerBlob> blobs;
  std::ifstream file(path);
  if (!file) return blobs;
  std::stringstream text;
  text << file.rdbuf();
  auto document = nlohmann::json::parse(text.str(), nullptr, false);
  if (!document.is_array()) return blobs;
  for (const auto& entry : document) {
    if (!entry.is_object()) continue;
    KnownLayerBlob known;
    known.blob.digest = entry.value("digest", "");
    known.blob.media_type = entry.value("mediaType", "");
    known.blob.size = entry.value("size", int64_t{0});
    known.registry = entry.value("registry", "");
    known.repository = entry.value("repository", "");
    if (starts_with(known.blob.digest, "sha256:")) blobs.push_back(std::move(known));
  }
  return blobs;
}

}  // namespace

std::vector<KnownLayerBlob> known_layer_blobs(const std::string& root, const std::string& diff_id) {
  std::lock_guard lock(blob_sums_mutex);
  return read_sums(sums_path(root, diff_id));
}

void remember_layer_blob(const std::string& root, const std::string& diff_id, const BlobDescriptor& blob,
                         const std::string& registry, const std::string& repository) {
  std::lock_guard lock(blob_sums_mutex);
  const std::string path = sums_path(root, diff_id);
  std::vector<KnownLayerBlob> blobs = read_sums(path);
  // An entry without a repository is the same blob seen before gocker recorded where: replaced.
  std::erase_if(blobs, [&](const KnownLayerBlob& known) {
    return known.blob.digest == blob.digest &&
           ((known.registry == registry && known.repository == repository) || known.repository.empty());
  });
  blobs.insert(blobs.begin(), KnownLayerBlob{blob, registry, repository});
  if (blobs.size() > kKeptBlobs) blobs.resize(kKeptBlobs);
  nlohmann::json document = nlohmann::json::array();
  for (const auto& known : blobs) {
    nlohmann::json entry = {{"digest", known.blob.digest}, {"mediaType", known.blob.media_type}, {"size", known.blob.size}};
    if (!known.repository.empty()) {
      entry["registry"] = known.registry;
      entry["repository"] = known.repository;
    }
    document.push_back(std::move(entry));
  }

  std::error_code error;
  std::filesystem::create_directories(root + "/distribution", error);
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << document.dump();
    if (!file.flush()) {
      spdlog::warn("record blob {} of layer {}: write {}", blob.digest, diff_id, gocker::quoted(temporary));
      return;
    }
  }
  std::filesystem::rename(temporary, path, error);
  if (error) spdlog::warn("record blob {} of layer {}: {}", blob.digest, diff_id, error.message());
}

}  // namespace gocker::engine
