#include "api/volume_types.hpp"

#include "api/json_fields.hpp"

namespace gocker::api {

using nlohmann::json;

void from_json(const json& j, Mount& v) {
  if (!j.is_object()) throw json::type_error::create(302, "a mount must be an object", &j);
  read_field(j, "Type", v.type);
  read_field(j, "Source", v.source);
  read_field(j, "Target", v.target);
  read_field(j, "ReadOnly", v.read_only);
  if (auto it = j.find("BindOptions"); it != j.end() && it->is_object()) read_field(*it, "Propagation", v.propagation);
  if (auto it = j.find("VolumeOptions"); it != j.end() && it->is_object()) {
    read_field(*it, "NoCopy", v.no_copy);
    read_field(*it, "Labels", v.volume_labels);
  }
  if (auto it = j.find("TmpfsOptions"); it != j.end() && it->is_object()) {
    read_field(*it, "SizeBytes", v.tmpfs_size);
    read_field(*it, "Mode", v.tmpfs_mode);
  }
}

void to_json(json& j, const Mount& v) {
  j = json{{"Type", v.type}, {"Source", v.source}, {"Target", v.target}, {"ReadOnly", v.read_only}};
  if (!v.propagation.empty()) j["BindOptions"] = json{{"Propagation", v.propagation}};
  if (v.no_copy || !v.volume_labels.empty()) j["VolumeOptions"] = json{{"NoCopy", v.no_copy}, {"Labels", v.volume_labels}};
  if (v.tmpfs_size != 0 || v.tmpfs_mode != 0) {
    json options = json::object();
    if (v.tmpfs_size != 0) options["SizeBytes"] = v.tmpfs_size;
    if (v.tmpfs_mode != 0) options["Mode"] = v.tmpfs_mode;
    j["TmpfsOptions"] = options;
  }
}

void from_json(const json& j, MountPoint& v) {
  read_field(j, "Type", v.type);
  read_field(j, "Name", v.name);
  read_field(j, "Source", v.source);
  read_field(j, "Destination", v.destination);
  read_field(j, "Driver", v.driver);
  read_field(j, "Mode", v.mode);
  read_field(j, "RW", v.rw);
  read_field(j, "Propagation", v.propagation);
}

void to_json(json& j, const MountPoint& v) {
  j = json{{"Type", v.type}, {"Source", v.source}, {"Destination", v.destination},
           {"Mode", v.mode}, {"RW", v.rw},         {"Propagation", v.propagation}};
  // As dockerd: Name and Driver only for volumes.
  if (!v.name.empty()) j["Name"] = v.name;
  if (!v.driver.empty()) j["Driver"] = v.driver;
}

void from_json(const json& j, Volume& v) {
  read_field(j, "Name", v.name);
  read_field(j, "Driver", v.driver);
  read_field(j, "Mountpoint", v.mountpoint);
  read_field(j, "CreatedAt", v.created_at);
  read_field(j, "Labels", v.labels);
  read_field(j, "Scope", v.scope);
  read_field(j, "Options", v.options);
  if (auto it = j.find("UsageData"); it != j.end() && it->is_object()) {
    int64_t count = -1;
    read_field(*it, "RefCount", count);
    v.ref_count = count;
  }
}

void to_json(json& j, const Volume& v) {
  j = json{{"Name", v.name},       {"Driver", v.driver}, {"Mountpoint", v.mountpoint}, {"CreatedAt", v.created_at},
           {"Labels", v.labels},   {"Scope", v.scope},   {"Options", v.options}};
  if (v.ref_count) j["UsageData"] = json{{"RefCount", *v.ref_count}, {"Size", -1}};
}

void from_json(const json& j, VolumeCreateRequest& v) {
  if (!j.is_object()) throw json::type_error::create(302, "request body must be a JSON object", &j);
  read_field(j, "Name", v.name);
  read_field(j, "Driver", v.driver);
  read_field(j, "DriverOpts", v.driver_opts);
  read_field(j, "Labels", v.labels);
}

void to_json(json& j, const VolumeCreateRequest& v) {
  j = json{{"Name", v.name}, {"Driver", v.driver}, {"DriverOpts", v.driver_opts}, {"Labels", v.labels}};
}

void from_json(const json& j, VolumeListResponse& v) {
  read_field(j, "Volumes", v.volumes);
  read_field(j, "Warnings", v.warnings);
}

void to_json(json& j, const VolumeListResponse& v) {
  j = json{{"Volumes", v.volumes}};
  j["Warnings"] = v.warnings.empty() ? json(nullptr) : json(v.warnings);
}

void from_json(const json& j, VolumePruneResponse& v) {
  read_field(j, "VolumesDeleted", v.volumes_deleted);
  read_field(j, "SpaceReclaimed", v.space_reclaimed);
}

void to_json(json& j, const VolumePruneResponse& v) {
  j = json{{"SpaceReclaimed", v.space_reclaimed}};
  j["VolumesDeleted"] = v.volumes_deleted.empty() ? json(nullptr) : json(v.volumes_deleted);
}

}  // namespace gocker::api
