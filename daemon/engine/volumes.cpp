// Named and anonymous volumes of the local driver: a row in the volumes table and a directory
// <root>/volumes/<name>/_data that containers bind-mount. Containers reference their volumes
// through container_mounts rows (state/migrations.cpp), so "in use" is a foreign key, checked by
// SQLite in the same statement that would delete the volume.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <spdlog/spdlog.h>

#include "base/filesystem.hpp"
#include "base/strings.hpp"
#include "engine/engine_impl.hpp"
#include "engine/mount_spec.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {
namespace {

std::map<std::string, std::string> string_map(const std::string& json_text) {
  std::map<std::string, std::string> out;
  auto parsed = nlohmann::json::parse(json_text, nullptr, false);
  if (!parsed.is_object()) return out;
  for (const auto& [key, value] : parsed.items())
    if (value.is_string()) out[key] = value.get<std::string>();
  return out;
}

bool matches_label(const std::map<std::string, std::string>& labels, const std::string& wanted) {
  auto equals = wanted.find('=');
  auto found = labels.find(wanted.substr(0, equals));
  if (found == labels.end()) return false;
  return equals == std::string::npos || found->second == wanted.substr(equals + 1);
}

uint64_t tree_size(const std::string& path) {
  uint64_t total = 0;
  std::error_code error;
  for (std::filesystem::recursive_directory_iterator it(path, error), end; !error && it != end; it.increment(error)) {
    std::error_code ignored;
    if (it->is_regular_file(ignored) && !it->is_symlink(ignored)) total += it->file_size(ignored);
  }
  return total;
}

}  // namespace

api::Volume EngineImpl::volume_view(const state::VolumeRecord& record) const {
  api::Volume volume;
  volume.name = record.name;
  volume.driver = record.driver;
  volume.mountpoint = volume_data_dir(record.name);
  volume.created_at = record.created_at;
  volume.labels = string_map(record.labels_json);
  volume.options = string_map(record.options_json);
  return volume;
}

Status EngineImpl::make_volume_directory(const std::string& name) {
  GOCKER_TRY(make_directory(options_.root + "/volumes", 0701));
  GOCKER_TRY(make_directory(volume_dir(name), 0701));
  const std::string data = volume_data_dir(name);
  const bool is_new = ::access(data.c_str(), F_OK) != 0;
  GOCKER_TRY(make_directory(data, 0755));
  // Under --userns-remap a new volume belongs to the containers' root, as the rootfs does.
  if (is_new && default_remap_ && ::chown(data.c_str(), default_remap_->root_uid(), default_remap_->root_gid()) != 0)
    return Error::from_errno(errno, "chown volume " + quoted(name) + " to the remapped root");
  return ok();
}

Result<api::Volume> EngineImpl::create_volume(const api::VolumeCreateRequest& request) {
  if (!request.driver.empty() && request.driver != "local")
    return Error::not_found("error looking up volume plugin " + request.driver + ": plugin " + quoted(request.driver) +
                            " not found");
  if (!request.driver_opts.empty())
    return Error::invalid("create " + request.name + ": gocker's local driver takes no options (type, device, o)");
  state::VolumeRecord record;
  if (request.name.empty()) {
    auto name = random_volume_name();
    if (!name) return std::move(name).error();
    record.name = std::move(name).value();
  } else {
    GOCKER_TRY(validate_volume_name(request.name));
    record.name = request.name;
  }
  record.created_at = format_volume_time(now_unix_nanos() / 1'000'000'000);
  record.labels_json = nlohmann::json(request.labels).dump();
  {
    std::lock_guard lock(volumes_mutex_);
    auto created = store_->insert_volume(record);
    if (!created) return std::move(created).error();
    if (auto made = make_volume_directory(record.name); !made) {
      if (*created) (void)store_->delete_volume(record.name);
      return std::move(made).error().context("create volume " + quoted(record.name));
    }
    if (*created) spdlog::debug("created volume {}", record.name);
  }
  auto stored = store_->find_volume(record.name);
  if (!stored) return std::move(stored).error();
  return volume_view(*stored);
}

Result<api::VolumeListResponse> EngineImpl::list_volumes(const std::vector<std::pair<std::string, std::string>>& filters) {
  for (const auto& [key, value] : filters) {
    if (key != "dangling" && key != "name" && key != "label" && key != "driver")
      return Error::invalid("invalid filter '" + key + "'");
    if (key == "dangling" && value != "true" && value != "false" && value != "1" && value != "0")
      return Error::invalid("invalid filter 'dangling=" + value + "'");
  }
  auto records = store_->list_volumes();
  if (!records) return std::move(records).error();
  api::VolumeListResponse response;
  for (const auto& record : *records) {
    api::Volume volume = volume_view(record);
    // Same key: any value matches; different keys: all must (Docker's filter rule).
    std::map<std::string, bool> matched;
    for (const auto& [key, value] : filters) {
      bool match = false;
      if (key == "dangling") match = (record.ref_count == 0) == (value == "true" || value == "1");
      else if (key == "name") match = record.name.find(value) != std::string::npos;
      else if (key == "label") match = matches_label(volume.labels, value);
      else if (key == "driver") match = record.driver == value;
      matched[key] = matched[key] || match;
    }
    bool keep = true;
    for (const auto& [key, match] : matched) keep = keep && match;
    if (keep) response.volumes.push_back(std::move(volume));
  }
  return response;
}

Result<api::Volume> EngineImpl::inspect_volume(const std::string& name) {
  auto record = store_->find_volume(name);
  if (!record) return std::move(record).error();
  return volume_view(*record);
}

Status EngineImpl::delete_volume_locked(const std::string& name) {
  GOCKER_TRY(store_->delete_volume(name));
  std::error_code error;
  std::filesystem::remove_all(volume_dir(name), error);
  if (error) return Error::from_errno(error.value(), "remove volume directory " + quoted(volume_dir(name)));
  spdlog::debug("removed volume {}", name);
  return ok();
}

Status EngineImpl::remove_volume(const std::string& name, bool force) {
  std::lock_guard lock(volumes_mutex_);
  auto removed = delete_volume_locked(name);
  if (!removed && force && removed.error().kind == ErrorKind::NotFound) return ok();
  return removed;
}

Result<api::VolumePruneResponse> EngineImpl::prune_volumes(const std::vector<std::pair<std::string, std::string>>& filters) {
  std::vector<std::string> labels;
  for (const auto& [key, value] : filters) {
    // "all" (API 1.42+: anonymous only unless all=true) is accepted; at API 1.41 every unused
    // volume is pruned anyway.
    if (key == "label") labels.push_back(value);
    else if (key != "all") return Error::invalid("invalid filter '" + key + "'");
  }
  auto records = store_->list_volumes();
  if (!records) return std::move(records).error();
  api::VolumePruneResponse response;
  std::lock_guard lock(volumes_mutex_);
  for (const auto& record : *records) {
    if (record.ref_count != 0) continue;
    auto volume_labels = string_map(record.labels_json);
    bool keep = false;
    for (const auto& label : labels) keep = keep || !matches_label(volume_labels, label);
    if (keep) continue;
    uint64_t size = tree_size(volume_data_dir(record.name));
    // In use since the listing (a create got in between): the foreign key refuses, skip it.
    if (auto removed = delete_volume_locked(record.name); !removed) {
      if (removed.error().kind != ErrorKind::Conflict) spdlog::warn("prune volume {}: {}", record.name, removed.error().message);
      continue;
    }
    response.volumes_deleted.push_back(record.name);
    response.space_reclaimed += size;
  }
  return response;
}

void EngineImpl::remove_anonymous_volumes(const std::vector<std::string>& names) {
  std::lock_guard lock(volumes_mutex_);
  for (const std::string& name : names) {
    auto record = store_->find_volume(name);
    if (!record || !record->anonymous || record->ref_count != 0) continue;
    if (auto removed = delete_volume_locked(name); !removed && removed.error().kind != ErrorKind::Conflict)
      spdlog::warn("remove anonymous volume {}: {}", name, removed.error().message);
  }
}

}  // namespace gocker::engine
