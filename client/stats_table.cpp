#include "stats_table.hpp"

#include <algorithm>
#include <cstdio>

#include "format.hpp"

namespace gocker::client {

namespace {

std::string percent_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", value);
  return text;
}

}  // namespace

double cpu_percent(const api::ContainerStats& stats) {
  const auto& now = stats.cpu_stats;
  const auto& before = stats.precpu_stats;
  const double cpu_delta = static_cast<double>(now.cpu_usage.total_usage) - static_cast<double>(before.cpu_usage.total_usage);
  const double system_delta = static_cast<double>(now.system_cpu_usage) - static_cast<double>(before.system_cpu_usage);
  double online = now.online_cpus;
  if (online == 0) online = static_cast<double>(now.cpu_usage.percpu_usage.size());
  if (cpu_delta <= 0 || system_delta <= 0) return 0;
  return cpu_delta / system_delta * online * 100.0;
}

double memory_usage_bytes(const api::MemoryStats& memory) {
  const double usage = static_cast<double>(memory.usage);
  // v1 reports total_inactive_file, v2 inactive_file; the CLI subtracts whichever is there.
  for (const char* key : {"total_inactive_file", "inactive_file"}) {
    auto it = memory.stats.find(key);
    if (it != memory.stats.end()) {
      const double inactive = static_cast<double>(it->second);
      return inactive < usage ? usage - inactive : usage;
    }
  }
  return usage;
}

std::vector<std::string> stats_table_header() {
  return {"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"};
}

std::vector<std::string> stats_table_row(const api::ContainerStats& stats, const std::string& container) {
  std::string name = stats.name;
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  const std::string id = stats.id.empty() ? container : short_id(stats.id);
  if (stats.read == api::kZeroStatsTime) {
    // A stopped container: docker shows its row with dashes for the numbers it cannot know.
    return {id, name.empty() ? "--" : name, "0.00%", "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0"};
  }
  const double usage = memory_usage_bytes(stats.memory_stats);
  const double limit = static_cast<double>(stats.memory_stats.limit);
  const double memory_percent = limit > 0 ? usage / limit * 100.0 : 0.0;
  return {id,
          name,
          percent_text(cpu_percent(stats)),
          binary_size(usage) + " / " + binary_size(limit),
          percent_text(memory_percent),
          // gocker gives containers no network interfaces beyond lo, and does not account block I/O.
          human_size(0) + " / " + human_size(0),
          human_size(0) + " / " + human_size(0),
          std::to_string(stats.pids_stats.current)};
}

std::string format_top_table(const api::ContainerTop& top) {
  constexpr size_t kMinWidth = 20;
  constexpr size_t kPadding = 3;
  std::vector<std::vector<std::string>> rows;
  rows.push_back(top.titles);
  rows.insert(rows.end(), top.processes.begin(), top.processes.end());
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    // tabwriter: a cell is in a column only if a tab follows it, so the last cell sets no width.
    for (size_t column = 0; column + 1 < row.size(); ++column) {
      if (widths.size() <= column) widths.resize(column + 1, 0);
      widths[column] = std::max(widths[column], display_width(row[column]) + kPadding);
    }
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t column = 0; column < row.size(); ++column) {
      out += row[column];
      if (column + 1 < row.size()) {
        const size_t width = std::max(widths[column], kMinWidth);
        out.append(width - std::min(width, display_width(row[column])), ' ');
      }
    }
    out += '\n';
  }
  return out;
}

}  // namespace gocker::client
