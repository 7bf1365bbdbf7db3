#pragma once
// Wire types of the resource routes: GET /containers/{id}/stats (moby's StatsResponse, the
// "linux" shape), GET /containers/{id}/top, POST /containers/{id}/update.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gocker::api {

inline constexpr const char* kZeroStatsTime = "0001-01-01T00:00:00Z";

struct CpuUsage {
  uint64_t total_usage = 0;            // nanoseconds
  std::vector<uint64_t> percpu_usage;  // nanoseconds per CPU; omitted when empty (cgroup v2)
  uint64_t usage_in_kernelmode = 0;
  uint64_t usage_in_usermode = 0;
};

struct ThrottlingData {
  uint64_t periods = 0;
  uint64_t throttled_periods = 0;
  uint64_t throttled_time = 0;  // nanoseconds
};

struct CpuStats {
  CpuUsage cpu_usage;
  uint64_t system_cpu_usage = 0;  // host CPU time (all CPUs), nanoseconds; omitted when 0
  uint32_t online_cpus = 0;       // omitted when 0
  ThrottlingData throttling_data;
};

struct MemoryStats {
  uint64_t usage = 0;
  uint64_t max_usage = 0;
  std::map<std::string, uint64_t> stats;  // memory.stat
  uint64_t limit = 0;
};

struct PidsStats {
  uint64_t current = 0;
  uint64_t limit = 0;  // omitted when 0 (unlimited)
};

struct ContainerStats {
  std::string name;  // "/x"
  std::string id;
  std::string read = kZeroStatsTime;     // RFC 3339 nanoseconds
  std::string preread = kZeroStatsTime;  // the previous sample's read
  PidsStats pids_stats;
  CpuStats cpu_stats;
  CpuStats precpu_stats;
  MemoryStats memory_stats;
};

void to_json(nlohmann::json& j, const ContainerStats& v);
void from_json(const nlohmann::json& j, ContainerStats& v);

// GET /containers/{id}/top
struct ContainerTop {
  std::vector<std::string> titles;
  std::vector<std::vector<std::string>> processes;
};
void to_json(nlohmann::json& j, const ContainerTop& v);
void from_json(const nlohmann::json& j, ContainerTop& v);

// POST /containers/{id}/update: only the fields present (and not null) change.
struct ContainerUpdateRequest {
  std::optional<int64_t> memory;
  std::optional<int64_t> memory_swap;
  std::optional<int64_t> nano_cpus;
  std::optional<int64_t> cpu_shares;
  std::optional<int64_t> cpu_period;
  std::optional<int64_t> cpu_quota;
  std::optional<std::string> cpuset_cpus;
  std::optional<std::string> cpuset_mems;
  std::optional<int64_t> pids_limit;
  bool has_restart_policy = false;  // accepted, applied by the manage part if it exposes one
};
void from_json(const nlohmann::json& j, ContainerUpdateRequest& v);
void to_json(nlohmann::json& j, const ContainerUpdateRequest& v);

struct ContainerUpdateResponse {
  std::vector<std::string> warnings;
};
void to_json(nlohmann::json& j, const ContainerUpdateResponse& v);

}  // namespace gocker::api
