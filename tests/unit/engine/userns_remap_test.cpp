#include "engine/userns_remap.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/oci_config.hpp"

using namespace gocker;
using namespace gocker::engine;
using runtime::IdMapping;

namespace {

bool same_mappings(const std::vector<IdMapping>& a, const std::vector<IdMapping>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].container_id != b[i].container_id || a[i].host_id != b[i].host_id || a[i].size != b[i].size) return false;
  return true;
}

// subuid and subgid files of a test's own.
class IdFiles {
 public:
  IdFiles(const std::string& subuid, const std::string& subgid) {
    char pattern[] = "/tmp/gocker-remap-unit.XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    dir_ = pattern;
    std::ofstream(uid_path()) << subuid;
    std::ofstream(gid_path()) << subgid;
  }
  ~IdFiles() { std::filesystem::remove_all(dir_); }
  IdFiles(const IdFiles&) = delete;
  IdFiles& operator=(const IdFiles&) = delete;
  std::string uid_path() const { return dir_ + "/subuid"; }
  std::string gid_path() const { return dir_ + "/subgid"; }

 private:
  std::string dir_;
};

}  // namespace

TEST_CASE("subordinate ranges: the lines of one user, by name or number, laid end to end from container id 0") {
  const std::string text =
      "# comment\n"
      "alice:100000:65536\n"
      "gocker:200000:1000\n"
      "\n"
      "4242:300000:5\n"
      "gocker:400000:2000\n";
  auto gocker_ranges = subordinate_ranges(text, "gocker", 999, "/etc/subuid");
  REQUIRE(gocker_ranges);
  CHECK(same_mappings(*gocker_ranges, {{0, 200000, 1000}, {1000, 400000, 2000}}));
  auto by_number = subordinate_ranges(text, "bob", 4242, "/etc/subuid");
  REQUIRE(by_number);
  CHECK(same_mappings(*by_number, {{0, 300000, 5}}));
  auto none = subordinate_ranges(text, "carol", 7, "/etc/subuid");
  REQUIRE(none);
  CHECK(none->empty());

  for (const char* bad : {"gocker:1:2:3\n", "gocker:x:10\n", "gocker:100000:0\n", "gocker:100000\n"}) {
    CAPTURE(bad);
    auto refused = subordinate_ranges(bad, "gocker", 999, "/etc/subuid");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("/etc/subuid:1") != std::string::npos);
  }
  auto too_many = subordinate_ranges("gocker:1:4294967295\ngocker:5000000000:2\ngocker:1:2\n", "gocker", 999, "f");
  CHECK_FALSE(too_many);
}

TEST_CASE("an id remap maps both ways, shows unmapped ids as the overflow id, and round-trips through JSON") {
  IdRemap remap;
  remap.uids = {{0, 100000, 1000}, {1000, 500000, 64536}};
  remap.gids = {{0, 200000, 65536}};
  CHECK(remap.root_uid() == 100000);
  CHECK(remap.root_gid() == 200000);
  CHECK(remap.host_uid(0) == 100000);
  CHECK(remap.host_uid(999) == 100999);
  CHECK(remap.host_uid(1000) == 500000);
  CHECK(remap.host_uid(70000) == 65534);
  CHECK(remap.container_uid(500001) == 1001);
  CHECK(remap.container_uid(42) == 42);  // outside the ranges: unchanged
  CHECK(remap.container_gid(200005) == 5);

  nlohmann::json j = remap;
  IdRemap back;
  REQUIRE(remap_from_json(j, back));
  CHECK(back == remap);
  CHECK(back.key() == remap.key());
  IdRemap other = remap;
  other.gids = {{0, 300000, 65536}};
  CHECK_FALSE(other == remap);

  IdRemap ignored;
  CHECK_FALSE(remap_from_json(nlohmann::json::array(), ignored));
  CHECK_FALSE(remap_from_json({{"uidMappings", {{{"containerID", 0}, {"hostID", -1}, {"size", 1}}}}, {"gidMappings", nlohmann::json::array()}}, ignored));
  CHECK_FALSE(remap_from_json({{"uidMappings", nlohmann::json::array()}}, ignored));
}

TEST_CASE("--userns-remap USER[:GROUP] resolves through the subuid and subgid files") {
  // Numeric ids need no passwd or group entry, so the test does not depend on the host's users.
  IdFiles files("4242:100000:65536\n", "4242:100000:65536\n4343:300000:65536\n");
  auto user_only = resolve_userns_remap("4242", files.uid_path(), files.gid_path());
  REQUIRE_MESSAGE(user_only, (user_only ? "" : user_only.error().message));
  CHECK(same_mappings(user_only->uids, {{0, 100000, 65536}}));
  CHECK(same_mappings(user_only->gids, {{0, 100000, 65536}}));

  auto with_group = resolve_userns_remap("4242:4343", files.uid_path(), files.gid_path());
  REQUIRE(with_group);
  CHECK(same_mappings(with_group->gids, {{0, 300000, 65536}}));

  auto no_ranges = resolve_userns_remap("4444", files.uid_path(), files.gid_path());
  REQUIRE_FALSE(no_ranges);
  CHECK(no_ranges.error().message.find("no subordinate ids") != std::string::npos);
  CHECK(no_ranges.error().message.find(files.uid_path()) != std::string::npos);

  CHECK_FALSE(resolve_userns_remap("0", files.uid_path(), files.gid_path()));
  CHECK_FALSE(resolve_userns_remap(":4343", files.uid_path(), files.gid_path()));
  auto missing = resolve_userns_remap("4242", files.uid_path() + ".missing", files.gid_path());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("cannot read") != std::string::npos);
}

TEST_CASE("--userns-remap refuses ranges that hold the host's root") {
  IdFiles files("4242:0:65536\n", "4242:100000:65536\n");
  auto refused = resolve_userns_remap("4242", files.uid_path(), files.gid_path());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("root") != std::string::npos);
}

TEST_CASE("a remapped container's config.json has a user namespace with the remap's mappings") {
  RuntimeConfigInputs inputs;
  inputs.container_id = std::string(64, 'b');
  inputs.config.cmd = {"true"};
  inputs.rootfs_path = "/r";
  inputs.bundle_dir = "/b";
  auto plain = build_oci_config(inputs);
  CHECK_FALSE(plain["linux"].contains("uidMappings"));
  for (const auto& ns : plain["linux"]["namespaces"]) CHECK(ns["type"] != "user");

  IdRemap remap;
  remap.uids = {{0, 100000, 65536}};
  remap.gids = {{0, 200000, 65536}};
  inputs.remap = remap;
  auto config = build_oci_config(inputs);
  bool has_user_namespace = false;
  for (const auto& ns : config["linux"]["namespaces"]) has_user_namespace |= ns["type"] == "user" && !ns.contains("path");
  CHECK(has_user_namespace);
  CHECK(config["linux"]["uidMappings"] == nlohmann::json::parse(R"([{"containerID":0,"hostID":100000,"size":65536}])"));
  CHECK(config["linux"]["gidMappings"] == nlohmann::json::parse(R"([{"containerID":0,"hostID":200000,"size":65536}])"));

  // Docker's default ping range, narrowed to the groups the namespace has; an explicit one is kept.
  inputs.security.sysctls["net.ipv4.ping_group_range"] = "0 2147483647";
  CHECK(build_oci_config(inputs)["linux"]["sysctl"]["net.ipv4.ping_group_range"] == "0 65535");
  inputs.host_config.sysctls["net.ipv4.ping_group_range"] = "1 2";
  inputs.security.sysctls["net.ipv4.ping_group_range"] = "1 2";
  CHECK(build_oci_config(inputs)["linux"]["sysctl"]["net.ipv4.ping_group_range"] == "1 2");
}
