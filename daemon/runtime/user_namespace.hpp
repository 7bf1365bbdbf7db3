#pragma once
// A container's user namespace: the id mappings of config.json's linux.uidMappings/gidMappings,
// written by the monitor (root in the host's namespace) into the new init's uid_map and gid_map.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace gocker::runtime {

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
};

// The host id that `container_id` stands for; nullopt when no range covers it.
std::optional<uint32_t> host_id_for(const std::vector<IdMapping>& mappings, uint32_t container_id);

// The text the kernel takes in /proc/<pid>/{uid,gid}_map: one "container host size" line a range.
std::string format_id_map(const std::vector<IdMapping>& mappings);

// Overlapping ranges, empty ranges and ranges wrapping past 2^32 are refused here rather than by the
// kernel's bare EINVAL. `what` names the field in the message ("linux.uidMappings").
Status check_id_mappings(const std::vector<IdMapping>& mappings, const std::string& what);

// The ranges of a /proc/<pid>/{uid,gid}_map as the kernel shows it (whitespace-separated numbers,
// three a line).
Result<std::vector<IdMapping>> parse_id_map(std::string_view text, const std::string& what);
// Whether two lists name the same ranges, in any order.
bool same_id_mappings(std::vector<IdMapping> a, std::vector<IdMapping> b);
// Reads /proc/<pid>/{uid,gid}_map, as seen from the caller's user namespace.
Result<std::vector<IdMapping>> read_id_map(pid_t pid, const char* file);

// Writes gid_map then uid_map of `pid` (a child in a new user namespace that has not written its
// own). setgroups stays "allow": a privileged writer needs no "deny", and the container's root
// may then set its supplementary groups as Docker's containers do.
Status write_id_maps(pid_t pid, const std::vector<IdMapping>& uid_mappings, const std::vector<IdMapping>& gid_mappings);

}  // namespace gocker::runtime
