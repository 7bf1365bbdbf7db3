// cgroup v1 usage statistics: memory from the memory hierarchy, cpu time from cpuacct, throttling
// from cpu, process counts from pids. Each hierarchy may be missing (not mounted); its fields stay 0.
#include <unistd.h>

#include <cerrno>

#include "base/strings.hpp"
#include "runtime/cgroups/cgroup_plan.hpp"
#include "runtime/cgroups/cgroup_resources.hpp"

namespace gocker::runtime {

namespace {

// A file that is optional (a kernel without swap accounting, an older kernel): ENOENT reads as 0.
Result<uint64_t> read_optional_number(const std::string& path) {
  auto value = read_cgroup_number(path);
  if (!value && value.error().sys_errno == ENOENT) return uint64_t{0};
  return value;
}

uint64_t value_of(const std::vector<std::pair<std::string, uint64_t>>& values, std::string_view key) {
  for (const auto& [name, value] : values) {
    if (name == key) return value;
  }
  return 0;
}

Status read_memory(const std::string& dir, CgroupStats& stats) {
  auto usage = read_cgroup_number(dir + "/memory.usage_in_bytes");
  if (!usage) return std::move(usage).error();
  stats.memory_usage = *usage;
  auto max_usage = read_optional_number(dir + "/memory.max_usage_in_bytes");
  if (!max_usage) return std::move(max_usage).error();
  stats.memory_max_usage = *max_usage;
  auto limit = read_cgroup_number(dir + "/memory.limit_in_bytes");
  if (!limit) return std::move(limit).error();
  stats.memory_limit = *limit;
  auto stat = read_cgroup_file(dir + "/memory.stat");
  if (!stat) return std::move(stat).error();
  stats.memory_stat = parse_keyed_file(*stat);
  return ok();
}

Status read_cpuacct(const std::string& dir, CgroupStats& stats) {
  auto total = read_cgroup_number(dir + "/cpuacct.usage");
  if (!total) return std::move(total).error();
  stats.cpu_total_nanos = *total;
  auto per_cpu = read_cgroup_file(dir + "/cpuacct.usage_percpu");
  if (!per_cpu) return std::move(per_cpu).error();
  for (const std::string& word : split(trim(*per_cpu), ' ')) {
    if (word.empty()) continue;
    stats.cpu_per_cpu_nanos.push_back(std::stoull(word));
  }
  // cpuacct.stat counts USER_HZ ticks; Docker reports nanoseconds.
  auto ticks = read_cgroup_file(dir + "/cpuacct.stat");
  if (!ticks) return std::move(ticks).error();
  const auto values = parse_keyed_file(*ticks);
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  const uint64_t nanos_per_tick = ticks_per_second > 0 ? 1'000'000'000ULL / static_cast<uint64_t>(ticks_per_second)
                                                       : 10'000'000ULL;
  stats.cpu_user_nanos = value_of(values, "user") * nanos_per_tick;
  stats.cpu_system_nanos = value_of(values, "system") * nanos_per_tick;
  return ok();
}

Status read_cpu_throttling(const std::string& dir, CgroupStats& stats) {
  auto content = read_cgroup_file(dir + "/cpu.stat");
  if (!content) {
    if (content.error().sys_errno == ENOENT) return ok();  // no CFS bandwidth control
    return std::move(content).error();
  }
  const auto values = parse_keyed_file(*content);
  stats.throttling_periods = value_of(values, "nr_periods");
  stats.throttled_periods = value_of(values, "nr_throttled");
  stats.throttled_nanos = value_of(values, "throttled_time");
  return ok();
}

Status read_pids(const std::string& dir, CgroupStats& stats) {
  auto current = read_cgroup_number(dir + "/pids.current");
  if (!current) return std::move(current).error();
  stats.pids_current = *current;
  auto limit = read_cgroup_number(dir + "/pids.max");
  if (!limit) return std::move(limit).error();
  stats.pids_limit = *limit;
  return ok();
}

}  // namespace

Result<CgroupStats> read_cgroup_v1_stats(const CgroupV1StatDirs& dirs) {
  CgroupStats stats;
  // cpuacct.usage_percpu may hold a number per possible CPU, which std::stoull parses; it throws
  // only on garbage the kernel never writes, caught here rather than leaving the runtime.
  try {
    if (!dirs.memory.empty()) GOCKER_TRY(read_memory(dirs.memory, stats));
    if (!dirs.cpuacct.empty()) GOCKER_TRY(read_cpuacct(dirs.cpuacct, stats));
  } catch (const std::exception& e) {
    return Error::invalid(std::string("read cpuacct.usage_percpu: ") + e.what());
  }
  if (!dirs.cpu.empty()) GOCKER_TRY(read_cpu_throttling(dirs.cpu, stats));
  if (!dirs.pids.empty()) GOCKER_TRY(read_pids(dirs.pids, stats));
  return stats;
}

Error memory_limit_below_usage_v1(Error cause, const std::string& memory_dir, std::string_view requested) {
  auto usage = read_cgroup_number(memory_dir + "/memory.usage_in_bytes");
  auto peak = read_cgroup_number(memory_dir + "/memory.max_usage_in_bytes");
  std::string message = "unable to set memory limit to " + std::string(requested) + " bytes";
  if (usage && peak) {
    message += " (current usage: " + std::to_string(*usage) + ", peak usage: " + std::to_string(*peak) + ")";
  }
  message += ": the kernel could not reclaim enough memory below the new limit: " + cause.message;
  return Error{ErrorKind::InvalidArgument, cause.sys_errno, std::move(message)};
}

}  // namespace gocker::runtime
