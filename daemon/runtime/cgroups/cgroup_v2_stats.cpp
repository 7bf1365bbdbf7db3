// cgroup v2 usage statistics: everything lives in the one directory (memory.current, memory.stat,
// cpu.stat, pids.*). cpu.stat has no per-CPU split, so percpu stays empty, as with dockerd on v2.
#include <cerrno>

#include "base/strings.hpp"
#include "runtime/cgroups/cgroup_plan.hpp"
#include "runtime/cgroups/cgroup_resources.hpp"

namespace gocker::runtime {

namespace {

uint64_t value_of(const std::vector<std::pair<std::string, uint64_t>>& values, std::string_view key) {
  for (const auto& [name, value] : values) {
    if (name == key) return value;
  }
  return 0;
}

// Missing files mean a controller not enabled for this cgroup (or memory.peak before Linux 5.19):
// the fields stay 0 instead of failing the whole sample.
Result<bool> read_number_if_present(const std::string& path, uint64_t& out) {
  auto value = read_cgroup_number(path);
  if (value) {
    out = *value;
    return true;
  }
  if (value.error().sys_errno == ENOENT) return false;
  return std::move(value).error();
}

}  // namespace

Result<CgroupStats> read_cgroup_v2_stats(const std::string& dir) {
  CgroupStats stats;
  auto has_memory = read_number_if_present(dir + "/memory.current", stats.memory_usage);
  if (!has_memory) return std::move(has_memory).error();
  if (*has_memory) {
    GOCKER_TRY(read_number_if_present(dir + "/memory.peak", stats.memory_max_usage));
    GOCKER_TRY(read_number_if_present(dir + "/memory.max", stats.memory_limit));
    auto stat = read_cgroup_file(dir + "/memory.stat");
    if (!stat) return std::move(stat).error();
    stats.memory_stat = parse_keyed_file(*stat);
  }
  // cpu.stat exists in every cgroup (usage is always accounted); the throttling keys only with
  // the cpu controller enabled.
  auto cpu = read_cgroup_file(dir + "/cpu.stat");
  if (!cpu) return std::move(cpu).error();
  const auto values = parse_keyed_file(*cpu);
  stats.cpu_total_nanos = value_of(values, "usage_usec") * 1000;
  stats.cpu_user_nanos = value_of(values, "user_usec") * 1000;
  stats.cpu_system_nanos = value_of(values, "system_usec") * 1000;
  stats.throttling_periods = value_of(values, "nr_periods");
  stats.throttled_periods = value_of(values, "nr_throttled");
  stats.throttled_nanos = value_of(values, "throttled_usec") * 1000;
  GOCKER_TRY(read_number_if_present(dir + "/pids.current", stats.pids_current));
  GOCKER_TRY(read_number_if_present(dir + "/pids.max", stats.pids_limit));
  return stats;
}

Status check_memory_limit_v2(const std::string& dir, const CgroupLimits& limits) {
  if (!limits.memory_limit || *limits.memory_limit <= 0) return ok();
  uint64_t current = 0;
  auto has_memory = read_number_if_present(dir + "/memory.current", current);
  if (!has_memory) return std::move(has_memory).error();
  if (!*has_memory) return ok();  // a cgroup being created: nothing to reclaim yet
  auto stat = read_cgroup_file(dir + "/memory.stat");
  if (!stat) return std::move(stat).error();
  const uint64_t file = value_of(parse_keyed_file(*stat), "file");
  const uint64_t unreclaimable = current > file ? current - file : 0;
  const auto requested = static_cast<uint64_t>(*limits.memory_limit);
  if (unreclaimable <= requested) return ok();
  return Error::invalid("unable to set memory limit to " + std::to_string(requested) +
                        " bytes: the container uses " + std::to_string(unreclaimable) +
                        " bytes that cannot be reclaimed (current usage: " + std::to_string(current) +
                        "); cgroup v2 would OOM-kill it");
}

}  // namespace gocker::runtime
