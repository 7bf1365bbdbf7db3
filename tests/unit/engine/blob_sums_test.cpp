// Which registry blobs hold a layer (engine/blob_sums.hpp): where each was seen, most recent first.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "engine/blob_sums.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace gocker::engine;
namespace fs = std::filesystem;

namespace {

const std::string kDiffId = "sha256:" + std::string(64, 'd');
const BlobDescriptor kBlobA{"application/vnd.docker.image.rootfs.diff.tar.gzip", "sha256:" + std::string(64, 'a'), 10};
const BlobDescriptor kBlobB{"application/vnd.oci.image.layer.v1.tar+gzip", "sha256:" + std::string(64, 'b'), 20};

}  // namespace

TEST_CASE("a layer's blobs: the same digest in two repositories is two entries, most recent first") {
  gocker::testing::TempDir root{"blob-sums"};
  CHECK(known_layer_blobs(root.path(), kDiffId).empty());
  remember_layer_blob(root.path(), kDiffId, kBlobA, "127.0.0.1:5000", "me/base");
  remember_layer_blob(root.path(), kDiffId, kBlobB, "127.0.0.1:5000", "me/other");
  remember_layer_blob(root.path(), kDiffId, kBlobA, "127.0.0.1:5000", "me/app");
  remember_layer_blob(root.path(), kDiffId, kBlobA, "127.0.0.1:5000", "me/base");  // seen again: moves to the front

  const auto known = known_layer_blobs(root.path(), kDiffId);
  REQUIRE(known.size() == 3);
  CHECK(known[0].repository == "me/base");
  CHECK(known[0].blob.digest == kBlobA.digest);
  CHECK(known[0].blob.size == 10);
  CHECK(known[1].repository == "me/app");
  CHECK(known[2].repository == "me/other");
  CHECK(known[2].blob.media_type == kBlobB.media_type);
  CHECK(known[2].registry == "127.0.0.1:5000");
}

TEST_CASE("entries written before repositories were recorded are read, and replaced when seen again") {
  gocker::testing::TempDir root{"blob-sums"};
  fs::create_directories(root.path() + "/distribution");
  std::ofstream(root.path() + "/distribution/" + std::string(64, 'd') + ".json")
      << R"([{"digest":")" << kBlobA.digest << R"(","mediaType":"x+gzip","size":10},{"digest":"md5:nope"}])";
  auto known = known_layer_blobs(root.path(), kDiffId);
  REQUIRE(known.size() == 1);
  CHECK(known[0].repository.empty());
  CHECK(known[0].registry.empty());

  remember_layer_blob(root.path(), kDiffId, kBlobA, "registry.example", "me/app");
  known = known_layer_blobs(root.path(), kDiffId);
  REQUIRE(known.size() == 1);
  CHECK(known[0].registry == "registry.example");
  CHECK(known[0].repository == "me/app");
}
