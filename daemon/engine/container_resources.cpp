// stats, top, pause, unpause and update: the engine side of the resource routes. Everything reads
// or writes the container's cgroup through the CgroupDriver (cgroups_), under the container's mutex
// so a concurrent stop or rm sees a consistent paused flag and HostConfig.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/strings.hpp"
#include "engine/engine_impl.hpp"
#include "engine/host_usage.hpp"
#include "engine/oci_config.hpp"
#include "engine/process_table.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {

namespace {

// Docker's --cpus: a 100 ms CFS period with the quota scaled to it (as oci_config does at start).
constexpr int64_t kNanoCpusPeriod = 100000;

api::CpuStats cpu_stats_from(const runtime::CgroupStats& cgroup) {
  api::CpuStats cpu;
  cpu.cpu_usage.total_usage = cgroup.cpu_total_nanos;
  cpu.cpu_usage.percpu_usage = cgroup.cpu_per_cpu_nanos;
  cpu.cpu_usage.usage_in_kernelmode = cgroup.cpu_system_nanos;
  cpu.cpu_usage.usage_in_usermode = cgroup.cpu_user_nanos;
  cpu.throttling_data = {cgroup.throttling_periods, cgroup.throttled_periods, cgroup.throttled_nanos};
  return cpu;
}

// What a live cgroup must change for this update, with the memory pair kept consistent the way
// oci_config.cpp builds it at start (no MemorySwap: memory+swap = 2x memory).
runtime::CgroupLimits live_limits(const api::ContainerUpdateRequest& request, const api::HostConfig& updated) {
  runtime::CgroupLimits limits;
  const bool memory_changed = (request.memory && *request.memory != 0) || (request.memory_swap && *request.memory_swap != 0);
  if (memory_changed && updated.memory > 0) {
    limits.memory_limit = updated.memory;
    limits.memory_swap = updated.memory_swap == 0 ? updated.memory * 2 : updated.memory_swap;
  }
  if (request.cpu_shares && *request.cpu_shares > 0) limits.cpu_shares = static_cast<uint64_t>(*request.cpu_shares);
  if (request.nano_cpus && *request.nano_cpus > 0) {
    limits.cpu_period = kNanoCpusPeriod;
    limits.cpu_quota = *request.nano_cpus * kNanoCpusPeriod / 1'000'000'000;
  } else {
    if (request.cpu_period && *request.cpu_period > 0) limits.cpu_period = static_cast<uint64_t>(*request.cpu_period);
    if (request.cpu_quota && *request.cpu_quota != 0) limits.cpu_quota = *request.cpu_quota;
  }
  if (request.cpuset_cpus) limits.cpuset_cpus = *request.cpuset_cpus;
  if (request.cpuset_mems) limits.cpuset_mems = *request.cpuset_mems;
  if (request.pids_limit) limits.pids_limit = *request.pids_limit;
  return limits;
}

// dockerd's UpdateContainer rules: zero / empty leaves a field alone; PidsLimit, when present,
// replaces it (<= 0: unlimited).
Result<api::HostConfig> merge_update(api::HostConfig host, const api::ContainerUpdateRequest& request) {
  if (request.memory && *request.memory != 0) {
    if (request.memory_swap.value_or(0) == 0 && host.memory_swap > 0 && *request.memory > host.memory_swap) {
      return Error::invalid(
          "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
    }
    host.memory = *request.memory;
  }
  if (request.memory_swap && *request.memory_swap != 0) host.memory_swap = *request.memory_swap;
  if (request.cpu_shares && *request.cpu_shares != 0) host.cpu_shares = *request.cpu_shares;
  if (request.nano_cpus && *request.nano_cpus != 0) {
    if (host.cpu_quota > 0) return Error::invalid("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
    host.nano_cpus = *request.nano_cpus;
  }
  if (request.cpu_period && *request.cpu_period != 0) host.cpu_period = *request.cpu_period;
  if (request.cpu_quota && *request.cpu_quota != 0) {
    if (host.nano_cpus > 0) return Error::invalid("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
    host.cpu_quota = *request.cpu_quota;
  }
  if (request.cpuset_cpus && !request.cpuset_cpus->empty()) host.cpuset_cpus = *request.cpuset_cpus;
  if (request.cpuset_mems && !request.cpuset_mems->empty()) host.cpuset_mems = *request.cpuset_mems;
  if (request.pids_limit) host.pids_limit = *request.pids_limit;
  return host;
}

}  // namespace

Result<api::ContainerStats> EngineImpl::container_stats(const std::string& ref) {
  auto found = find(ref);
  if (!found) return std::move(found).error();
  auto container = std::move(found).value();
  api::ContainerStats stats;
  std::string relative_path;
  {
    std::lock_guard lock(container->mutex);
    stats.name = "/" + container->record.name;
    stats.id = container->record.id;
    if (!container->is_running()) return stats;  // zeros, as dockerd for a stopped container
    relative_path = cgroups_path(container->record.id);
  }
  const int64_t read_at = now_unix_nanos();
  auto cgroup = cgroups_->stats(relative_path);
  if (!cgroup) return std::move(cgroup).error().context("stats of container " + stats.id.substr(0, 12));
  stats.read = format_rfc3339_nanos(read_at);
  stats.cpu_stats = cpu_stats_from(*cgroup);
  auto system = host_cpu_usage_nanos();
  if (!system) return std::move(system).error().context("stats of container " + stats.id.substr(0, 12));
  stats.cpu_stats.system_cpu_usage = *system;
  stats.cpu_stats.online_cpus = static_cast<uint32_t>(online_cpus_);
  stats.memory_stats.usage = cgroup->memory_usage;
  stats.memory_stats.max_usage = cgroup->memory_max_usage;
  for (const auto& [key, value] : cgroup->memory_stat) stats.memory_stats.stats[key] = value;
  stats.memory_stats.limit = cgroup->memory_limit;
  if (stats.memory_stats.limit == 0) {
    // No limit: dockerd reports the host's memory (what the CLI's MEM % is relative to).
    auto host_memory = host_memory_bytes();
    if (host_memory) stats.memory_stats.limit = *host_memory;
  }
  stats.pids_stats = {cgroup->pids_current, cgroup->pids_limit};
  return stats;
}

Result<api::ContainerTop> EngineImpl::top_container(const std::string& ref, const std::string& ps_args) {
  auto found = find(ref);
  if (!found) return std::move(found).error();
  auto container = std::move(found).value();
  std::string relative_path;
  {
    std::lock_guard lock(container->mutex);
    if (!container->is_running()) return Error::conflict("Container " + container->record.id + " is not running");
    relative_path = cgroups_path(container->record.id);
  }
  auto pids = cgroups_->pids(relative_path);
  if (!pids) return std::move(pids).error().context("top of container " + container->record.id.substr(0, 12));
  return list_processes(*pids, ps_args);
}

Status EngineImpl::pause_container(const std::string& ref) {
  auto found = find(ref);
  if (!found) return std::move(found).error();
  auto container = std::move(found).value();
  std::lock_guard lock(container->mutex);
  const std::string& id = container->record.id;
  if (!container->is_running()) return Error::conflict("Container " + id + " is not running");
  if (container->paused) return Error::conflict("Container " + id + " is already paused");
  Status frozen = cgroups_->freeze(cgroups_path(id));
  if (!frozen) return std::move(frozen).error().context("Cannot pause container " + id);
  container->paused = true;
  publish_container_event(*container, "pause");
  return ok();
}

Status EngineImpl::unpause_container(const std::string& ref) {
  auto found = find(ref);
  if (!found) return std::move(found).error();
  auto container = std::move(found).value();
  std::lock_guard lock(container->mutex);
  const std::string& id = container->record.id;
  if (!container->is_running()) return Error::conflict("Container " + id + " is not running");
  if (!container->paused) return Error::conflict("Container " + id + " is not paused");
  Status thawed = cgroups_->thaw(cgroups_path(id));
  if (!thawed) return std::move(thawed).error().context("Cannot unpause container " + id);
  container->paused = false;
  publish_container_event(*container, "unpause");
  return ok();
}

void EngineImpl::thaw_after_signal(Container& container) {
  if (!container.paused) return;
  // The signal is pending in the frozen tasks; thawing lets them take it (SIGKILL included: a v1
  // frozen task does not die until thawed).
  if (Status thawed = cgroups_->thaw(cgroups_path(container.record.id)); !thawed) {
    spdlog::warn("container {}: {}", container.record.id.substr(0, 12), thawed.error().message);
    return;
  }
  container.paused = false;
  publish_container_event(container, "unpause");
}

Result<api::ContainerUpdateResponse> EngineImpl::update_container(const std::string& ref,
                                                                  const api::ContainerUpdateRequest& request) {
  auto found = find(ref);
  if (!found) return std::move(found).error();
  auto container = std::move(found).value();
  std::lock_guard lock(container->mutex);
  const std::string& id = container->record.id;
  const std::string what = "Cannot update container " + id;
  if (container->removing) return Error::conflict(what + ": it is being removed");
  auto updated = merge_update(container->host_config, request);
  if (!updated) return std::move(updated).error().context(what);
  if (Status valid = validate_host_config(*updated, online_cpus_); !valid) return std::move(valid).error().context(what);
  // The live cgroup first: a limit the kernel refuses (memory below usage) changes nothing stored.
  if (container->is_running()) {
    Status applied = cgroups_->set_limits(cgroups_path(id), live_limits(request, *updated));
    if (!applied) return std::move(applied).error().context(what);
  }
  std::string host_config_json;
  try {
    host_config_json = nlohmann::json(*updated).dump();
  } catch (const nlohmann::json::exception& e) {
    return Error::internal(what + ": encode HostConfig: " + e.what());
  }
  if (Status stored = store_->update_container_host_config(id, host_config_json); !stored) {
    return std::move(stored).error().context(what);
  }
  container->host_config = std::move(*updated);
  publish_container_event(*container, "update");
  api::ContainerUpdateResponse response;
  if (request.has_restart_policy) {
    // Restart policies are the manage part's; an update carrying one changes only the limits.
    spdlog::debug("container {}: update ignored RestartPolicy", id.substr(0, 12));
  }
  return response;
}

}  // namespace gocker::engine
