#include "runtime/oci_config.hpp"

#include <doctest/doctest.h>
#include <sys/mount.h>

using namespace gocker;
using namespace gocker::runtime;

namespace {

const char* kFullConfig = R"({
  "ociVersion": "1.1.0",
  "process": {
    "terminal": true,
    "user": {"uid": 1000, "gid": 100, "additionalGids": [10, 20]},
    "args": ["sh", "-c", "echo hi"],
    "env": ["PATH=/bin", "A=b"],
    "cwd": "/work"
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "box",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec"]},
    {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "ro"]}
  ],
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network"}],
    "cgroupsPath": "/gocker/abc",
    "resources": {
      "memory": {"limit": 67108864, "swap": -1},
      "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0-1", "mems": "0"},
      "pids": {"limit": 100}
    },
    "maskedPaths": ["/proc/kcore"],
    "readonlyPaths": ["/proc/sys"]
  },
  "annotations": {"org.gocker.open-stdin": "true", "org.gocker.stdin-once": "false", "other": "x"},
  "unknownField": {"ignored": true}
})";

TEST_CASE("oci config: namespace paths, rootfsPropagation, annotations and the rest of resources.memory") {
  auto parsed = parse_oci_config(R"({"process":{"args":["true"]},"root":{"path":"/r"},
    "annotations":{"k":"v"},
    "linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/proc/1/ns/net"}],
             "rootfsPropagation":"rslave",
             "resources":{"memory":{"limit":1048576,"reservation":524288,"kernelTCP":4096,"swappiness":10,
                                    "disableOOMKiller":true}}}})",
                                 "/b");
  REQUIRE(parsed);
  CHECK(parsed->has_namespace(NamespaceType::Network));
  CHECK(parsed->joins_namespace(NamespaceType::Network));
  CHECK_FALSE(parsed->joins_namespace(NamespaceType::Pid));
  CHECK(parsed->namespace_paths.front().second == "/proc/1/ns/net");
  CHECK(parsed->rootfs_propagation == (MS_SLAVE | MS_REC));
  CHECK(parsed->annotations.at("k") == "v");
  CHECK(parsed->resources.memory_reservation == 524288);
  CHECK(parsed->resources.memory_kernel_tcp == 4096);
  CHECK(parsed->resources.memory_swappiness == 10u);
  CHECK(parsed->resources.memory_disable_oom_killer);
  auto bad = parse_oci_config(R"({"process":{"args":["true"]},"root":{"path":"/r"},"linux":{"rootfsPropagation":"sideways"}})", "/b");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("linux.rootfsPropagation") != std::string::npos);
}

}  // namespace

TEST_CASE("oci config: linux.resources.blockIO") {
  auto parsed = parse_oci_config(R"({"process":{"args":["true"]},"root":{"path":"/r"},
    "linux":{"resources":{"blockIO":{"weight":500,"leafWeight":300,
      "weightDevice":[{"major":8,"minor":0,"weight":200,"leafWeight":100}],
      "throttleReadBpsDevice":[{"major":8,"minor":0,"rate":102400}],
      "throttleWriteIOPSDevice":[{"major":8,"minor":16,"rate":50}]}}}})",
                                 "/b");
  REQUIRE(parsed);
  const BlockIoLimits& block_io = parsed->resources.block_io;
  CHECK(block_io.weight == 500);
  CHECK(block_io.leaf_weight == 300);
  REQUIRE(block_io.weight_devices.size() == 1);
  CHECK(block_io.weight_devices[0].major == 8);
  CHECK(block_io.weight_devices[0].weight == 200);
  CHECK(block_io.weight_devices[0].leaf_weight == 100);
  REQUIRE(block_io.throttle_read_bps.size() == 1);
  CHECK(block_io.throttle_read_bps[0].rate == 102400u);
  REQUIRE(block_io.throttle_write_iops.size() == 1);
  CHECK(block_io.throttle_write_iops[0].minor == 16);
  CHECK(block_io.throttle_write_bps.empty());
  // dockerd writes a zero weight for every container: it means "not set".
  auto zero = parse_oci_config(R"({"process":{"args":["true"]},"root":{"path":"/r"},
    "linux":{"resources":{"blockIO":{"weight":0,"leafWeight":0,"weightDevice":[{"major":8,"minor":0,"weight":0}]}}}})",
                               "/b");
  REQUIRE(zero);
  CHECK_FALSE(zero->resources.block_io.weight.has_value());
  CHECK_FALSE(zero->resources.block_io.leaf_weight.has_value());
  CHECK_FALSE(zero->resources.block_io.weight_devices.at(0).weight.has_value());
  auto bad = parse_oci_config(R"({"process":{"args":["true"]},"root":{"path":"/r"},
    "linux":{"resources":{"blockIO":{"throttleReadBpsDevice":[{"major":8,"minor":0}]}}}})", "/b");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "config.json linux.resources.blockIO.throttleReadBpsDevice[]: rate is required");
}

TEST_CASE("oci config: hugepageLimits and network") {
  auto parsed = parse_oci_config(R"({"process":{"args":["true"]},"root":{"path":"/r"},
    "linux":{"resources":{"hugepageLimits":[{"pageSize":"2MB","limit":1073741824}],
      "network":{"classID":1048577,"priorities":[{"name":"eth0","priority":5}]}}}})",
                                 "/b");
  REQUIRE(parsed);
  REQUIRE(parsed->resources.hugepage_limits.size() == 1);
  CHECK(parsed->resources.hugepage_limits[0].page_size == "2MB");
  CHECK(parsed->resources.hugepage_limits[0].limit == 1073741824u);
  CHECK(parsed->resources.network.class_id == 1048577u);
  REQUIRE(parsed->resources.network.priorities.size() == 1);
  CHECK(parsed->resources.network.priorities[0].first == "eth0");
  CHECK(parsed->resources.network.priorities[0].second == 5u);
  // The page size becomes part of a file name: only digits and a unit.
  auto bad = parse_oci_config(R"({"process":{"args":["true"]},"root":{"path":"/r"},
    "linux":{"resources":{"hugepageLimits":[{"pageSize":"../2MB","limit":1}]}}})", "/b");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message ==
        "config.json field linux.resources.hugepageLimits[].pageSize: \"../2MB\" is not a page size (like \"2MB\" or \"1GB\")");
}

TEST_CASE("oci config: every supported field is parsed into the plain struct") {
  auto parsed = parse_oci_config(kFullConfig, "/bundle");
  REQUIRE_MESSAGE(parsed, parsed.error().message);
  const OciSpec& spec = *parsed;
  CHECK(spec.process.terminal);
  CHECK(spec.process.user.uid == 1000);
  CHECK(spec.process.user.gid == 100);
  CHECK(spec.process.user.additional_gids == std::vector<gid_t>{10, 20});
  CHECK(spec.process.args == std::vector<std::string>{"sh", "-c", "echo hi"});
  CHECK(spec.process.env == std::vector<std::string>{"PATH=/bin", "A=b"});
  CHECK(spec.process.cwd == "/work");
  CHECK(spec.root_path == "/bundle/rootfs");  // relative to the bundle
  CHECK(spec.root_readonly);
  CHECK(spec.hostname == "box");
  REQUIRE(spec.mounts.size() == 2);
  CHECK(spec.mounts[1].destination == "/data");
  CHECK(spec.mounts[1].type == "bind");
  CHECK(spec.mounts[1].source == "/srv/data");
  CHECK(spec.mounts[1].options == std::vector<std::string>{"rbind", "ro"});
  CHECK(spec.has_namespace(NamespaceType::Pid));
  CHECK(spec.has_namespace(NamespaceType::Network));
  CHECK_FALSE(spec.has_namespace(NamespaceType::Uts));
  CHECK(spec.cgroups_path == "gocker/abc");  // relative to each hierarchy's root
  CHECK(spec.resources.memory_limit == 67108864);
  CHECK(spec.resources.memory_swap == -1);
  CHECK(spec.resources.cpu_shares == 512u);
  CHECK(spec.resources.cpu_quota == 50000);
  CHECK(spec.resources.cpu_period == 100000u);
  CHECK(spec.resources.cpuset_cpus == "0-1");
  CHECK(spec.resources.cpuset_mems == "0");
  CHECK(spec.resources.pids_limit == 100);
  CHECK(spec.masked_paths == std::vector<std::string>{"/proc/kcore"});
  CHECK(spec.readonly_paths == std::vector<std::string>{"/proc/sys"});
  CHECK(spec.open_stdin);
  CHECK_FALSE(spec.stdin_once);
}

TEST_CASE("oci config: defaults for optional fields") {
  auto parsed = parse_oci_config(R"({"process":{"args":["true"]},"root":{"path":"/r"}})", "/b");
  REQUIRE_MESSAGE(parsed, parsed.error().message);
  CHECK_FALSE(parsed->process.terminal);
  CHECK(parsed->process.user.uid == 0);
  CHECK(parsed->process.cwd == "/");
  CHECK(parsed->root_path == "/r");
  CHECK(parsed->namespaces.empty());
  CHECK(parsed->cgroups_path.empty());
  CHECK_FALSE(parsed->resources.memory_limit.has_value());
  CHECK_FALSE(parsed->open_stdin);
}

TEST_CASE("oci config: errors name the field") {
  struct Case {
    const char* json;
    const char* expected;
  };
  const Case cases[] = {
      {"{not json", "malformed JSON"},
      {"[]", "top level must be an object"},
      {R"({"root":{"path":"/r"}})", "process is required"},
      {R"({"process":{"args":[]},"root":{"path":"/r"}})", "process.args: must not be empty"},
      {R"({"process":{"args":"sh"},"root":{"path":"/r"}})", "process.args: must be array of strings"},
      {R"({"process":{"args":["sh"],"terminal":"yes"},"root":{"path":"/r"}})", "process.terminal: must be boolean"},
      {R"({"process":{"args":["sh"],"cwd":"rel"},"root":{"path":"/r"}})", "process.cwd: must be an absolute path"},
      {R"({"process":{"args":["sh"],"user":{"uid":-1}},"root":{"path":"/r"}})", "process.user.uid"},
      {R"({"process":{"args":["sh"]}})", "root is required"},
      {R"({"process":{"args":["sh"]},"root":{"path":"/r"},"linux":{"namespaces":[{"type":"time2"}]}})",
       "unknown namespace type \"time2\""},
      {R"({"process":{"args":["sh"]},"root":{"path":"/r"},"linux":{"namespaces":[{"type":"net","path":"/x"}]}})",
       "unknown namespace type \"net\""},
      {R"({"process":{"args":["sh"]},"root":{"path":"/r"},"linux":{"cgroupsPath":"/a/../b"}})", "cgroupsPath"},
      {R"({"process":{"args":["sh"]},"root":{"path":"/r"},"linux":{"resources":{"memory":{"limit":"1g"}}}})",
       "linux.resources.memory.limit: must be integer"},
      {R"({"process":{"args":["sh"]},"root":{"path":"/r"},"mounts":[{"destination":"rel"}]})",
       "destination must be an absolute path"},
      {R"({"process":{"args":["sh"]},"root":{"path":"/r"},"annotations":{"org.gocker.open-stdin":"yes"}})",
       "org.gocker.open-stdin"},
  };
  for (const Case& test : cases) {
    auto parsed = parse_oci_config(test.json, "/b");
    REQUIRE_FALSE_MESSAGE(parsed, test.json);
    CHECK(parsed.error().kind == ErrorKind::InvalidArgument);
    CHECK_MESSAGE(parsed.error().message.find(test.expected) != std::string::npos,
                  parsed.error().message << " should contain " << test.expected);
  }
}
