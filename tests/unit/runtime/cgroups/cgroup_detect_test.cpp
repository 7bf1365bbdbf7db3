// detect_cgroup_driver: statfs of the root decides; checked against /proc/mounts as the oracle.
#include <doctest/doctest.h>
#include <sys/statfs.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "runtime/cgroups/cgroup_driver.hpp"
#include "cgroup_fixture.hpp"

namespace gocker::runtime {
namespace {

// The filesystem type /proc/mounts records for the last mount exactly at `mount_point`.
std::optional<std::string> mounted_fs_type(const std::string& mount_point) {
  std::ifstream mounts("/proc/mounts");
  std::optional<std::string> type;
  std::string line;
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    std::string device, point, fs_type;
    fields >> device >> point >> fs_type;
    if (point == mount_point) type = fs_type;
  }
  return type;
}

TEST_CASE("detect: a tmpfs holding controller directories is cgroup v1") {
  auto shm_type = mounted_fs_type("/dev/shm");
  if (shm_type != "tmpfs") {
    MESSAGE("skipped: /dev/shm is not a tmpfs here");
    return;
  }
  test::TempDir root("/dev/shm");
  auto none = detect_cgroup_driver(root.path());
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().kind == ErrorKind::Unavailable);
  CHECK(none.error().message.find("a tmpfs without cgroup v1 controller directories") != std::string::npos);

  for (const char* dir : {"memory", "cpu,cpuacct", "pids", "unified"}) {
    std::filesystem::create_directories(root.path() + "/" + dir);
  }
  auto driver = detect_cgroup_driver(root.path());
  REQUIRE_MESSAGE(driver.has_value(), (driver ? "" : driver.error().message));
  CHECK((*driver)->version() == CgroupVersion::V1);
  CHECK((*driver)->paths("x") == std::vector<std::string>{root.path() + "/memory/x", root.path() + "/cpu,cpuacct/x",
                                                          root.path() + "/pids/x"});
}

TEST_CASE("detect: this host's /sys/fs/cgroup matches what /proc/mounts says is mounted there") {
  auto type = mounted_fs_type("/sys/fs/cgroup");
  if (!type) {
    MESSAGE("skipped: nothing is mounted at /sys/fs/cgroup");
    return;
  }
  auto driver = detect_cgroup_driver();
  REQUIRE_MESSAGE(driver.has_value(), (driver ? "" : driver.error().message));
  // A hybrid host (tmpfs + cgroup2 at unified) keeps its controllers on v1.
  CHECK((*driver)->version() == (*type == "cgroup2" ? CgroupVersion::V2 : CgroupVersion::V1));
  if (mounted_fs_type("/sys/fs/cgroup/unified") == "cgroup2") {
    CHECK((*driver)->version() == CgroupVersion::V1);
    auto unified = detect_cgroup_driver("/sys/fs/cgroup/unified");
    REQUIRE(unified.has_value());
    CHECK((*unified)->version() == CgroupVersion::V2);
  }
}

TEST_CASE("detect: other filesystems and missing paths are errors naming the root") {
  auto proc = detect_cgroup_driver("/proc");
  REQUIRE_FALSE(proc.has_value());
  CHECK(proc.error().message.find("detect cgroup layout at \"/proc\": neither cgroup2 nor a tmpfs") == 0);
  auto missing = detect_cgroup_driver("/nonexistent/cgroup");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == ErrorKind::NotFound);
  CHECK(missing.error().message.find("detect cgroup layout at \"/nonexistent/cgroup\": statfs") == 0);
}

}  // namespace
}  // namespace gocker::runtime
