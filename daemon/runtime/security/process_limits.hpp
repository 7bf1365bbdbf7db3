#pragma once
// The smaller per-process settings of config.json, applied by the process itself while still
// root: rlimits, oom_score_adj, kernel parameters of its own namespaces, no_new_privs.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "runtime/security/security_config.hpp"

namespace gocker::runtime {

// setrlimit for each; raising a hard limit above this process's own needs CAP_SYS_RESOURCE, and
// the error then says both numbers.
Status apply_rlimits(const std::vector<ProcessRlimit>& rlimits);

// /proc/self/oom_score_adj. Lowering it needs CAP_SYS_RESOURCE; the error says so.
Status set_oom_score_adj(int value);

// Writes each "net.ipv4.ip_forward" = "1" to /proc/sys/net/ipv4/ip_forward. Network and IPC
// parameters belong to the writer's own namespaces whichever procfs mount the write goes
// through, so the init writes them before its /proc even exists.
Status write_sysctls(const std::map<std::string, std::string>& sysctls);

Status set_no_new_privileges();

// The open-files limits of this process before and after raise_open_files_limit().
struct OpenFilesLimits {
  uint64_t original_soft = 0;
  uint64_t soft = 0;
  uint64_t hard = 0;
};

// Raises this process's RLIMIT_NOFILE soft limit to its hard limit, which any process may do; the
// hard limit itself is left alone (raising it needs CAP_SYS_RESOURCE, which a daemon cannot count
// on). For gockerd, which holds sockets, log files and pipes for every container. What children
// should get instead (containers: the original soft limit) is the caller's business.
Result<OpenFilesLimits> raise_open_files_limit();

}  // namespace gocker::runtime
