#pragma once
// The text of `prune` and `system df`, as the docker CLI prints it, from the daemon's JSON answers
// (pure, for unit tests; command_prune.cpp does the asking and printing).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace gocker::client {

// A prune's section ("Deleted Images:\nuntagged: a:1\ndeleted: sha256:..\n"), or "" when the
// answer lists nothing. `prune_section` picks the lines by the answer's key: ImagesDeleted,
// ContainersDeleted, VolumesDeleted or NetworksDeleted.
std::string prune_section(const nlohmann::json& report);

// The docker CLI's `system df` table: TYPE TOTAL ACTIVE SIZE RECLAIMABLE, with its rules for what
// counts as active (images with containers; running, paused and restarting containers; volumes
// with a reference) and as reclaimable.
std::string disk_usage_table(const nlohmann::json& usage);

// `system df -v`: per-image, per-container and per-volume tables, then the build cache's.
std::string disk_usage_verbose(const nlohmann::json& usage, int64_t now_unix_seconds);

}  // namespace gocker::client
