#pragma once
// `ps -ef` for a set of host pids, read from /proc directly (dockerd runs ps(1) and filters its
// output; reading /proc needs no procps on the host and no parsing of its columns).
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/stats_types.hpp"
#include "base/result.hpp"

namespace gocker::engine {

// The fields of /proc/<pid>/stat that ps -ef shows (see proc(5)).
struct ProcStat {
  pid_t pid = 0;
  std::string comm;
  pid_t ppid = 0;
  int tty_nr = 0;
  uint64_t utime_ticks = 0;
  uint64_t stime_ticks = 0;
  uint64_t start_ticks = 0;  // since boot
};
// Parses the text of /proc/<pid>/stat; comm may hold spaces and ')' so fields are found from the
// last ')'.
Result<ProcStat> parse_proc_stat(std::string_view text);

// Column helpers, as procps formats them.
std::string format_tty(int tty_nr);                          // "?", "pts/3", "tty1"
std::string format_cpu_time(uint64_t seconds);               // "00:01:02", "2-03:04:05"
std::string format_start_time(int64_t start_unix, int64_t now_unix);  // "14:03" today, "Jan02" this year, "2023" before
int cpu_percent(uint64_t cpu_ticks, uint64_t start_ticks, uint64_t uptime_ticks);  // ps's C column
// cmdline (NUL-separated) joined with spaces; "[comm]" for kernel threads or zombies.
std::string format_command(std::string_view cmdline, std::string_view comm);

// Titles and rows for the pids (pids that vanish meanwhile are left out). ps_args: "" or "-ef".
Result<api::ContainerTop> list_processes(const std::vector<pid_t>& pids, const std::string& ps_args);

}  // namespace gocker::engine
