// gockerctl stats rows: the docker CLI's CPU % and memory arithmetic (resources).
#include <doctest/doctest.h>

#include "stats_table.hpp"

namespace gocker::client {
namespace {

api::ContainerStats sample() {
  api::ContainerStats stats;
  stats.name = "/web";
  stats.id = "0123456789abcdef0123";
  stats.read = "2024-05-01T12:00:01Z";
  stats.cpu_stats.cpu_usage.total_usage = 300'000'000;
  stats.cpu_stats.system_cpu_usage = 4'000'000'000;
  stats.cpu_stats.online_cpus = 2;
  stats.precpu_stats.cpu_usage.total_usage = 100'000'000;
  stats.precpu_stats.system_cpu_usage = 2'000'000'000;
  stats.memory_stats.usage = 10 * 1024 * 1024;
  stats.memory_stats.limit = 64 * 1024 * 1024;
  stats.memory_stats.stats["total_inactive_file"] = 2 * 1024 * 1024;
  stats.pids_stats.current = 3;
  return stats;
}

TEST_CASE("CPU % is the container's share of the host delta times online CPUs (resources)") {
  CHECK(cpu_percent(sample()) == doctest::Approx(20.0));  // 0.2e9 / 2e9 * 2 * 100
  api::ContainerStats first = sample();
  first.precpu_stats = {};  // a first sample: no system delta known
  first.precpu_stats.system_cpu_usage = first.cpu_stats.system_cpu_usage;
  CHECK(cpu_percent(first) == 0.0);
}

TEST_CASE("memory usage leaves out inactive page cache, v1 and v2 keys (resources)") {
  api::MemoryStats memory{1000, 0, {{"total_inactive_file", 300}}, 0};
  CHECK(memory_usage_bytes(memory) == 700);
  memory.stats = {{"inactive_file", 100}};
  CHECK(memory_usage_bytes(memory) == 900);
  memory.stats = {{"inactive_file", 5000}};
  CHECK(memory_usage_bytes(memory) == 1000);
}

TEST_CASE("a stats row reads like docker's (resources)") {
  CHECK(stats_table_header() == std::vector<std::string>{"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %",
                                                         "NET I/O", "BLOCK I/O", "PIDS"});
  auto row = stats_table_row(sample(), "web");
  CHECK(row == std::vector<std::string>{"0123456789ab", "web", "20.00%", "8MiB / 64MiB", "12.50%", "0B / 0B", "0B / 0B",
                                        "3"});
}

TEST_CASE("top table pads to at least 20 columns like docker top (resources)") {
  api::ContainerTop top{{"UID", "PID", "CMD"}, {{"root", "12", "sleep 1000"}}};
  CHECK(format_top_table(top) ==
        "UID                 PID                 CMD\n"
        "root                12                  sleep 1000\n");
}

}  // namespace
}  // namespace gocker::client
