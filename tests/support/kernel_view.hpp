#pragma once
// What the kernel says: mounts, cgroups, processes. Tests assert on these, not on what the daemon
// claims.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"

namespace gocker::test {

// ---- inspecting what the kernel says -----------------------------------------------------------

struct MountEntry {
  std::string mount_point;
  std::string fs_type;
  std::string source;
};
std::vector<MountEntry> read_mountinfo(pid_t pid = 0);  // 0: self
std::vector<MountEntry> mounts_under(const std::string& prefix, pid_t pid = 0);

bool is_cgroup_v2_host();
// The directory of a container's cgroup in one hierarchy: a directory below <hierarchy>/<parent>
// whose name contains the container id (the first 12 hex chars suffice). v1: hierarchy is the
// controller name ("memory", "cpu", "cpuset", "pids"); v2: ignored.
std::optional<std::string> find_container_cgroup(const std::string& controller, const std::string& cgroup_parent,
                                                 const std::string& container_id);
// Every directory (deepest first) of the cgroup parent in every hierarchy that has it.
std::vector<std::string> cgroup_parent_dirs(const std::string& cgroup_parent);


// Kernel-reported memory of a process, in kB: VmRSS from status, Pss from smaps_rollup.
std::optional<long> process_rss_kb(pid_t pid);
std::optional<long> process_pss_kb(pid_t pid);

// Processes (not this one) holding an open fd, cwd or root below `dir`, e.g. a daemon's monitors
// (they hold the container's log file under the daemon root).
std::vector<pid_t> processes_using(const std::string& dir);
// /proc/<pid>/comm without the newline; empty if the process is gone.
std::string process_comm(pid_t pid);

// Waits (inotify, no polling) until the file at `path` contains `needle`. The file must exist.
bool wait_for_file_content(const std::string& path, const std::string& needle, std::chrono::milliseconds timeout);

// Every directory below `base` (itself included), children before their parents: a safe rmdir
// order.
std::vector<std::string> subdirectories_deepest_first(const std::string& base);

}  // namespace gocker::test
