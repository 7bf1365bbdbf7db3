#pragma once
// An OCI mount of type "cgroup" (podman and dockerd put one at /sys/fs/cgroup), done as runc does
// without a cgroup namespace: the container sees its *own* cgroup as the root of every hierarchy,
// never its siblings or the host's tree.
//
//   pure v2 host (cgroup2 at /sys/fs/cgroup)   one bind of the container's cgroup2 directory at
//                                              the target
//   v1 or hybrid host (a tmpfs of hierarchies)  a tmpfs at the target, holding one bind per host
//                                              hierarchy (memory, cpu, ..., systemd, unified) of
//                                              the container's directory in it, and the host's
//                                              links between them (cpuacct -> cpu,cpuacct)
//
// The binds take the mount's flags (ro, nosuid, ...), and so does the tmpfs once it is filled. The
// container's directories come from /proc/self/cgroup, so the init reads it after the monitor put
// it in its cgroup (container_init.cpp waits for that before mounting when a cgroup mount is
// asked for). Which host directory a /proc/self/cgroup line names comes from /proc/self/mountinfo.
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace gocker::runtime {

struct CgroupBind {
  std::string source;  // the host directory (absolute)
  std::string name;    // below the target ("memory", "unified"); empty: at the target itself
};

struct CgroupMountPlan {
  bool unified_root = false;  // pure v2: one bind at the target, no tmpfs
  std::vector<CgroupBind> binds;
};

// From the texts of /proc/self/mountinfo and /proc/self/cgroup; only cgroup mounts at
// `cgroup_root` or directly below it count (other cgroup mounts are copies, e.g. in a container).
Result<CgroupMountPlan> plan_cgroup_mount(std::string_view mountinfo, std::string_view self_cgroup,
                                          const std::string& cgroup_root = "/sys/fs/cgroup");

}  // namespace gocker::runtime
