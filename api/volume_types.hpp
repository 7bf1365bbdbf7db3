#pragma once
// Docker Engine API (v1.41) volume and mount wire types: /volumes/*, HostConfig.Mounts and the
// inspect "Mounts" array. Field names are Docker's. No I/O here.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gocker::api {

// One HostConfig.Mounts entry (`--mount type=...,source=...,target=...`).
struct Mount {
  std::string type;    // bind, volume, tmpfs
  std::string source;  // host path (bind), volume name (volume, "" = anonymous), unused (tmpfs)
  std::string target;
  bool read_only = false;
  std::string propagation;  // BindOptions.Propagation
  bool no_copy = false;     // VolumeOptions.NoCopy
  std::map<std::string, std::string> volume_labels;  // VolumeOptions.Labels
  int64_t tmpfs_size = 0;   // TmpfsOptions.SizeBytes; 0 = the kernel's default (half of RAM)
  uint32_t tmpfs_mode = 0;  // TmpfsOptions.Mode; 0 = 1777
};

// One entry of a container inspect's "Mounts" (moby's types.MountPoint).
struct MountPoint {
  std::string type;  // bind, volume, tmpfs
  std::string name;  // volume name
  std::string source;
  std::string destination;
  std::string driver;  // "local" for volumes
  std::string mode;
  bool rw = true;
  std::string propagation;
};

// GET /volumes/{name}, one entry of GET /volumes.
struct Volume {
  std::string name;
  std::string driver = "local";
  std::string mountpoint;
  std::string created_at;  // RFC 3339
  std::map<std::string, std::string> labels;
  std::string scope = "local";
  std::map<std::string, std::string> options;
  std::optional<int64_t> ref_count;  // UsageData.RefCount, when asked for (system df)
};

// POST /volumes/create
struct VolumeCreateRequest {
  std::string name;  // "" = a generated (anonymous-looking) name
  std::string driver = "local";
  std::map<std::string, std::string> driver_opts;
  std::map<std::string, std::string> labels;
};

struct VolumeListResponse {
  std::vector<Volume> volumes;
  std::vector<std::string> warnings;
};

struct VolumePruneResponse {
  std::vector<std::string> volumes_deleted;
  uint64_t space_reclaimed = 0;
};

void from_json(const nlohmann::json& j, Mount& value);
void to_json(nlohmann::json& j, const Mount& value);
void from_json(const nlohmann::json& j, MountPoint& value);
void to_json(nlohmann::json& j, const MountPoint& value);
void from_json(const nlohmann::json& j, Volume& value);
void to_json(nlohmann::json& j, const Volume& value);
void from_json(const nlohmann::json& j, VolumeCreateRequest& value);
void to_json(nlohmann::json& j, const VolumeCreateRequest& value);
void from_json(const nlohmann::json& j, VolumeListResponse& value);
void to_json(nlohmann::json& j, const VolumeListResponse& value);
void from_json(const nlohmann::json& j, VolumePruneResponse& value);
void to_json(nlohmann::json& j, const VolumePruneResponse& value);

}  // namespace gocker::api
