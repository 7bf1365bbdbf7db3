#include "engine/registry_distribution.hpp"

#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "base/strings.hpp"

namespace gocker::engine {
namespace {

constexpr size_t kSmallBlobLimit = 16 * 1024 * 1024;

std::string hex(const unsigned char* bytes, size_t length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < length; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

std::string text_field(const nlohmann::json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool is_sha256_digest(std::string_view digest) {
  if (!starts_with(digest, "sha256:") || digest.size() != 7 + 64) return false;
  for (char c : digest.substr(7))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Result<BlobDescriptor> parse_descriptor(const nlohmann::json& object, const std::string& what) {
  if (!object.is_object()) return Error::invalid(what + ": not an object");
  BlobDescriptor blob;
  blob.media_type = text_field(object, "mediaType");
  blob.digest = text_field(object, "digest");
  auto size = object.find("size");
  if (size != object.end() && size->is_number_integer()) blob.size = size->get<int64_t>();
  // Only sha256 is accepted: the store and every check here are sha256.
  if (!is_sha256_digest(blob.digest)) return Error::invalid(what + ": unsupported digest " + gocker::quoted(blob.digest));
  if (blob.size < 0) return Error::invalid(what + ": negative size");
  return blob;
}

const char* kAcceptedManifests =
    "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";

struct FetchedManifest {
  std::string media_type;
  std::string digest;
  std::string bytes;
};

Result<FetchedManifest> fetch_manifest(RegistryHttp& http, const std::string& repository, const std::string& reference) {
  auto response = http.send("GET", "/v2/" + repository + "/manifests/" + reference, {{"Accept", kAcceptedManifests}});
  if (!response) return std::move(response).error();
  const std::string name = repository + (starts_with(reference, "sha256:") ? "@" : ":") + reference;
  if (response->status == 404)
    return Error::not_found("manifest for " + name + " not found: " + registry_error_text(*response));
  if (response->status == 401 || response->status == 403)
    return Error::unavailable("pull access denied for " + repository + ": " + registry_error_text(*response));
  if (response->status != 200) return Error::unavailable("manifest for " + name + ": " + registry_error_text(*response));

  FetchedManifest manifest;
  manifest.bytes = std::move(response->body);
  Sha256Stream hash;
  hash.update(manifest.bytes.data(), manifest.bytes.size());
  manifest.digest = hash.finish();
  if (starts_with(reference, "sha256:") && manifest.digest != reference)
    return Error::invalid("manifest for " + name + ": its content has digest " + manifest.digest);
  std::string content_type = response->header("content-type");
  content_type = content_type.substr(0, content_type.find(';'));
  auto document = nlohmann::json::parse(manifest.bytes, nullptr, false);
  if (!document.is_object()) return Error::invalid("manifest for " + name + " is not a JSON object");
  manifest.media_type = text_field(document, "mediaType");
  if (manifest.media_type.empty()) manifest.media_type = content_type;
  if (manifest.media_type.empty() || manifest.media_type == "application/json") {
    // OCI documents may leave mediaType out: tell them apart by their fields.
    manifest.media_type = document.contains("manifests") ? std::string(kOciIndexType) : std::string(kOciManifestType);
  }
  return manifest;
}

}  // namespace

Sha256Stream::Sha256Stream() : context_(EVP_MD_CTX_new()) {
  if (context_ != nullptr) EVP_DigestInit_ex(context_, EVP_sha256(), nullptr);
}
Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(context_); }
void Sha256Stream::update(const void* data, size_t length) {
  if (context_ != nullptr) EVP_DigestUpdate(context_, data, length);
}
std::string Sha256Stream::finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (context_ == nullptr || EVP_DigestFinal_ex(context_, digest.data(), &length) != 1) return "";
  return "sha256:" + hex(digest.data(), length);
}

Status DigestingFile::write(const char* data, size_t length) {
  hash_.update(data, length);
  size_ += static_cast<int64_t>(length);
  while (length > 0) {
    ssize_t written = ::write(fd_, data, length);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return Error::from_errno(errno, "write downloaded blob");
    data += written;
    length -= static_cast<size_t>(written);
  }
  return ok();
}

Status DigestingFile::verify(const BlobDescriptor& blob) {
  const std::string digest = hash_.finish();
  if (digest != blob.digest)
    return Error::invalid("filesystem layer verification failed for digest " + blob.digest + " (the download has digest " +
                          digest + ")");
  if (blob.size > 0 && size_ != blob.size)
    return Error::invalid("blob " + blob.digest + ": got " + std::to_string(size_) + " bytes, the manifest says " +
                          std::to_string(blob.size));
  return ok();
}

std::string short_digest(std::string_view digest) {
  if (starts_with(digest, "sha256:")) digest.remove_prefix(7);
  return std::string(digest.substr(0, 12));
}

std::string registry_error_text(const HttpResult& response) {
  auto document = nlohmann::json::parse(response.body, nullptr, false);
  if (document.is_object()) {
    auto errors = document.find("errors");
    if (errors != document.end() && errors->is_array() && !errors->empty() && (*errors)[0].is_object()) {
      const std::string code = text_field((*errors)[0], "code");
      const std::string message = text_field((*errors)[0], "message");
      if (!message.empty()) return code.empty() ? message : lowercase(code) + ": " + message;
    }
  }
  return "registry answered HTTP " + std::to_string(response.status);
}

Result<ImageManifest> parse_image_manifest(std::string_view bytes, std::string_view media_type) {
  if (media_type != kOciManifestType && media_type != kDockerManifestType)
    return Error::invalid("unsupported manifest media type " + gocker::quoted(media_type));
  auto document = nlohmann::json::parse(bytes, nullptr, false);
  if (!document.is_object()) return Error::invalid("manifest is not a JSON object");
  ImageManifest manifest;
  manifest.media_type = std::string(media_type);
  manifest.bytes = std::string(bytes);
  auto config = document.find("config");
  if (config == document.end()) return Error::invalid("manifest has no config");
  auto descriptor = parse_descriptor(*config, "manifest config");
  if (!descriptor) return std::move(descriptor).error();
  manifest.config = *descriptor;
  auto layers = document.find("layers");
  if (layers == document.end() || !layers->is_array()) return Error::invalid("manifest has no layers");
  for (const auto& layer : *layers) {
    auto blob = parse_descriptor(layer, "manifest layer");
    if (!blob) return std::move(blob).error();
    const std::string& type = blob->media_type;
    // Foreign (non-distributable) layers and anything that is not a tar are refused.
    if (type.find("foreign") != std::string::npos || type.find("nondistributable") != std::string::npos ||
        (type.find("tar") == std::string::npos && !type.empty()))
      return Error::invalid("unsupported layer media type " + gocker::quoted(type));
    manifest.layers.push_back(*blob);
  }
  return manifest;
}

Result<BlobDescriptor> select_platform(std::string_view index_bytes, std::string_view architecture) {
  auto document = nlohmann::json::parse(index_bytes, nullptr, false);
  if (!document.is_object()) return Error::invalid("image index is not a JSON object");
  auto manifests = document.find("manifests");
  if (manifests == document.end() || !manifests->is_array()) return Error::invalid("image index has no manifests");
  for (const auto& entry : *manifests) {
    if (!entry.is_object()) continue;
    auto platform = entry.find("platform");
    if (platform == entry.end() || !platform->is_object()) continue;
    if (text_field(*platform, "os") != "linux" || text_field(*platform, "architecture") != architecture) continue;
    return parse_descriptor(entry, "image index entry");
  }
  return Error::not_found("no matching manifest for linux/" + std::string(architecture) + " in the manifest list entries");
}

Result<ImageManifest> fetch_image_manifest(RegistryHttp& http, const std::string& repository, const std::string& reference) {
  auto fetched = fetch_manifest(http, repository, reference);
  if (!fetched) return std::move(fetched).error();
  const std::string digest = fetched->digest;
  if (fetched->media_type == kOciIndexType || fetched->media_type == kDockerListType) {
#if defined(__x86_64__)
    constexpr std::string_view kArchitecture = "amd64";
#elif defined(__aarch64__)
    constexpr std::string_view kArchitecture = "arm64";
#else
    constexpr std::string_view kArchitecture = "amd64";
#endif
    auto entry = select_platform(fetched->bytes, kArchitecture);
    if (!entry) return std::move(entry).error();
    fetched = fetch_manifest(http, repository, entry->digest);
    if (!fetched) return std::move(fetched).error();
  }
  if (fetched->media_type == "application/vnd.docker.distribution.manifest.v1+prettyjws" ||
      fetched->media_type == "application/vnd.docker.distribution.manifest.v1+json")
    return Error::invalid("manifest for " + repository + ": Docker schema 1 images are not supported");
  auto manifest = parse_image_manifest(fetched->bytes, fetched->media_type);
  if (!manifest) return std::move(manifest).error().context("manifest for " + repository);
  manifest->digest = digest;
  return manifest;
}

Status fetch_blob(RegistryHttp& http, const std::string& repository, const BlobDescriptor& blob, const BodySink& sink) {
  auto response = http.send("GET", "/v2/" + repository + "/blobs/" + blob.digest, {}, nullptr, &sink);
  if (!response) return std::move(response).error().context("download " + blob.digest);
  if (response->status != 200)
    return Error::unavailable("download " + blob.digest + ": " + registry_error_text(*response));
  return ok();
}

Result<std::string> fetch_small_blob(RegistryHttp& http, const std::string& repository, const BlobDescriptor& blob) {
  if (blob.size > static_cast<int64_t>(kSmallBlobLimit)) return Error::invalid("blob " + blob.digest + " is too large");
  std::string bytes;
  Sha256Stream hash;
  BodySink sink = [&](const char* data, size_t length) -> Status {
    if (bytes.size() + length > kSmallBlobLimit) return Error::invalid("blob " + blob.digest + " is too large");
    bytes.append(data, length);
    hash.update(data, length);
    return ok();
  };
  GOCKER_TRY(fetch_blob(http, repository, blob, sink));
  const std::string digest = hash.finish();
  if (digest != blob.digest) return Error::invalid("blob " + blob.digest + ": its content has digest " + digest);
  return bytes;
}

}  // namespace gocker::engine
