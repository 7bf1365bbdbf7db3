#pragma once
// Runtime-internal pieces shared by the v1 and v2 drivers, split as plan and apply (STYLE §4):
// the plan turns CgroupLimits into plain (controller, file, value) data that unit tests compare
// directly; apply is a loop over write_cgroup_file. Nothing here is part of the engine's contract
// (that is cgroup_driver.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"

namespace gocker::runtime {

struct CgroupWrite {
  // v1: the controller whose hierarchy holds the file; v2: the controller that owns it.
  std::string controller;
  std::string file;   // interface file inside the cgroup directory, e.g. "memory.limit_in_bytes"
  std::string value;  // exact text written
  // An optional kernel feature (swap accounting): if the file does not exist the write is
  // skipped rather than failing, as Docker runs with "Memory limited without swap".
  bool skip_if_missing = false;
  // Written instead when `file` does not exist (set in the plan, resolved when applying): the
  // blkio/io weights live in BFQ's files (blkio.bfq.weight, io.bfq.weight) or in the older ones.
  std::string fallback_file{};
  std::string fallback_value{};

  bool operator==(const CgroupWrite&) const = default;
};

// cgroup v1 writes, in the order they must be applied. `current_memory_limit` is the cgroup's
// memory.limit_in_bytes before the change (nullopt: unknown, treated as unlimited); it decides
// whether memsw or the memory limit goes first, because the kernel rejects any moment at which
// memory.memsw.limit_in_bytes < memory.limit_in_bytes.
Result<std::vector<CgroupWrite>> plan_cgroup_v1_writes(const CgroupLimits& limits,
                                                       std::optional<int64_t> current_memory_limit);

// A device rule as the v1 devices.allow/devices.deny files take it: "c 1:3 rwm", "a *:* rwm".
std::string device_rule_line(const DeviceRule& rule);

// v1 blkio writes for OCI linux.resources.blockIO (part of plan_cgroup_v1_writes).
std::vector<CgroupWrite> plan_blkio_v1_writes(const BlockIoLimits& block_io);
// v2 io writes (io.bfq.weight or io.weight, io.max); leaf weights do not exist in v2 and are refused.
Result<std::vector<CgroupWrite>> plan_io_v2_writes(const BlockIoLimits& block_io);
// OCI blkio weight [10, 1000] -> v2 io.weight [1, 10000], as runc and crun convert it.
uint64_t blkio_weight_to_io_weight(uint64_t weight);

// cgroup v2 writes (memory.max, memory.swap.max, cpu.weight, cpu.max, cpuset.*, pids.max).
Result<std::vector<CgroupWrite>> plan_cgroup_v2_writes(const CgroupLimits& limits);

// v1 cpu.shares [2, 262144] -> v2 cpu.weight [1, 10000], the conversion runc and crun use:
// 1 + ((shares - 2) * 9999) / 262142 (so the default 1024 becomes 39). Out-of-range shares are
// clamped first, as the kernel clamps cpu.shares.
uint64_t cpu_shares_to_weight(uint64_t shares);

// v2 memory.swap.max from OCI memory+swap and memory: -1 -> "max", else swap - memory.
Result<std::string> memory_swap_v2_value(std::optional<int64_t> memory_swap, std::optional<int64_t> memory_limit);

// Writes `value` to an existing interface file (never creates one: on cgroupfs the kernel makes
// them, and a missing file means a controller or feature is absent). Retries EINTR. Errors read
// `write "<value>" to "<path>": <errno text>`.
Status write_cgroup_file(const std::string& path, std::string_view value);
Result<std::string> read_cgroup_file(const std::string& path);

// Value of `key` in a flat keyed file ("oom_kill 3\n" lines: memory.events, memory.oom_control).
Result<uint64_t> parse_keyed_value(std::string_view content, std::string_view key);

// "gocker/abc" or "/gocker/abc/" -> {"gocker", "abc"}; rejects empty paths, "." and "..".
Result<std::vector<std::string>> split_cgroup_path(std::string_view relative_path);

// mkdir that treats EEXIST as success (creates are idempotent and may race with each other);
// true when this call made the directory.
Result<bool> make_cgroup_dir(const std::string& path);
// rmdir that treats ENOENT as success; EBUSY (tasks or child cgroups left) is an error naming the path.
Status remove_cgroup_dir(const std::string& path);

}  // namespace gocker::runtime
