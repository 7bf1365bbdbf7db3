#include "runtime/cgroup_mount.hpp"

#include <doctest/doctest.h>

using namespace gocker::runtime;

namespace {

// A hybrid host as this project's CI has it: v1 controllers, name=systemd, and cgroup2 at unified.
constexpr const char* kHybridMountinfo =
    "22 1 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "30 22 0:26 / /sys/fs/cgroup rw shared:9 - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
    "32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup rw,xattr,name=systemd\n"
    "33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:12 - cgroup cgroup rw,cpu,cpuacct\n"
    "34 30 0:30 / /sys/fs/cgroup/memory rw,nosuid shared:13 - cgroup cgroup rw,memory\n"
    "35 30 0:31 / /sys/fs/cgroup/net_cls rw,nosuid shared:14 - cgroup cgroup rw,net_cls\n"
    "90 60 0:29 / /var/lib/x/rootfs/sys/fs/cgroup/cpu,cpuacct ro master:12 - cgroup cgroup rw,cpu,cpuacct\n";

constexpr const char* kHybridSelf =
    "12:net_cls:/\n"
    "4:memory:/parent/c1\n"
    "3:cpu,cpuacct:/parent/c1\n"
    "1:name=systemd:/user.slice\n"
    "0::/user.slice\n";

}  // namespace

TEST_CASE("cgroup mount on a hybrid host: one bind of the process's own cgroup per hierarchy") {
  auto plan = plan_cgroup_mount(kHybridMountinfo, kHybridSelf);
  REQUIRE(plan);
  CHECK_FALSE(plan->unified_root);
  REQUIRE(plan->binds.size() == 5);
  CHECK(plan->binds[0].source == "/sys/fs/cgroup/unified/user.slice");
  CHECK(plan->binds[0].name == "unified");
  CHECK(plan->binds[1].source == "/sys/fs/cgroup/systemd/user.slice");
  CHECK(plan->binds[1].name == "systemd");
  CHECK(plan->binds[2].source == "/sys/fs/cgroup/cpu,cpuacct/parent/c1");
  CHECK(plan->binds[2].name == "cpu,cpuacct");
  CHECK(plan->binds[3].source == "/sys/fs/cgroup/memory/parent/c1");
  CHECK(plan->binds[4].source == "/sys/fs/cgroup/net_cls");  // the root cgroup: the hierarchy's top
}

TEST_CASE("cgroup mount on a pure v2 host: the process's cgroup2 directory at the target itself") {
  auto plan = plan_cgroup_mount("40 22 0:35 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
                                "0::/system.slice/c2\n");
  REQUIRE(plan);
  CHECK(plan->unified_root);
  REQUIRE(plan->binds.size() == 1);
  CHECK(plan->binds[0].source == "/sys/fs/cgroup/system.slice/c2");
  CHECK(plan->binds[0].name.empty());
}

TEST_CASE("cgroup mount: a hierarchy mounted from below its root, and no hierarchies at all") {
  // A mount of a sub-tree (as inside another container): paths are taken relative to its root.
  auto plan = plan_cgroup_mount("34 30 0:30 /outer /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
                                "4:memory:/outer/c3\n");
  REQUIRE(plan);
  REQUIRE(plan->binds.size() == 1);
  CHECK(plan->binds[0].source == "/sys/fs/cgroup/memory/c3");
  auto outside = plan_cgroup_mount("34 30 0:30 /outer /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
                                   "4:memory:/elsewhere\n");
  CHECK_FALSE(outside);
  CHECK_FALSE(plan_cgroup_mount("22 1 0:20 / /sys rw - sysfs sysfs rw\n", "0::/\n"));
}
