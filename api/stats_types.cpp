#include "api/stats_types.hpp"

#include "api/json_fields.hpp"

namespace gocker::api {

using nlohmann::json;

namespace {

json cpu_stats_json(const CpuStats& v) {
  json usage{{"total_usage", v.cpu_usage.total_usage},
             {"usage_in_kernelmode", v.cpu_usage.usage_in_kernelmode},
             {"usage_in_usermode", v.cpu_usage.usage_in_usermode}};
  if (!v.cpu_usage.percpu_usage.empty()) usage["percpu_usage"] = v.cpu_usage.percpu_usage;
  json out{{"cpu_usage", usage},
           {"throttling_data",
            {{"periods", v.throttling_data.periods},
             {"throttled_periods", v.throttling_data.throttled_periods},
             {"throttled_time", v.throttling_data.throttled_time}}}};
  // omitempty in moby's CPUStats: a stopped container's sample has neither.
  if (v.system_cpu_usage != 0) out["system_cpu_usage"] = v.system_cpu_usage;
  if (v.online_cpus != 0) out["online_cpus"] = v.online_cpus;
  return out;
}

void read_cpu_stats(const json& j, CpuStats& v) {
  if (!j.is_object()) return;
  if (auto usage = j.find("cpu_usage"); usage != j.end() && usage->is_object()) {
    read_field(*usage, "total_usage", v.cpu_usage.total_usage);
    read_field(*usage, "percpu_usage", v.cpu_usage.percpu_usage);
    read_field(*usage, "usage_in_kernelmode", v.cpu_usage.usage_in_kernelmode);
    read_field(*usage, "usage_in_usermode", v.cpu_usage.usage_in_usermode);
  }
  read_field(j, "system_cpu_usage", v.system_cpu_usage);
  read_field(j, "online_cpus", v.online_cpus);
  if (auto throttling = j.find("throttling_data"); throttling != j.end() && throttling->is_object()) {
    read_field(*throttling, "periods", v.throttling_data.periods);
    read_field(*throttling, "throttled_periods", v.throttling_data.throttled_periods);
    read_field(*throttling, "throttled_time", v.throttling_data.throttled_time);
  }
}

}  // namespace

void to_json(json& j, const ContainerStats& v) {
  json pids{{"current", v.pids_stats.current}};
  if (v.pids_stats.limit != 0) pids["limit"] = v.pids_stats.limit;
  json memory = json::object();
  // A stopped container's memory_stats is {} in dockerd (every field omitempty).
  if (v.memory_stats.usage != 0 || v.memory_stats.limit != 0) {
    memory = json{{"usage", v.memory_stats.usage},
                  {"max_usage", v.memory_stats.max_usage},
                  {"stats", v.memory_stats.stats},
                  {"limit", v.memory_stats.limit}};
  }
  // blkio_stats' lists are null when gocker does not account block I/O (no blkio hierarchy
  // joined); the CLI then shows 0B / 0B, as for a container that did no I/O.
  json blkio{{"io_service_bytes_recursive", nullptr}, {"io_serviced_recursive", nullptr},
             {"io_queue_recursive", nullptr},         {"io_service_time_recursive", nullptr},
             {"io_wait_time_recursive", nullptr},     {"io_merged_recursive", nullptr},
             {"io_time_recursive", nullptr},          {"sectors_recursive", nullptr}};
  j = json{{"name", v.name},
           {"id", v.id},
           {"read", v.read},
           {"preread", v.preread},
           {"pids_stats", pids},
           {"blkio_stats", blkio},
           {"num_procs", 0},
           {"storage_stats", json::object()},
           {"cpu_stats", cpu_stats_json(v.cpu_stats)},
           {"precpu_stats", cpu_stats_json(v.precpu_stats)},
           {"memory_stats", memory}};
}

void from_json(const json& j, ContainerStats& v) {
  if (!j.is_object()) throw json::type_error::create(302, "stats must be an object", &j);
  read_field(j, "name", v.name);
  read_field(j, "id", v.id);
  read_field(j, "read", v.read);
  read_field(j, "preread", v.preread);
  if (auto pids = j.find("pids_stats"); pids != j.end() && pids->is_object()) {
    read_field(*pids, "current", v.pids_stats.current);
    read_field(*pids, "limit", v.pids_stats.limit);
  }
  if (auto cpu = j.find("cpu_stats"); cpu != j.end()) read_cpu_stats(*cpu, v.cpu_stats);
  if (auto cpu = j.find("precpu_stats"); cpu != j.end()) read_cpu_stats(*cpu, v.precpu_stats);
  if (auto memory = j.find("memory_stats"); memory != j.end() && memory->is_object()) {
    read_field(*memory, "usage", v.memory_stats.usage);
    read_field(*memory, "max_usage", v.memory_stats.max_usage);
    read_field(*memory, "stats", v.memory_stats.stats);
    read_field(*memory, "limit", v.memory_stats.limit);
  }
}

void to_json(json& j, const ContainerTop& v) { j = json{{"Titles", v.titles}, {"Processes", v.processes}}; }

void from_json(const json& j, ContainerTop& v) {
  if (!j.is_object()) throw json::type_error::create(302, "top must be an object", &j);
  read_field(j, "Titles", v.titles);
  read_field(j, "Processes", v.processes);
}

void from_json(const json& j, ContainerUpdateRequest& v) {
  if (!j.is_object()) throw json::type_error::create(302, "update config must be an object", &j);
  auto optional_int = [&j](const char* key, std::optional<int64_t>& out) {
    auto it = j.find(key);
    if (it != j.end() && !it->is_null()) out = read_integer<int64_t>(*it, key);
  };
  optional_int("Memory", v.memory);
  optional_int("MemorySwap", v.memory_swap);
  optional_int("NanoCpus", v.nano_cpus);
  optional_int("CpuShares", v.cpu_shares);
  optional_int("CpuPeriod", v.cpu_period);
  optional_int("CpuQuota", v.cpu_quota);
  optional_int("PidsLimit", v.pids_limit);
  if (auto it = j.find("CpusetCpus"); it != j.end() && !it->is_null()) v.cpuset_cpus = it->get<std::string>();
  if (auto it = j.find("CpusetMems"); it != j.end() && !it->is_null()) v.cpuset_mems = it->get<std::string>();
  if (auto it = j.find("RestartPolicy"); it != j.end() && it->is_object()) {
    v.has_restart_policy = !it->value("Name", std::string()).empty();
  }
}

void to_json(json& j, const ContainerUpdateRequest& v) {
  j = json::object();
  if (v.memory) j["Memory"] = *v.memory;
  if (v.memory_swap) j["MemorySwap"] = *v.memory_swap;
  if (v.nano_cpus) j["NanoCpus"] = *v.nano_cpus;
  if (v.cpu_shares) j["CpuShares"] = *v.cpu_shares;
  if (v.cpu_period) j["CpuPeriod"] = *v.cpu_period;
  if (v.cpu_quota) j["CpuQuota"] = *v.cpu_quota;
  if (v.cpuset_cpus) j["CpusetCpus"] = *v.cpuset_cpus;
  if (v.cpuset_mems) j["CpusetMems"] = *v.cpuset_mems;
  if (v.pids_limit) j["PidsLimit"] = *v.pids_limit;
}

void to_json(json& j, const ContainerUpdateResponse& v) { j = json{{"Warnings", v.warnings}}; }

}  // namespace gocker::api
