// CgroupLimits -> interface-file writes, for both cgroup versions, without any filesystem.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "runtime/cgroups/cgroup_plan.hpp"
#include "cgroup_fixture.hpp"

namespace gocker::runtime {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

std::vector<CgroupWrite> v1_plan(const CgroupLimits& limits, std::optional<int64_t> current = std::nullopt) {
  auto plan = plan_cgroup_v1_writes(limits, current);
  REQUIRE_MESSAGE(plan.has_value(), (plan ? "" : plan.error().message));
  return *plan;
}

std::vector<CgroupWrite> v2_plan(const CgroupLimits& limits) {
  auto plan = plan_cgroup_v2_writes(limits);
  REQUIRE_MESSAGE(plan.has_value(), (plan ? "" : plan.error().message));
  return *plan;
}

using Writes = std::vector<CgroupWrite>;

TEST_CASE("no limits plan no writes in either version") {
  CHECK(v1_plan({}).empty());
  CHECK(v2_plan({}).empty());
  CgroupLimits zeros;  // OCI zero values mean "not set"
  zeros.memory_limit = 0;
  zeros.memory_swap = 0;
  zeros.cpu_shares = 0;
  zeros.cpu_quota = 0;
  zeros.cpu_period = 0;
  CHECK(v1_plan(zeros).empty());
  CHECK(v2_plan(zeros).empty());
}

TEST_CASE("memory limit") {
  CgroupLimits limits;
  limits.memory_limit = 64 * kMiB;
  CHECK(v1_plan(limits) == Writes{{"memory", "memory.limit_in_bytes", "67108864"}});
  CHECK(v2_plan(limits) == Writes{{"memory", "memory.max", "67108864"}});
  limits.memory_limit = -1;
  CHECK(v1_plan(limits) == Writes{{"memory", "memory.limit_in_bytes", "-1"}});
  CHECK(v2_plan(limits) == Writes{{"memory", "memory.max", "max"}});
}

TEST_CASE("v1 memory+swap goes to memsw, optional, lowering writes memory first") {
  CgroupLimits limits;
  limits.memory_limit = 32 * kMiB;
  limits.memory_swap = 64 * kMiB;
  const CgroupWrite memory{"memory", "memory.limit_in_bytes", "33554432"};
  const CgroupWrite memsw{"memory", "memory.memsw.limit_in_bytes", "67108864", true};
  // Fresh cgroup (unknown or unlimited current limit) and lowering from 128 MiB: memory first, so
  // memsw (still 128 MiB or unlimited) always covers it.
  CHECK(v1_plan(limits) == Writes{memory, memsw});
  CHECK(v1_plan(limits, 9223372036854771712) == Writes{memory, memsw});
  CHECK(v1_plan(limits, 128 * kMiB) == Writes{memory, memsw});
  // memsw == current memory limit: lowering memsw first would still be legal, memory-first too.
  CHECK(v1_plan(limits, 64 * kMiB) == Writes{memory, memsw});
  // Raising from 16 MiB: the old memsw may be below the new memory limit, so memsw first.
  CHECK(v1_plan(limits, 16 * kMiB) == Writes{memsw, memory});
  // Unlimited memsw can always go first.
  limits.memory_swap = -1;
  CHECK(v1_plan(limits, 128 * kMiB) ==
        Writes{{"memory", "memory.memsw.limit_in_bytes", "-1", true}, memory});
}

TEST_CASE("v1 memory+swap alone is written alone") {
  CgroupLimits limits;
  limits.memory_swap = 64 * kMiB;
  CHECK(v1_plan(limits) == Writes{{"memory", "memory.memsw.limit_in_bytes", "67108864", true}});
}

TEST_CASE("v2 memory.swap.max is swap minus memory, max for -1, optional") {
  CgroupLimits limits;
  limits.memory_limit = 32 * kMiB;
  limits.memory_swap = 96 * kMiB;
  CHECK(v2_plan(limits) == Writes{{"memory", "memory.max", "33554432"},
                                  {"memory", "memory.swap.max", "67108864", true}});
  limits.memory_swap = 32 * kMiB;  // memory+swap == memory: no swap at all
  CHECK(v2_plan(limits).back() == CgroupWrite{"memory", "memory.swap.max", "0", true});
  limits.memory_swap = -1;
  CHECK(v2_plan(limits).back() == CgroupWrite{"memory", "memory.swap.max", "max", true});
  CgroupLimits swap_unlimited_only;
  swap_unlimited_only.memory_swap = -1;
  CHECK(v2_plan(swap_unlimited_only) == Writes{{"memory", "memory.swap.max", "max", true}});
}

TEST_CASE("memory values that cannot work are refused before any write") {
  CgroupLimits below;
  below.memory_limit = 64 * kMiB;
  below.memory_swap = 32 * kMiB;
  for (auto plan : {plan_cgroup_v1_writes(below, std::nullopt), plan_cgroup_v2_writes(below)}) {
    REQUIRE_FALSE(plan.has_value());
    CHECK(plan.error().kind == ErrorKind::InvalidArgument);
    CHECK(plan.error().message ==
          "memory+swap limit 33554432 must be at least the memory limit 67108864");
  }
  CgroupLimits negative;
  negative.memory_limit = -2;
  CHECK(plan_cgroup_v1_writes(negative, std::nullopt).error().message ==
        "invalid memory limit -2: must be positive or -1 (unlimited)");
  CgroupLimits unlimited_memory_limited_swap;
  unlimited_memory_limited_swap.memory_limit = -1;
  unlimited_memory_limited_swap.memory_swap = 64 * kMiB;
  CHECK_FALSE(plan_cgroup_v1_writes(unlimited_memory_limited_swap, std::nullopt).has_value());
  // v2 cannot express memory+swap without knowing the memory limit.
  CgroupLimits swap_only;
  swap_only.memory_swap = 64 * kMiB;
  auto v2 = plan_cgroup_v2_writes(swap_only);
  REQUIRE_FALSE(v2.has_value());
  CHECK(v2.error().message == "memory+swap limit 67108864 needs a memory limit");
  CgroupLimits bad_quota;
  bad_quota.cpu_quota = -5;
  CHECK(plan_cgroup_v2_writes(bad_quota).error().kind == ErrorKind::InvalidArgument);
}

TEST_CASE("cpu shares: v1 verbatim, v2 converted to cpu.weight") {
  CHECK(cpu_shares_to_weight(2) == 1);
  CHECK(cpu_shares_to_weight(1024) == 39);  // Docker's default shares -> crun/runc's weight
  CHECK(cpu_shares_to_weight(512) == 20);
  CHECK(cpu_shares_to_weight(262144) == 10000);
  CHECK(cpu_shares_to_weight(1) == 1);            // below the kernel range: clamped, no underflow
  CHECK(cpu_shares_to_weight(1000000) == 10000);  // above: clamped
  CgroupLimits limits;
  limits.cpu_shares = 512;
  CHECK(v1_plan(limits) == Writes{{"cpu", "cpu.shares", "512"}});
  CHECK(v2_plan(limits) == Writes{{"cpu", "cpu.weight", "20"}});
}

TEST_CASE("cpu quota and period") {
  CgroupLimits limits;
  limits.cpu_quota = 50000;
  limits.cpu_period = 100000;
  // v1: period first, the quota is read against it.
  CHECK(v1_plan(limits) == Writes{{"cpu", "cpu.cfs_period_us", "100000"}, {"cpu", "cpu.cfs_quota_us", "50000"}});
  CHECK(v2_plan(limits) == Writes{{"cpu", "cpu.max", "50000 100000"}});
  limits.cpu_quota = -1;
  CHECK(v1_plan(limits) == Writes{{"cpu", "cpu.cfs_period_us", "100000"}, {"cpu", "cpu.cfs_quota_us", "-1"}});
  CHECK(v2_plan(limits) == Writes{{"cpu", "cpu.max", "max 100000"}});
  CgroupLimits quota_only;
  quota_only.cpu_quota = 150000;
  CHECK(v1_plan(quota_only) == Writes{{"cpu", "cpu.cfs_quota_us", "150000"}});
  CHECK(v2_plan(quota_only) == Writes{{"cpu", "cpu.max", "150000"}});
  CgroupLimits period_only;
  period_only.cpu_period = 20000;
  CHECK(v2_plan(period_only) == Writes{{"cpu", "cpu.max", "max 20000"}});
}

TEST_CASE("cpuset cpus and mems") {
  CgroupLimits limits;
  limits.cpuset_cpus = "0-1,3";
  limits.cpuset_mems = "0";
  const Writes expected{{"cpuset", "cpuset.cpus", "0-1,3"}, {"cpuset", "cpuset.mems", "0"}};
  CHECK(v1_plan(limits) == expected);
  CHECK(v2_plan(limits) == expected);
}

TEST_CASE("pids limit: a number, or max for <= 0") {
  CgroupLimits limits;
  limits.pids_limit = 50;
  CHECK(v1_plan(limits) == Writes{{"pids", "pids.max", "50"}});
  CHECK(v2_plan(limits) == Writes{{"pids", "pids.max", "50"}});
  limits.pids_limit = 0;
  CHECK(v1_plan(limits) == Writes{{"pids", "pids.max", "max"}});
  limits.pids_limit = -1;
  CHECK(v2_plan(limits) == Writes{{"pids", "pids.max", "max"}});
}

TEST_CASE("all limits together, in apply order") {
  CgroupLimits limits;
  limits.memory_limit = 64 * kMiB;
  limits.memory_swap = 128 * kMiB;
  limits.cpu_shares = 2048;
  limits.cpu_quota = 200000;
  limits.cpu_period = 100000;
  limits.cpuset_cpus = "1";
  limits.cpuset_mems = "0";
  limits.pids_limit = 100;
  CHECK(v1_plan(limits) == Writes{{"memory", "memory.limit_in_bytes", "67108864"},
                                  {"memory", "memory.memsw.limit_in_bytes", "134217728", true},
                                  {"cpu", "cpu.shares", "2048"},
                                  {"cpu", "cpu.cfs_period_us", "100000"},
                                  {"cpu", "cpu.cfs_quota_us", "200000"},
                                  {"cpuset", "cpuset.cpus", "1"},
                                  {"cpuset", "cpuset.mems", "0"},
                                  {"pids", "pids.max", "100"}});
  CHECK(v2_plan(limits) == Writes{{"memory", "memory.max", "67108864"},
                                  {"memory", "memory.swap.max", "67108864", true},
                                  {"cpu", "cpu.weight", "79"},
                                  {"cpu", "cpu.max", "200000 100000"},
                                  {"cpuset", "cpuset.cpus", "1"},
                                  {"cpuset", "cpuset.mems", "0"},
                                  {"pids", "pids.max", "100"}});
}

}  // namespace
TEST_CASE("the rest of linux.resources.memory: reservation, kernel, kernelTCP, swappiness, OOM killer") {
  CgroupLimits limits;
  limits.memory_reservation = 32 * kMiB;
  limits.memory_kernel = 64 * kMiB;
  limits.memory_kernel_tcp = 16 * kMiB;
  limits.memory_swappiness = 10;
  limits.memory_disable_oom_killer = true;
  CHECK(v1_plan(limits) == std::vector<CgroupWrite>{
                               {"memory", "memory.soft_limit_in_bytes", std::to_string(32 * kMiB)},
                               {"memory", "memory.kmem.limit_in_bytes", std::to_string(64 * kMiB), true},
                               {"memory", "memory.kmem.tcp.limit_in_bytes", std::to_string(16 * kMiB), true},
                               {"memory", "memory.swappiness", "10"},
                               {"memory", "memory.oom_control", "1"},
                           });
  // v2 has only a reservation (memory.low); the rest has no v2 file.
  CHECK(v2_plan(limits) == std::vector<CgroupWrite>{{"memory", "memory.low", std::to_string(32 * kMiB)}});
}

}  // namespace gocker::runtime

namespace gocker::runtime {

TEST_CASE("v1 device rules: the config's first, then the devices every container has and mknod") {
  CgroupLimits limits;
  limits.devices.push_back(DeviceRule{false, 'a', std::nullopt, std::nullopt, "rwm"});
  limits.devices.push_back(DeviceRule{true, 'c', 4, 64, "rw"});
  auto plan = plan_cgroup_v1_writes(limits, std::nullopt);
  REQUIRE(plan.has_value());
  std::vector<std::string> lines;
  for (const auto& write : *plan) {
    if (write.controller != "devices") continue;
    lines.push_back(write.file + " " + write.value);
  }
  REQUIRE(lines.size() >= 4);
  CHECK(lines[0] == "devices.deny a *:* rwm");
  CHECK(lines[1] == "devices.allow c 4:64 rw");
  auto allowed = [&](const std::string& rule) {
    return std::find(lines.begin() + 2, lines.end(), "devices.allow " + rule) != lines.end();
  };
  CHECK(allowed("c 1:3 rwm"));  // /dev/null
  CHECK(allowed("c 1:9 rwm"));  // /dev/urandom
  CHECK(allowed("c 5:2 rwm"));  // /dev/ptmx
  CHECK(allowed("c 136:* rwm"));  // /dev/pts/*
  CHECK(allowed("c *:* m"));
  CHECK(allowed("b *:* m"));

  // No rules at all: the devices cgroup is left as it is (everything allowed).
  auto none = plan_cgroup_v1_writes(CgroupLimits{}, std::nullopt);
  REQUIRE(none.has_value());
  CHECK(none->empty());
}

TEST_CASE("blockIO: v1 blkio files, v2 io files with the weight converted") {
  CgroupLimits limits;
  limits.block_io.weight = 500;
  limits.block_io.weight_devices.push_back({8, 0, 200, std::nullopt, 0});
  limits.block_io.throttle_read_bps.push_back({8, 0, std::nullopt, std::nullopt, 102400});
  limits.block_io.throttle_write_iops.push_back({8, 16, std::nullopt, std::nullopt, 50});
  CHECK(v1_plan(limits) == Writes{
                               {"blkio", "blkio.bfq.weight", "500", false, "blkio.weight", "500"},
                               {"blkio", "blkio.bfq.weight_device", "8:0 200", false, "blkio.weight_device", "8:0 200"},
                               {"blkio", "blkio.throttle.read_bps_device", "8:0 102400"},
                               {"blkio", "blkio.throttle.write_iops_device", "8:16 50"},
                           });
  CHECK(v2_plan(limits) == Writes{
                               {"io", "io.bfq.weight", "500", false, "io.weight", "default 4950"},
                               {"io", "io.bfq.weight", "8:0 200", false, "io.weight", "8:0 1920"},
                               {"io", "io.max", "8:0 rbps=102400"},
                               {"io", "io.max", "8:16 wiops=50"},
                           });
  CHECK(blkio_weight_to_io_weight(10) == 1);
  CHECK(blkio_weight_to_io_weight(1000) == 10000);

  CgroupLimits leaf;
  leaf.block_io.leaf_weight = 300;
  CHECK(v1_plan(leaf) == Writes{{"blkio", "blkio.leaf_weight", "300"}});
  auto refused = plan_cgroup_v2_writes(leaf);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message == "linux.resources.blockIO.leafWeight: cgroup v2 has no leaf weights");
}

TEST_CASE("hugepage limits and network classes: v1 files; v2 hugetlb.*.max, network refused") {
  CgroupLimits limits;
  limits.hugepage_limits.push_back({"2MB", 2147483648});
  limits.network.class_id = 0x100001;
  limits.network.priorities.emplace_back("eth0", 5);
  CHECK(v1_plan(limits) == Writes{
                               {"hugetlb", "hugetlb.2MB.limit_in_bytes", "2147483648"},
                               {"net_cls", "net_cls.classid", "1048577"},
                               {"net_prio", "net_prio.ifpriomap", "eth0 5"},
                           });
  auto refused = plan_cgroup_v2_writes(limits);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message == "linux.resources.network: cgroup v2 has no net_cls or net_prio controller");
  limits.network = {};
  CHECK(v2_plan(limits) == Writes{{"hugetlb", "hugetlb.2MB.max", "2147483648"}});
}

}  // namespace gocker::runtime
