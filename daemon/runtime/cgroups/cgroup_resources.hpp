#pragma once
// Runtime-internal helpers behind CgroupDriver's freeze, thaw, stats and pids: the v1 and v2
// drivers find the directories, these read and write the interface files. Split out of the drivers
// so each piece is tested against a temp directory shaped like cgroupfs.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"

namespace gocker::runtime {

// ---- shared -------------------------------------------------------------------------------------

// cgroup.procs of `dir`: one pid per line.
Result<std::vector<pid_t>> read_cgroup_procs(const std::string& dir);

// A flat keyed file ("key value" lines: memory.stat, cpu.stat) as pairs, in file order. Lines
// whose value is not an unsigned number are skipped.
std::vector<std::pair<std::string, uint64_t>> parse_keyed_file(std::string_view content);

// A single-number interface file; "max" (v2) reads as 0, as does v1's "unlimited" page-counter
// maximum (anything at or above 2^62).
Result<uint64_t> read_cgroup_number(const std::string& path);

// ---- v1 -----------------------------------------------------------------------------------------

// The directories of one cgroup in each v1 hierarchy stats reads from ("" when not mounted).
struct CgroupV1StatDirs {
  std::string memory;
  std::string cpuacct;
  std::string cpu;
  std::string pids;
};
Result<CgroupStats> read_cgroup_v1_stats(const CgroupV1StatDirs& dirs);

// Writes freezer.state and returns once it reads back as asked.
Status set_cgroup_v1_frozen(const std::string& freezer_dir, bool frozen);
// True while freezer.state reads FROZEN or FREEZING (a freeze asked for and not undone).
Result<bool> cgroup_v1_frozen(const std::string& freezer_dir);

// The error for a memory.limit_in_bytes write the kernel refused with EBUSY (it could not reclaim
// below the new limit): says the requested limit and the current and peak usage, as runc does.
Error memory_limit_below_usage_v1(Error cause, const std::string& memory_dir, std::string_view requested);

// ---- v2 -----------------------------------------------------------------------------------------

Result<CgroupStats> read_cgroup_v2_stats(const std::string& dir);

// Writes cgroup.freeze and waits (inotify on cgroup.events, no polling) until cgroup.events says
// "frozen 1" (or 0). Unavailable after `timeout`.
Status set_cgroup_v2_frozen(const std::string& dir, bool frozen,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));
// True when cgroup.freeze reads 1: what was asked, whether or not the kernel has finished.
Result<bool> cgroup_v2_frozen(const std::string& dir);

// cgroup v2 does not refuse a memory.max below the usage: it reclaims and then OOM-kills. A live
// update must not kill the container, so a limit below what cannot be reclaimed without swap
// (memory.current minus file-backed pages) is refused with InvalidArgument first.
Status check_memory_limit_v2(const std::string& dir, const CgroupLimits& limits);

}  // namespace gocker::runtime
