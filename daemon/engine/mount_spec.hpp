#pragma once
// What a create request asks to have mounted, as Docker reads it: HostConfig.Binds
// ("src:dst[:mode]"), HostConfig.Mounts (--mount), HostConfig.Tmpfs (--tmpfs) and Config.Volumes
// (`-v /path` and the image's VOLUMEs). Pure: validation and defaults only, unit-tested. Turning
// the requests into a container's mount list (volume names, host directories, --volumes-from) is
// container_mounts.cpp's job.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/container_types.hpp"
#include "base/result.hpp"

namespace gocker::engine {

struct MountRequest {
  std::string type;  // "bind", "volume" or "tmpfs"
  std::string source;  // bind: absolute host path; volume: the name, "" for an anonymous volume
  std::string destination;  // absolute and clean
  bool read_only = false;
  std::string mode;         // what inspect shows as Mode
  std::string propagation;  // binds: "rprivate" unless asked otherwise; "" for the rest
  bool no_copy = false;     // volume: no copy-up of the image's content
  bool create_source = false;  // -v /host:/ctr creates a missing host directory (--mount refuses)
  std::vector<std::string> tmpfs_options;  // mount options for a tmpfs ("size=64m", "mode=1777")
  std::map<std::string, std::string> volume_labels;
  bool from_config = false;  // a Config.Volumes entry: yields to --volumes-from at its destination
};

// filepath.Clean for absolute container paths: "//a/./b/../c/" -> "/a/c".
std::string clean_container_path(std::string_view path);

// Docker's rule for local volume names.
Status validate_volume_name(std::string_view name);

// Binds, then Mounts, then Tmpfs, in request order; then Config.Volumes entries no explicit mount
// covers, as anonymous volumes. InvalidArgument with Docker's wording for a malformed spec, a
// relative or "/" destination, an unknown mode, or two mounts on one destination.
Result<std::vector<MountRequest>> parse_mount_requests(const api::HostConfig& host_config,
                                                       const std::vector<std::string>& config_volumes);

// One "-v" value.
Result<MountRequest> parse_bind_spec(std::string_view spec);

}  // namespace gocker::engine
