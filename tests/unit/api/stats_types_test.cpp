// The JSON shapes of the resource routes, as the docker CLI and docker-py read them.
#include <doctest/doctest.h>

#include "api/stats_types.hpp"

namespace gocker::api {
namespace {

using nlohmann::json;

TEST_CASE("stats JSON has Docker's keys and types (resources)") {
  ContainerStats stats;
  stats.name = "/w";
  stats.id = std::string(64, 'a');
  stats.read = "2024-05-01T12:00:01.5Z";
  stats.preread = "2024-05-01T12:00:00.5Z";
  stats.pids_stats = {2, 0};
  stats.cpu_stats.cpu_usage = {5000, {3000, 2000}, 1000, 4000};
  stats.cpu_stats.system_cpu_usage = 900000;
  stats.cpu_stats.online_cpus = 2;
  stats.cpu_stats.throttling_data = {1, 2, 3};
  stats.precpu_stats.cpu_usage.total_usage = 4000;
  stats.memory_stats = {1024, 2048, {{"cache", 10}}, 4096};
  const json j = stats;
  CHECK(j.at("name") == "/w");
  CHECK(j.at("id") == std::string(64, 'a'));
  CHECK(j.at("read") == "2024-05-01T12:00:01.5Z");
  CHECK(j.at("preread") == "2024-05-01T12:00:00.5Z");
  CHECK(j.at("pids_stats") == json{{"current", 2}});  // limit omitted when unlimited
  const json& cpu = j.at("cpu_stats");
  CHECK(cpu.at("cpu_usage").at("total_usage") == 5000);
  CHECK(cpu.at("cpu_usage").at("percpu_usage") == json::array({3000, 2000}));
  CHECK(cpu.at("cpu_usage").at("usage_in_kernelmode") == 1000);
  CHECK(cpu.at("cpu_usage").at("usage_in_usermode") == 4000);
  CHECK(cpu.at("system_cpu_usage") == 900000);
  CHECK(cpu.at("online_cpus") == 2);
  CHECK(cpu.at("throttling_data") == json{{"periods", 1}, {"throttled_periods", 2}, {"throttled_time", 3}});
  // precpu of a first sample: no system usage, no per-cpu list (both omitempty in moby).
  CHECK(j.at("precpu_stats").at("cpu_usage").at("total_usage") == 4000);
  CHECK_FALSE(j.at("precpu_stats").contains("system_cpu_usage"));
  CHECK_FALSE(j.at("precpu_stats").at("cpu_usage").contains("percpu_usage"));
  CHECK(j.at("memory_stats") == json{{"usage", 1024}, {"max_usage", 2048}, {"stats", {{"cache", 10}}}, {"limit", 4096}});
  CHECK(j.at("blkio_stats").at("io_service_bytes_recursive").is_null());
  CHECK(j.at("num_procs") == 0);
  for (const char* key : {"cpu_stats", "precpu_stats", "memory_stats", "pids_stats", "blkio_stats", "storage_stats"}) {
    CHECK_MESSAGE(j.at(key).is_object(), key);
  }
  // And back: the client reads what the daemon wrote.
  const ContainerStats read_back = j.get<ContainerStats>();
  CHECK(read_back.cpu_stats.cpu_usage.percpu_usage == std::vector<uint64_t>{3000, 2000});
  CHECK(read_back.memory_stats.stats.at("cache") == 10);
  CHECK(read_back.precpu_stats.cpu_usage.total_usage == 4000);
  CHECK(read_back.pids_stats.current == 2);
}

TEST_CASE("a stopped container's stats are zeros with empty memory_stats (resources)") {
  ContainerStats stats;
  stats.name = "/gone";
  stats.id = "abc";
  const json j = stats;
  CHECK(j.at("read") == kZeroStatsTime);
  CHECK(j.at("preread") == kZeroStatsTime);
  CHECK(j.at("memory_stats") == json::object());
  CHECK(j.at("cpu_stats").at("cpu_usage").at("total_usage") == 0);
  CHECK(j.at("pids_stats") == json{{"current", 0}});
}

TEST_CASE("top and update shapes (resources)") {
  ContainerTop top{{"UID", "PID"}, {{"root", "42"}}};
  CHECK(json(top) == json{{"Titles", {"UID", "PID"}}, {"Processes", json::array({json::array({"root", "42"})})}});

  // What the docker CLI sends for `update -m 64m --pids-limit 10`: zeros and nulls elsewhere.
  const json body = json::parse(R"({"BlkioWeight":0,"CpuShares":0,"Memory":67108864,"MemorySwap":0,
      "NanoCpus":0,"CpusetCpus":"","PidsLimit":10,"RestartPolicy":{"Name":"","MaximumRetryCount":0},
      "CpuQuota":null})");
  const ContainerUpdateRequest request = body.get<ContainerUpdateRequest>();
  CHECK(request.memory == 67108864);
  CHECK(request.memory_swap == 0);
  CHECK(request.pids_limit == 10);
  CHECK_FALSE(request.cpu_quota.has_value());
  CHECK(request.cpuset_cpus == std::string());
  CHECK_FALSE(request.has_restart_policy);
  CHECK(json(ContainerUpdateResponse{}) == json{{"Warnings", json::array()}});
}

}  // namespace
}  // namespace gocker::api
