#pragma once
// A container's security settings from its HostConfig (--privileged, --cap-add/--cap-drop,
// --security-opt, --ulimit, --oom-score-adj, --sysctl), resolved as dockerd resolves them and
// checked against what this daemon itself can grant: a host without CAP_SYS_RESOURCE (this one)
// cannot give a container more open files than gockerd has, and --privileged means every
// capability gockerd holds, not every capability the kernel knows.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/container_types.hpp"
#include "base/result.hpp"
#include "engine/seccomp_profile.hpp"

namespace gocker::engine {

struct DaemonPrivileges {
  std::vector<std::string> capabilities;  // the daemon's bounding set: "CAP_CHOWN", ...
  bool can_raise_limits = false;          // CAP_SYS_RESOURCE is effective
  int oom_score_adj = 0;                  // the daemon's own; going below it needs CAP_SYS_RESOURCE
  std::map<std::string, uint64_t> hard_limits;  // "nofile" -> the daemon's own hard limit
  // RLIMIT_NOFILE of a container without --ulimit nofile: set explicitly, never inherited, because
  // gockerd raises its own soft limit at start (daemon/main.cpp). The soft limit is the one gockerd
  // was started with (1024 under its unit: select(2) and programs that close every fd up to the
  // limit expect it), the hard limit gockerd's own, as a Docker container gets them.
  uint64_t default_nofile_soft = 1024;
  uint64_t default_nofile_hard = 1024;
  static DaemonPrivileges of_this_process();
};

// Docker's default capability set.
inline const std::vector<std::string> kDefaultCapabilities{
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",      "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",           "CAP_SETFCAP",     "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"};

struct ContainerSecurity {
  bool privileged = false;
  std::vector<std::string> capabilities;  // bounding = effective = permitted; no inheritable, no ambient
  bool no_new_privileges = false;
  // config.json linux.seccomp; null: unconfined. Shared and never changed: the built-in profile is
  // one large object per capability set, used by every container with that set.
  std::shared_ptr<const nlohmann::json> seccomp;
  nlohmann::json rlimits = nlohmann::json::array();  // config.json process.rlimits
  std::optional<int> oom_score_adj;
  std::map<std::string, std::string> sysctls;  // Docker's defaults, then --sysctl
  nlohmann::json devices = nlohmann::json::array();       // config.json linux.devices (--device)
  nlohmann::json device_rules = nlohmann::json::array();  // config.json linux.resources.devices
};

// InvalidArgument with Docker's wording where users know it: an unknown capability, security
// option, ulimit or sysctl, a capability or limit this daemon cannot grant, a bad profile.
Result<ContainerSecurity> resolve_container_security(const api::HostConfig& host, const DaemonPrivileges& daemon,
                                                     const SeccompHost& seccomp_host);

// The capability set of a container (CapAdd/CapDrop over `base`, "ALL" in either), by dockerd's
// rules; names normalised to "CAP_X". `all` is what "ALL" means.
Result<std::vector<std::string>> container_capabilities(const std::vector<std::string>& base,
                                                        const std::vector<std::string>& cap_add,
                                                        const std::vector<std::string>& cap_drop,
                                                        const std::vector<std::string>& all);

}  // namespace gocker::engine
