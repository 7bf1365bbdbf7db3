#pragma once
// One interface over cgroup v1 and v2. Both drivers take the root of the cgroup filesystem(s) as a
// path, so v2 (and v1) can be exercised against a temporary directory laid out like cgroupfs.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace gocker::runtime {

// One linux.resources.devices entry: allow or deny access to a device (or a class of them).
struct DeviceRule {
  bool allow = false;
  char type = 'a';               // 'a' (all), 'c' or 'b'
  std::optional<int64_t> major;  // absent: any ('*')
  std::optional<int64_t> minor;
  std::string access = "rwm";
};

// One device's entry of OCI linux.resources.blockIO: a weight (weightDevice) or a throttle rate.
struct BlockIoDevice {
  int64_t major = 0;
  int64_t minor = 0;
  std::optional<uint16_t> weight{};     // weightDevice[].weight
  std::optional<uint16_t> leaf_weight{};  // weightDevice[].leafWeight
  uint64_t rate = 0;                    // throttle*Device[].rate (bytes or operations per second)
};

// OCI linux.resources.blockIO (oci_config_extras.cpp). A part the kernel cannot apply (no BFQ or
// CFQ weight file, leaf weights on a kernel without CFQ, a device that does not exist) fails the
// create: a silently dropped I/O limit is worse than a clear refusal.
struct BlockIoLimits {
  std::optional<uint16_t> weight;
  std::optional<uint16_t> leaf_weight;
  std::vector<BlockIoDevice> weight_devices;
  std::vector<BlockIoDevice> throttle_read_bps;
  std::vector<BlockIoDevice> throttle_write_bps;
  std::vector<BlockIoDevice> throttle_read_iops;
  std::vector<BlockIoDevice> throttle_write_iops;

  bool empty() const {
    return !weight && !leaf_weight && weight_devices.empty() && throttle_read_bps.empty() &&
           throttle_write_bps.empty() && throttle_read_iops.empty() && throttle_write_iops.empty();
  }
};

// OCI linux.resources.hugepageLimits[] (pageSize as the kernel names it: "2MB", "1GB").
struct HugepageLimit {
  std::string page_size;
  uint64_t limit = 0;
};

// OCI linux.resources.network: v1 net_cls and net_prio (cgroup v2 has neither: refused there).
struct NetworkLimits {
  std::optional<uint32_t> class_id{};
  std::vector<std::pair<std::string, uint32_t>> priorities{};  // interface name, priority

  bool empty() const { return !class_id && priorities.empty(); }
};

// The subset of OCI linux.resources gocker applies (values as in the runtime spec).
struct CgroupLimits {
  std::optional<int64_t> memory_limit;   // bytes
  std::optional<int64_t> memory_swap;    // memory+swap bytes (OCI semantics); -1 unlimited
  std::optional<uint64_t> cpu_shares;    // v1 cpu.shares; v2 converted to cpu.weight
  std::optional<int64_t> cpu_quota;      // microseconds per period; -1 unlimited
  std::optional<uint64_t> cpu_period;    // microseconds
  std::string cpuset_cpus;               // empty: inherit
  std::string cpuset_mems;
  std::optional<int64_t> pids_limit;     // <= 0: unlimited
  // The rest of OCI linux.resources.memory (oci_config_extras.cpp; gocker-runc, issue 8).
  std::optional<int64_t> memory_reservation;   // v1 memory.soft_limit_in_bytes, v2 memory.low
  std::optional<int64_t> memory_kernel;        // v1 memory.kmem.limit_in_bytes (gone in Linux 6.x)
  std::optional<int64_t> memory_kernel_tcp;    // v1 memory.kmem.tcp.limit_in_bytes
  std::optional<uint64_t> memory_swappiness;   // v1 memory.swappiness (v2 has none)
  bool memory_disable_oom_killer = false;      // v1 memory.oom_control (v2 has none)
  // In order, each overriding the ones before. Enforced on v1 (the devices controller); on v2
  // device access is an eBPF program gocker does not load yet, so there it is not enforced.
  std::vector<DeviceRule> devices;
  BlockIoLimits block_io;
  std::vector<HugepageLimit> hugepage_limits;
  NetworkLimits network;
};

enum class CgroupVersion { V1, V2 };

// Usage counters of one cgroup, as read from its interface files (docker stats' raw material).
// Fields a kernel or layout does not provide stay 0 (or empty).
struct CgroupStats {
  uint64_t memory_usage = 0;      // v1 memory.usage_in_bytes, v2 memory.current
  uint64_t memory_max_usage = 0;  // v1 memory.max_usage_in_bytes, v2 memory.peak (5.19+)
  uint64_t memory_limit = 0;      // bytes; 0 when unlimited (the caller substitutes host memory)
  // memory.stat as key -> value (v1: cache, rss, total_inactive_file...; v2: anon, file, inactive_file...).
  std::vector<std::pair<std::string, uint64_t>> memory_stat;
  uint64_t cpu_total_nanos = 0;   // v1 cpuacct.usage, v2 cpu.stat usage_usec * 1000
  std::vector<uint64_t> cpu_per_cpu_nanos;  // v1 cpuacct.usage_percpu; empty on v2
  uint64_t cpu_user_nanos = 0;    // v1 cpuacct.stat user (USER_HZ ticks), v2 user_usec
  uint64_t cpu_system_nanos = 0;
  uint64_t throttling_periods = 0;  // cpu.stat nr_periods
  uint64_t throttled_periods = 0;   // cpu.stat nr_throttled
  uint64_t throttled_nanos = 0;     // v1 throttled_time, v2 throttled_usec * 1000
  uint64_t pids_current = 0;
  uint64_t pids_limit = 0;  // 0 when "max"
};

class CgroupDriver {
 public:
  virtual ~CgroupDriver() = default;
  virtual CgroupVersion version() const = 0;
  // Creates the cgroup `relative_path` (e.g. "gocker/<id>") in every hierarchy, making parents as
  // needed (v1 cpuset: copying cpus/mems from the parent at each level it creates).
  virtual Status create(const std::string& relative_path) = 0;
  virtual Status set_limits(const std::string& relative_path, const CgroupLimits& limits) = 0;
  virtual Status add_pid(const std::string& relative_path, pid_t pid) = 0;
  // Absolute directories of this cgroup, one per hierarchy (what the engine stores).
  virtual std::vector<std::string> paths(const std::string& relative_path) const = 0;
  // Number of OOM kills recorded for the cgroup (v1 memory.oom_control oom_kill, v2 memory.events).
  virtual Result<uint64_t> oom_kill_count(const std::string& relative_path) const = 0;
  // Removes the cgroup everywhere; succeeds if it is already gone.
  virtual Status destroy(const std::string& relative_path) = 0;

  // Freezes every process of the cgroup (v1 freezer.state FROZEN, v2 cgroup.freeze 1) and returns
  // once the kernel reports the cgroup frozen; thaw() undoes it the same way.
  virtual Status freeze(const std::string& /*relative_path*/) { return Error::unavailable("freeze: not supported"); }
  virtual Status thaw(const std::string& /*relative_path*/) { return Error::unavailable("thaw: not supported"); }
  // Whether a freeze is in force (what pause left behind, e.g. before a daemon restart).
  virtual Result<bool> frozen(const std::string& /*relative_path*/) const {
    return Error::unavailable("freezer state: not supported");
  }
  virtual Result<CgroupStats> stats(const std::string& /*relative_path*/) const {
    return Error::unavailable("cgroup stats: not supported");
  }
  // Every process in the cgroup (cgroup.procs; v1: of the memory or else first hierarchy).
  virtual Result<std::vector<pid_t>> pids(const std::string& /*relative_path*/) const {
    return Error::unavailable("cgroup pids: not supported");
  }
};

// Detects the host's layout with statfs(root) (CGROUP2_SUPER_MAGIC means unified v2, tmpfs means
// v1 controllers mounted below it) and returns the matching driver.
Result<std::unique_ptr<CgroupDriver>> detect_cgroup_driver(const std::string& root = "/sys/fs/cgroup");
std::unique_ptr<CgroupDriver> make_cgroup_v1_driver(const std::string& root);
std::unique_ptr<CgroupDriver> make_cgroup_v2_driver(const std::string& root);

// Removes absolute cgroup directories recorded earlier (deepest first); missing ones are fine.
Status remove_cgroup_paths(const std::vector<std::string>& paths);

}  // namespace gocker::runtime
