#pragma once
// The smaller per-process settings of config.json, applied by the process itself while still
// root: rlimits, oom_score_adj, kernel parameters of its own namespaces, no_new_privs.
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

}  // namespace gocker::runtime
