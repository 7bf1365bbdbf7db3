#pragma once
// A container's mount list (binds, volumes, tmpfs) between the create request and the runtime:
// what create records (state::MountRecord rows), what start hands to the runtime as OCI mounts,
// what inspect shows as "Mounts". The pure parts are here; the engine's use of them is in
// container_mounts.cpp and volumes.cpp.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/volume_types.hpp"
#include "base/result.hpp"
#include "state/store.hpp"

namespace gocker::engine {

// The result of resolving a create request's mounts, before anything is recorded.
struct PreparedMounts {
  std::vector<state::MountRecord> mounts;
  std::vector<state::VolumeRecord> volumes;  // every volume the mounts use (created if missing)
  std::vector<std::string> copy_up;          // destinations of volumes to fill from the image if empty
};

// OCI runtime-spec mounts for the list, parents before children (sorted by path depth, stable).
// Binds and volumes are recursive, private binds ("ro" when not RW); a tmpfs gets Docker's
// nosuid,nodev,noexec before the user's options.
std::vector<nlohmann::json> oci_mounts(const std::vector<state::MountRecord>& mounts);

api::MountPoint mount_point(const state::MountRecord& mount);

// Seconds-precision RFC 3339 in UTC, as Docker's volume CreatedAt.
std::string format_volume_time(int64_t unix_seconds);
// 64 hex characters, as Docker names anonymous volumes.
Result<std::string> random_volume_name();

}  // namespace gocker::engine
