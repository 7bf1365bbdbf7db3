#include "api/usage_types.hpp"

#include <doctest/doctest.h>

namespace gocker::api {

TEST_CASE("prune reports: lists are null when nothing went, as dockerd's nil slices") {
  CHECK(nlohmann::json(ImagePruneResponse{}).dump() == R"({"ImagesDeleted":null,"SpaceReclaimed":0})");
  CHECK(nlohmann::json(ContainerPruneResponse{}).dump() == R"({"ContainersDeleted":null,"SpaceReclaimed":0})");

  ImagePruneResponse images;
  images.images_deleted.push_back({std::string("old:1"), std::nullopt});
  images.images_deleted.push_back({std::nullopt, std::string("sha256:ab")});
  images.space_reclaimed = 42;
  CHECK(nlohmann::json(images).dump() ==
        R"({"ImagesDeleted":[{"Untagged":"old:1"},{"Deleted":"sha256:ab"}],"SpaceReclaimed":42})");
  ContainerPruneResponse containers{{"c1"}, 7};
  CHECK(nlohmann::json(containers).dump() == R"({"ContainersDeleted":["c1"],"SpaceReclaimed":7})");
}

TEST_CASE("system df: each listing with the sizes df adds") {
  DiskUsage usage;
  usage.layers_size = 100;
  ImageUsage image;
  image.summary.id = "sha256:ab";
  image.summary.containers = 2;
  image.summary.size = 60;
  image.shared_size = 40;
  usage.images.push_back(image);
  ContainerUsage container;
  container.summary.id = "c1";
  container.size_rw = 5;
  container.size_root_fs = 65;
  usage.containers.push_back(container);
  VolumeUsage volume;
  volume.volume.name = "data";
  volume.volume.ref_count = 1;
  volume.size = 9;
  usage.volumes.push_back(volume);

  const nlohmann::json out = usage;
  CHECK(out["LayersSize"] == 100);
  CHECK(out["Images"][0]["SharedSize"] == 40);
  CHECK(out["Images"][0]["Containers"] == 2);
  CHECK(out["Images"][0]["Size"] == 60);
  CHECK(out["Containers"][0]["Id"] == "c1");
  CHECK(out["Containers"][0]["SizeRw"] == 5);
  CHECK(out["Containers"][0]["SizeRootFs"] == 65);
  CHECK(out["Volumes"][0]["Name"] == "data");
  CHECK(out["Volumes"][0]["UsageData"] == nlohmann::json{{"Size", 9}, {"RefCount", 1}});
  CHECK(out["BuildCache"] == nlohmann::json::array());
}

}  // namespace gocker::api
