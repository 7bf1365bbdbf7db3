#pragma once
// The distribution spec's documents and blob transfers, over RegistryHttp: manifests (OCI image
// index, Docker manifest list, Docker schema2, OCI manifest), platform selection, blobs verified
// against their digests.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "base/result.hpp"
#include "engine/registry_http.hpp"

namespace gocker::engine {

inline constexpr std::string_view kOciIndexType = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifestType = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kDockerListType = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifestType = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerConfigType = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzipType = "application/vnd.docker.image.rootfs.diff.tar.gzip";

struct BlobDescriptor {
  std::string media_type;
  std::string digest;  // "sha256:<hex>"
  int64_t size = 0;
};

// An image manifest (never an index), with what its bytes hash to.
struct ImageManifest {
  std::string media_type;
  std::string digest;  // of the manifest the reference resolved to (the index's, for an index)
  std::string bytes;   // the image manifest's bytes
  BlobDescriptor config;
  std::vector<BlobDescriptor> layers;
};

// Parses an image manifest document (Docker schema2 or OCI). InvalidArgument for anything else.
Result<ImageManifest> parse_image_manifest(std::string_view bytes, std::string_view media_type);

// Picks the entry for linux/<architecture> (variant ignored unless arm) from an index or list
// document; NotFound when it has none.
Result<BlobDescriptor> select_platform(std::string_view index_bytes, std::string_view architecture);

// Fetches the manifest `reference` (a tag or digest) names, resolving an index to this platform's
// manifest. NotFound ("manifest for <name>:<ref> not found") when the registry has none.
Result<ImageManifest> fetch_image_manifest(RegistryHttp& http, const std::string& repository, const std::string& reference);

// GET a blob into memory (a config, at most 16 MiB), verified.
Result<std::string> fetch_small_blob(RegistryHttp& http, const std::string& repository, const BlobDescriptor& blob);
// GET a blob into a sink (unverified: the sink verifies, see DigestingFile).
Status fetch_blob(RegistryHttp& http, const std::string& repository, const BlobDescriptor& blob, const BodySink& sink);

// An incremental sha256 ("sha256:<hex>").
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(const void* data, size_t length);
  std::string finish();

 private:
  EVP_MD_CTX* context_;
};

// Writes to a file while hashing; verify() compares digest and size with the descriptor's.
class DigestingFile {
 public:
  explicit DigestingFile(int fd) : fd_(fd) {}
  Status write(const char* data, size_t length);
  int64_t size() const { return size_; }
  Status verify(const BlobDescriptor& blob);

 private:
  int fd_;
  int64_t size_ = 0;
  Sha256Stream hash_;
};

// "sha256:0123456789abcdef..." -> "0123456789ab", the id progress messages use.
std::string short_digest(std::string_view digest);

// The message of a registry's error document ({"errors":[{"code","message"}]}), or the status.
std::string registry_error_text(const HttpResult& response);

}  // namespace gocker::engine
