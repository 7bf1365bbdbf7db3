// CgroupLimits -> the interface-file writes for each cgroup version, as plain data.
//
// Value conventions follow the OCI runtime spec and runc: a zero (or unset) value means "leave the
// kernel default", -1 means unlimited, pids <= 0 means unlimited.
#include <algorithm>
#include <string>

#include "runtime/cgroups/cgroup_plan.hpp"

namespace gocker::runtime {

namespace {

bool is_set(const std::optional<int64_t>& value) { return value.has_value() && *value != 0; }
bool is_set(const std::optional<uint64_t>& value) { return value.has_value() && *value != 0; }

// Memory and memory+swap: positive bytes or -1; and memory+swap may not be below memory.
Status validate_memory(const CgroupLimits& limits) {
  if (is_set(limits.memory_limit) && *limits.memory_limit < -1) {
    return Error::invalid("invalid memory limit " + std::to_string(*limits.memory_limit) +
                          ": must be positive or -1 (unlimited)");
  }
  if (is_set(limits.memory_swap) && *limits.memory_swap < -1) {
    return Error::invalid("invalid memory+swap limit " + std::to_string(*limits.memory_swap) +
                          ": must be positive or -1 (unlimited)");
  }
  if (is_set(limits.memory_swap) && *limits.memory_swap > 0 && is_set(limits.memory_limit)) {
    if (*limits.memory_limit == -1) {
      return Error::invalid("memory+swap limit " + std::to_string(*limits.memory_swap) +
                            " needs a memory limit, not an unlimited one");
    }
    if (*limits.memory_swap < *limits.memory_limit) {
      return Error::invalid("memory+swap limit " + std::to_string(*limits.memory_swap) +
                            " must be at least the memory limit " + std::to_string(*limits.memory_limit));
    }
  }
  return ok();
}

Status validate_cpu_quota(const CgroupLimits& limits) {
  if (is_set(limits.cpu_quota) && *limits.cpu_quota < -1) {
    return Error::invalid("invalid cpu quota " + std::to_string(*limits.cpu_quota) +
                          ": must be positive or -1 (unlimited)");
  }
  return ok();
}

std::string pids_max_value(int64_t pids_limit) { return pids_limit <= 0 ? "max" : std::to_string(pids_limit); }

}  // namespace

uint64_t cpu_shares_to_weight(uint64_t shares) {
  const uint64_t clamped = std::clamp<uint64_t>(shares, 2, 262144);
  return 1 + ((clamped - 2) * 9999) / 262142;
}

Result<std::string> memory_swap_v2_value(std::optional<int64_t> memory_swap, std::optional<int64_t> memory_limit) {
  if (!is_set(memory_swap)) return Error::invalid("no memory+swap limit given");
  if (*memory_swap == -1) return std::string("max");
  // v2 limits swap alone (memory.swap.max) where OCI and v1 limit memory+swap together, so the
  // conversion needs the memory limit (runc refuses the same way).
  if (!is_set(memory_limit) || *memory_limit == -1) {
    return Error::invalid("memory+swap limit " + std::to_string(*memory_swap) + " needs a memory limit");
  }
  if (*memory_swap < *memory_limit) {
    return Error::invalid("memory+swap limit " + std::to_string(*memory_swap) + " must be at least the memory limit " +
                          std::to_string(*memory_limit));
  }
  return std::to_string(*memory_swap - *memory_limit);
}

Result<std::vector<CgroupWrite>> plan_cgroup_v1_writes(const CgroupLimits& limits,
                                                       std::optional<int64_t> current_memory_limit) {
  GOCKER_TRY(validate_memory(limits));
  GOCKER_TRY(validate_cpu_quota(limits));
  std::vector<CgroupWrite> writes;

  std::optional<CgroupWrite> memory_write;
  std::optional<CgroupWrite> memsw_write;
  if (is_set(limits.memory_limit)) {
    memory_write = CgroupWrite{"memory", "memory.limit_in_bytes", std::to_string(*limits.memory_limit)};
  }
  if (is_set(limits.memory_swap)) {
    // memsw exists only with swap accounting (CONFIG_MEMCG_SWAP and not swapaccount=0): skip if absent.
    memsw_write = CgroupWrite{"memory", "memory.memsw.limit_in_bytes", std::to_string(*limits.memory_swap), true};
  }
  // The kernel keeps memsw >= memory at every instant (EINVAL otherwise), so when both change the
  // order depends on the direction: raising writes memsw first (it must already cover the new
  // memory limit), lowering writes memory first (memsw may only drop to the new memory limit).
  // This is runc's rule: memsw first iff it is unlimited or above the current memory limit.
  // An unknown current limit counts as unlimited, which is what a fresh cgroup has.
  bool memsw_first = false;
  if (memory_write && memsw_write) {
    memsw_first = *limits.memory_swap == -1 ||
                  (current_memory_limit.has_value() && *current_memory_limit >= 0 &&
                   *current_memory_limit < *limits.memory_swap);
  }
  if (memsw_first) {
    writes.push_back(*memsw_write);
    writes.push_back(*memory_write);
  } else {
    if (memory_write) writes.push_back(*memory_write);
    if (memsw_write) writes.push_back(*memsw_write);
  }

  if (is_set(limits.memory_reservation)) {
    writes.push_back({"memory", "memory.soft_limit_in_bytes", std::to_string(*limits.memory_reservation)});
  }
  // Kernel memory limits were removed in Linux 6.x (the file is gone): skipped there, as runc does.
  if (is_set(limits.memory_kernel)) {
    writes.push_back({"memory", "memory.kmem.limit_in_bytes", std::to_string(*limits.memory_kernel), true});
  }
  if (is_set(limits.memory_kernel_tcp)) {
    writes.push_back({"memory", "memory.kmem.tcp.limit_in_bytes", std::to_string(*limits.memory_kernel_tcp), true});
  }
  if (limits.memory_swappiness.has_value() && *limits.memory_swappiness <= 100) {
    writes.push_back({"memory", "memory.swappiness", std::to_string(*limits.memory_swappiness)});
  }
  if (limits.memory_disable_oom_killer) writes.push_back({"memory", "memory.oom_control", "1"});

  if (is_set(limits.cpu_shares)) writes.push_back({"cpu", "cpu.shares", std::to_string(*limits.cpu_shares)});
  // Period before quota: the quota is interpreted against the period in force.
  if (is_set(limits.cpu_period)) writes.push_back({"cpu", "cpu.cfs_period_us", std::to_string(*limits.cpu_period)});
  if (is_set(limits.cpu_quota)) writes.push_back({"cpu", "cpu.cfs_quota_us", std::to_string(*limits.cpu_quota)});

  if (!limits.cpuset_cpus.empty()) writes.push_back({"cpuset", "cpuset.cpus", limits.cpuset_cpus});
  if (!limits.cpuset_mems.empty()) writes.push_back({"cpuset", "cpuset.mems", limits.cpuset_mems});

  if (limits.pids_limit.has_value()) writes.push_back({"pids", "pids.max", pids_max_value(*limits.pids_limit)});

  for (const DeviceRule& rule : limits.devices) {
    writes.push_back({"devices", rule.allow ? "devices.allow" : "devices.deny", device_rule_line(rule)});
  }
  // After the config's own rules, as runc does: the devices the runtime-spec says every container
  // has, and mknod of any node. Without them a config that starts with "deny all" (what `runc spec`
  // writes) would leave the container unable to open /dev/null, and the init's own mknod of it
  // would fail whenever the monitor moves it into the cgroup before its /dev is built.
  if (!limits.devices.empty()) {
    for (const char* line : {"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                             "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm"}) {
      writes.push_back({"devices", "devices.allow", line});
    }
  }
  for (CgroupWrite& write : plan_blkio_v1_writes(limits.block_io)) writes.push_back(std::move(write));
  // A page size the kernel does not have, or no hugetlb hierarchy, fails the write (no silent drop).
  for (const HugepageLimit& hugepage : limits.hugepage_limits) {
    writes.push_back({"hugetlb", "hugetlb." + hugepage.page_size + ".limit_in_bytes", std::to_string(hugepage.limit)});
  }
  if (limits.network.class_id) {
    writes.push_back({"net_cls", "net_cls.classid", std::to_string(*limits.network.class_id)});
  }
  for (const auto& [interface, priority] : limits.network.priorities) {
    writes.push_back({"net_prio", "net_prio.ifpriomap", interface + " " + std::to_string(priority)});
  }
  return writes;
}

namespace {

std::string device_number(const BlockIoDevice& device) {
  return std::to_string(device.major) + ":" + std::to_string(device.minor);
}

}  // namespace

std::vector<CgroupWrite> plan_blkio_v1_writes(const BlockIoLimits& block_io) {
  std::vector<CgroupWrite> writes;
  // BFQ's files first, as runc does: since Linux 5.0 CFQ (blkio.weight) is gone and BFQ is the
  // only proportional-weight policy; both take the same [10, 1000] scale ([1, 1000] for BFQ).
  if (block_io.weight) {
    const std::string value = std::to_string(*block_io.weight);
    writes.push_back({"blkio", "blkio.bfq.weight", value, false, "blkio.weight", value});
  }
  // Leaf weights were CFQ's alone: on a kernel without CFQ the write fails and so does the create.
  if (block_io.leaf_weight) writes.push_back({"blkio", "blkio.leaf_weight", std::to_string(*block_io.leaf_weight)});
  for (const BlockIoDevice& device : block_io.weight_devices) {
    if (device.weight) {
      const std::string value = device_number(device) + " " + std::to_string(*device.weight);
      writes.push_back({"blkio", "blkio.bfq.weight_device", value, false, "blkio.weight_device", value});
    }
    if (device.leaf_weight) {
      writes.push_back({"blkio", "blkio.leaf_weight_device", device_number(device) + " " + std::to_string(*device.leaf_weight)});
    }
  }
  auto throttle = [&writes](const std::vector<BlockIoDevice>& devices, const char* file) {
    for (const BlockIoDevice& device : devices) {
      writes.push_back({"blkio", file, device_number(device) + " " + std::to_string(device.rate)});
    }
  };
  throttle(block_io.throttle_read_bps, "blkio.throttle.read_bps_device");
  throttle(block_io.throttle_write_bps, "blkio.throttle.write_bps_device");
  throttle(block_io.throttle_read_iops, "blkio.throttle.read_iops_device");
  throttle(block_io.throttle_write_iops, "blkio.throttle.write_iops_device");
  return writes;
}

uint64_t blkio_weight_to_io_weight(uint64_t weight) {
  weight = std::clamp<uint64_t>(weight, 10, 1000);
  return 1 + (weight - 10) * 9999 / 990;
}

Result<std::vector<CgroupWrite>> plan_io_v2_writes(const BlockIoLimits& block_io) {
  std::vector<CgroupWrite> writes;
  if (block_io.leaf_weight) return Error::invalid("linux.resources.blockIO.leafWeight: cgroup v2 has no leaf weights");
  if (block_io.weight) {
    writes.push_back({"io", "io.bfq.weight", std::to_string(*block_io.weight), false, "io.weight",
                      "default " + std::to_string(blkio_weight_to_io_weight(*block_io.weight))});
  }
  for (const BlockIoDevice& device : block_io.weight_devices) {
    if (device.leaf_weight) {
      return Error::invalid("linux.resources.blockIO.weightDevice[].leafWeight: cgroup v2 has no leaf weights");
    }
    if (!device.weight) continue;
    writes.push_back({"io", "io.bfq.weight", device_number(device) + " " + std::to_string(*device.weight), false,
                      "io.weight", device_number(device) + " " + std::to_string(blkio_weight_to_io_weight(*device.weight))});
  }
  auto throttle = [&writes](const std::vector<BlockIoDevice>& devices, const char* key) {
    for (const BlockIoDevice& device : devices) {
      writes.push_back({"io", "io.max", device_number(device) + " " + key + "=" + std::to_string(device.rate)});
    }
  };
  throttle(block_io.throttle_read_bps, "rbps");
  throttle(block_io.throttle_write_bps, "wbps");
  throttle(block_io.throttle_read_iops, "riops");
  throttle(block_io.throttle_write_iops, "wiops");
  return writes;
}

std::string device_rule_line(const DeviceRule& rule) {
  auto number = [](const std::optional<int64_t>& value) { return value ? std::to_string(*value) : std::string("*"); };
  return std::string(1, rule.type) + " " + number(rule.major) + ":" + number(rule.minor) + " " + rule.access;
}

Result<std::vector<CgroupWrite>> plan_cgroup_v2_writes(const CgroupLimits& limits) {
  GOCKER_TRY(validate_memory(limits));
  GOCKER_TRY(validate_cpu_quota(limits));
  std::vector<CgroupWrite> writes;

  // memory.max and memory.swap.max are independent in v2, so their order does not matter.
  if (is_set(limits.memory_limit)) {
    const int64_t memory = *limits.memory_limit;
    writes.push_back({"memory", "memory.max", memory == -1 ? "max" : std::to_string(memory)});
  }
  if (is_set(limits.memory_swap)) {
    auto swap = memory_swap_v2_value(limits.memory_swap, limits.memory_limit);
    if (!swap) return std::move(swap).error();
    // Absent without swap accounting, as memsw in v1.
    writes.push_back({"memory", "memory.swap.max", std::move(swap).value(), true});
  }
  if (is_set(limits.memory_reservation)) {
    const int64_t low = *limits.memory_reservation;
    writes.push_back({"memory", "memory.low", low == -1 ? "max" : std::to_string(low)});
  }

  if (is_set(limits.cpu_shares)) {
    writes.push_back({"cpu", "cpu.weight", std::to_string(cpu_shares_to_weight(*limits.cpu_shares))});
  }
  // cpu.max is "$QUOTA $PERIOD"; without a period the kernel keeps the current one.
  if (is_set(limits.cpu_quota) || is_set(limits.cpu_period)) {
    std::string value = is_set(limits.cpu_quota) && *limits.cpu_quota > 0 ? std::to_string(*limits.cpu_quota) : "max";
    if (is_set(limits.cpu_period)) value += " " + std::to_string(*limits.cpu_period);
    writes.push_back({"cpu", "cpu.max", std::move(value)});
  }

  if (!limits.cpuset_cpus.empty()) writes.push_back({"cpuset", "cpuset.cpus", limits.cpuset_cpus});
  if (!limits.cpuset_mems.empty()) writes.push_back({"cpuset", "cpuset.mems", limits.cpuset_mems});

  if (limits.pids_limit.has_value()) writes.push_back({"pids", "pids.max", pids_max_value(*limits.pids_limit)});
  auto io = plan_io_v2_writes(limits.block_io);
  if (!io) return std::move(io).error();
  for (CgroupWrite& write : *io) writes.push_back(std::move(write));
  for (const HugepageLimit& hugepage : limits.hugepage_limits) {
    writes.push_back({"hugetlb", "hugetlb." + hugepage.page_size + ".max", std::to_string(hugepage.limit)});
  }
  // net_cls and net_prio are v1-only (v2 classifies sockets by cgroup path instead): a limit the
  // container would silently lack is refused.
  if (!limits.network.empty()) {
    return Error::invalid("linux.resources.network: cgroup v2 has no net_cls or net_prio controller");
  }
  return writes;
}

}  // namespace gocker::runtime
