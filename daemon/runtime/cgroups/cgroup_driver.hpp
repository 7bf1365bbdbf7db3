#pragma once
// One interface over cgroup v1 and v2. Both drivers take the root of the cgroup filesystem(s) as a
// path, so v2 (and v1) can be exercised against a temporary directory laid out like cgroupfs.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace gocker::runtime {

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
};

enum class CgroupVersion { V1, V2 };

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
};

// Detects the host's layout with statfs(root) (CGROUP2_SUPER_MAGIC means unified v2, tmpfs means
// v1 controllers mounted below it) and returns the matching driver.
Result<std::unique_ptr<CgroupDriver>> detect_cgroup_driver(const std::string& root = "/sys/fs/cgroup");
std::unique_ptr<CgroupDriver> make_cgroup_v1_driver(const std::string& root);
std::unique_ptr<CgroupDriver> make_cgroup_v2_driver(const std::string& root);

// Removes absolute cgroup directories recorded earlier (deepest first); missing ones are fine.
Status remove_cgroup_paths(const std::vector<std::string>& paths);

}  // namespace gocker::runtime
