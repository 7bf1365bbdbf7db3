#pragma once
// `gockerctl stats` rows, computed from the daemon's stats documents the way the docker CLI does
// (cli/command/container/stats_helpers.go): CPU % from the change between cpu_stats and
// precpu_stats, memory without the inactive page cache.
#include <string>
#include <vector>

#include "api/stats_types.hpp"

namespace gocker::client {

// CPU %: container cpu delta / host cpu delta * online CPUs * 100 (0 when either delta is 0).
double cpu_percent(const api::ContainerStats& stats);
// Memory usage as the CLI shows it: usage minus total_inactive_file (v1) or inactive_file (v2).
double memory_usage_bytes(const api::MemoryStats& memory);

// CONTAINER ID, NAME, CPU %, MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O, PIDS.
std::vector<std::string> stats_table_header();
// `container` is what the user named (shown when the daemon sent no id, as docker does for "--").
std::vector<std::string> stats_table_row(const api::ContainerStats& stats, const std::string& container);

// Docker's top layout: tabwriter with minwidth 20, padding 3; the last column unpadded.
std::string format_top_table(const api::ContainerTop& top);

}  // namespace gocker::client
