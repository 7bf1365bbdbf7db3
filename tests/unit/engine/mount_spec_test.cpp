#include <doctest/doctest.h>

#include "engine/container_mounts.hpp"
#include "engine/mount_spec.hpp"

using namespace gocker;
using namespace gocker::engine;

TEST_CASE("mount spec: -v forms as dockerd reads them") {
  auto bind = parse_bind_spec("/host/dir/:/ctr//path:ro");
  REQUIRE(bind);
  CHECK(bind->type == "bind");
  CHECK(bind->source == "/host/dir");
  CHECK(bind->destination == "/ctr/path");
  CHECK(bind->read_only);
  CHECK(bind->mode == "ro");
  CHECK(bind->propagation == "rprivate");
  CHECK(bind->create_source);

  auto named = parse_bind_spec("data:/data");
  REQUIRE(named);
  CHECK(named->type == "volume");
  CHECK(named->source == "data");
  CHECK(named->mode == "z");
  CHECK_FALSE(named->read_only);

  auto anonymous = parse_bind_spec("/anon");
  REQUIRE(anonymous);
  CHECK(anonymous->type == "volume");
  CHECK(anonymous->source.empty());

  auto anonymous_ro = parse_bind_spec("/anon:ro");
  REQUIRE(anonymous_ro);
  CHECK(anonymous_ro->source.empty());
  CHECK(anonymous_ro->read_only);

  auto nocopy = parse_bind_spec("v1:/x:nocopy,ro");
  REQUIRE(nocopy);
  CHECK(nocopy->no_copy);
  CHECK(nocopy->read_only);

  CHECK_FALSE(parse_bind_spec("data:relative"));
  CHECK_FALSE(parse_bind_spec("/h:/"));
  CHECK_FALSE(parse_bind_spec("/h:/c:bogus"));
  CHECK_FALSE(parse_bind_spec("/h:/c:ro,rw"));
  CHECK_FALSE(parse_bind_spec("a:b:c:d"));
  CHECK_FALSE(parse_bind_spec("bad/name:/c"));
  CHECK_FALSE(parse_bind_spec("v:/c:shared"));  // propagation is for binds only
}

TEST_CASE("mount spec: order, duplicates, Config.Volumes yield to explicit mounts") {
  api::HostConfig host;
  host.binds = {"/h:/a"};
  api::Mount tmpfs;
  tmpfs.type = "tmpfs";
  tmpfs.target = "/t";
  tmpfs.tmpfs_size = 1 << 20;
  tmpfs.tmpfs_mode = 01777;
  host.mounts = {tmpfs};
  host.tmpfs = {{"/run", "size=64m,exec"}};
  auto requests = parse_mount_requests(host, {"/a", "/b"});
  REQUIRE(requests);
  REQUIRE(requests->size() == 4);
  CHECK((*requests)[0].type == "bind");
  CHECK((*requests)[1].tmpfs_options == std::vector<std::string>{"size=1048576", "mode=1777"});
  CHECK((*requests)[2].tmpfs_options == std::vector<std::string>{"size=64m", "exec"});
  CHECK((*requests)[3].destination == "/b");
  CHECK((*requests)[3].from_config);

  host.tmpfs = {{"/a/", ""}};
  auto duplicate = parse_mount_requests(host, {});
  REQUIRE_FALSE(duplicate);
  CHECK(duplicate.error().message == "Duplicate mount point: /a");

  api::HostConfig bad;
  api::Mount no_source;
  no_source.type = "bind";
  no_source.target = "/x";
  bad.mounts = {no_source};
  CHECK_FALSE(parse_mount_requests(bad, {}));
  bad.mounts[0].type = "nfs";
  CHECK_FALSE(parse_mount_requests(bad, {}));
}

TEST_CASE("mount spec: clean paths and volume names") {
  CHECK(clean_container_path("//a/./b/../c/") == "/a/c");
  CHECK(clean_container_path("/../..") == "/");
  CHECK(validate_volume_name("data_1.x-y"));
  CHECK_FALSE(validate_volume_name("a"));
  CHECK_FALSE(validate_volume_name("_data"));
  CHECK_FALSE(validate_volume_name("a/b"));
}

TEST_CASE("container mounts: OCI mounts parents first, binds private, tmpfs with Docker's defaults") {
  state::MountRecord deep{"bind", "", "/h", "/a/b", "", false, "rprivate", {}};
  state::MountRecord volume{"volume", "v1", "/root/volumes/v1/_data", "/a", "z", true, "", {}};
  state::MountRecord tmpfs{"tmpfs", "", "", "/t", "", true, "", {"size=1m"}};
  auto mounts = oci_mounts({deep, volume, tmpfs});
  REQUIRE(mounts.size() == 3);
  CHECK(mounts[0]["destination"] == "/a");
  CHECK(mounts[0]["options"] == nlohmann::json({"rbind", "rprivate"}));
  CHECK(mounts[1]["destination"] == "/t");
  CHECK(mounts[1]["type"] == "tmpfs");
  CHECK(mounts[1]["options"] == nlohmann::json({"nosuid", "nodev", "noexec", "size=1m"}));
  CHECK(mounts[2]["destination"] == "/a/b");
  CHECK(mounts[2]["options"] == nlohmann::json({"rbind", "rprivate", "ro"}));

  auto point = mount_point(volume);
  CHECK(point.driver == "local");
  CHECK(point.name == "v1");
  CHECK(mount_point(deep).driver.empty());
}
