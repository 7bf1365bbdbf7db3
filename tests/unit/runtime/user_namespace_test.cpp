#include "runtime/user_namespace.hpp"

#include <doctest/doctest.h>

#include "runtime/oci_config.hpp"

using namespace gocker::runtime;

TEST_CASE("container ids map to host ids through the range that covers them") {
  std::vector<IdMapping> mappings = {{0, 100000, 1000}, {1000, 5000, 1}};
  CHECK(host_id_for(mappings, 0) == 100000u);
  CHECK(host_id_for(mappings, 999) == 100999u);
  CHECK(host_id_for(mappings, 1000) == 5000u);
  CHECK_FALSE(host_id_for(mappings, 1001).has_value());
  CHECK(format_id_map(mappings) == "0 100000 1000\n1000 5000 1\n");
}

TEST_CASE("id ranges the kernel would refuse are named before it is asked") {
  CHECK(check_id_mappings({{0, 100000, 65536}}, "m"));
  CHECK(check_id_mappings({{0, 100000, 0}}, "m").error().message == "m[0]: size must be positive");
  CHECK(check_id_mappings({{0, 4294967295u, 2}}, "m").error().message == "m[0]: range goes past 4294967295");
  CHECK(check_id_mappings({{0, 10, 5}, {5, 12, 1}}, "m").error().message == "m[1]: overlaps range 0");
  CHECK(check_id_mappings({{0, 10, 5}, {3, 100, 1}}, "m").error().message == "m[1]: overlaps range 0");
  CHECK(check_id_mappings({{0, 10, 5}, {5, 15, 5}}, "m"));
}

TEST_CASE("config.json: a user namespace with its maps; maps need the namespace and the namespace needs both maps") {
  auto config = [](const std::string& linux_section) {
    return R"({"process": {"args": ["sh"], "cwd": "/"}, "root": {"path": "/r"}, "linux": )" + linux_section + "}";
  };
  auto parsed = parse_oci_config(config(R"({"namespaces": [{"type": "user"}, {"type": "mount"}],
      "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
      "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 10}, {"containerID": 10, "hostID": 7, "size": 1}]})"),
                                 "/b");
  REQUIRE(parsed);
  CHECK(parsed->creates_user_namespace());
  REQUIRE(parsed->uid_mappings.size() == 1);
  CHECK(parsed->uid_mappings[0].host_id == 100000);
  REQUIRE(parsed->gid_mappings.size() == 2);
  CHECK(parsed->gid_mappings[1].container_id == 10);

  auto no_gid = parse_oci_config(
      config(R"({"namespaces": [{"type": "user"}], "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]})"), "/b");
  REQUIRE_FALSE(no_gid);
  CHECK(no_gid.error().message.find("needs linux.uidMappings and linux.gidMappings") != std::string::npos);

  auto no_namespace = parse_oci_config(
      config(R"({"uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}], "gidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]})"),
      "/b");
  REQUIRE_FALSE(no_namespace);
  CHECK(no_namespace.error().message.find("without a user namespace") != std::string::npos);

  auto missing_size = parse_oci_config(
      config(R"({"namespaces": [{"type": "user"}], "uidMappings": [{"containerID": 0, "hostID": 1}]})"), "/b");
  REQUIRE_FALSE(missing_size);
  CHECK(missing_size.error().message == "config.json linux.uidMappings[]: containerID, hostID and size are required");

  auto negative = parse_oci_config(
      config(R"({"namespaces": [{"type": "user"}], "uidMappings": [{"containerID": 0, "hostID": -1, "size": 1}]})"), "/b");
  REQUIRE_FALSE(negative);
}

TEST_CASE("a joined namespace's maps: parsed as the kernel shows them, compared in any order") {
  auto parsed = parse_id_map("         0     100000      65536\n     65536       5000          1\n", "read uid_map");
  REQUIRE(parsed);
  REQUIRE(parsed->size() == 2);
  CHECK((*parsed)[0].container_id == 0u);
  CHECK((*parsed)[0].host_id == 100000u);
  CHECK((*parsed)[0].size == 65536u);
  CHECK((*parsed)[1].host_id == 5000u);
  CHECK(same_id_mappings(*parsed, {{65536, 5000, 1}, {0, 100000, 65536}}));
  CHECK_FALSE(same_id_mappings(*parsed, {{0, 100000, 65536}}));
  CHECK_FALSE(same_id_mappings(*parsed, {{0, 100000, 65535}, {65536, 5000, 1}}));
  auto bad = parse_id_map("0 100000\n", "read uid_map");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "read uid_map: unexpected line \"0 100000\"");

  // A joined namespace may come with mappings (checked against it at start), a created one needs them.
  auto joined = parse_oci_config(R"({"process": {"args": ["true"]}, "root": {"path": "/r"}, "linux": {
      "namespaces": [{"type": "user", "path": "/proc/1/ns/user"}],
      "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}})", "/b");
  REQUIRE(joined);
  CHECK(joined->joins_namespace(NamespaceType::User));
  CHECK_FALSE(joined->creates_user_namespace());
}
