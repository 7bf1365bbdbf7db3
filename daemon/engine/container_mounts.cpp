#include "engine/container_mounts.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "base/random_id.hpp"
#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "engine/contained_path.hpp"
#include "engine/engine_impl.hpp"
#include "engine/mount_spec.hpp"
#include "engine/time_format.hpp"
#include "engine/tree_copy.hpp"

namespace gocker::engine {
namespace {

size_t path_depth(const std::string& path) { return static_cast<size_t>(std::count(path.begin(), path.end(), '/')); }

}  // namespace

std::vector<nlohmann::json> oci_mounts(const std::vector<state::MountRecord>& mounts) {
  std::vector<const state::MountRecord*> ordered;
  for (const auto& mount : mounts) ordered.push_back(&mount);
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
    return path_depth(a->destination) < path_depth(b->destination);
  });
  std::vector<nlohmann::json> out;
  for (const state::MountRecord* mount : ordered) {
    nlohmann::json options = nlohmann::json::array();
    if (mount->type == "tmpfs") {
      options = {"nosuid", "nodev", "noexec"};
      for (const auto& option : mount->options) options.push_back(option);
      if (!mount->rw) options.push_back("ro");
      out.push_back({{"destination", mount->destination}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", options}});
      continue;
    }
    options = {"rbind", mount->propagation.empty() ? "rprivate" : mount->propagation};
    if (!mount->rw) options.push_back("ro");
    out.push_back({{"destination", mount->destination}, {"type", "bind"}, {"source", mount->source}, {"options", options}});
  }
  return out;
}

api::MountPoint mount_point(const state::MountRecord& mount) {
  api::MountPoint point;
  point.type = mount.type;
  point.name = mount.volume_name;
  point.source = mount.source;
  point.destination = mount.destination;
  if (mount.type == "volume") point.driver = "local";
  point.mode = mount.mode;
  point.rw = mount.rw;
  point.propagation = mount.propagation;
  return point;
}

std::string format_volume_time(int64_t unix_seconds) {
  std::time_t seconds = static_cast<std::time_t>(unix_seconds);
  struct tm utc {};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

Result<std::string> random_volume_name() { return random_hex_id("volume name"); }

// ---- the engine's side ----

Result<PreparedMounts> EngineImpl::prepare_mounts(const api::ContainerConfig& config, const api::HostConfig& host_config) {
  auto requests = parse_mount_requests(host_config, config.volumes);
  if (!requests) return std::move(requests).error();
  PreparedMounts prepared;
  std::vector<std::string> taken;
  auto is_taken = [&](const std::string& destination) {
    return std::find(taken.begin(), taken.end(), destination) != taken.end();
  };
  const std::string now = format_volume_time(now_unix_nanos() / 1'000'000'000);
  auto add_volume = [&](const MountRequest& request) -> Status {
    state::VolumeRecord volume;
    volume.anonymous = request.source.empty();
    if (volume.anonymous) {
      auto name = random_volume_name();
      if (!name) return std::move(name).error();
      volume.name = std::move(name).value();
    } else {
      volume.name = request.source;
    }
    volume.created_at = now;
    volume.labels_json = nlohmann::json(request.volume_labels).dump();
    state::MountRecord mount;
    mount.type = "volume";
    mount.volume_name = volume.name;
    mount.source = volume_data_dir(volume.name);
    mount.destination = request.destination;
    mount.mode = request.mode;
    mount.rw = !request.read_only;
    prepared.mounts.push_back(std::move(mount));
    if (!request.no_copy) prepared.copy_up.push_back(request.destination);
    prepared.volumes.push_back(std::move(volume));
    taken.push_back(request.destination);
    return ok();
  };

  for (const MountRequest& request : *requests) {
    if (request.from_config) continue;
    if (request.type == "volume") {
      GOCKER_TRY(add_volume(request));
      continue;
    }
    state::MountRecord mount;
    mount.type = request.type;
    mount.destination = request.destination;
    mount.mode = request.mode;
    mount.rw = !request.read_only;
    mount.propagation = request.propagation;
    mount.options = request.tmpfs_options;
    if (request.type == "bind") {
      mount.source = request.source;
      struct stat source {};
      if (::stat(request.source.c_str(), &source) != 0) {
        if (errno != ENOENT || !request.create_source)
          return Error::invalid("invalid mount config for type \"bind\": bind source path does not exist: " + request.source);
        // -v creates a missing host directory, as dockerd does.
        std::error_code error;
        std::filesystem::create_directories(request.source, error);
        if (error) return Error::from_errno(error.value(), "create bind source " + quoted(request.source));
      }
    }
    prepared.mounts.push_back(std::move(mount));
    taken.push_back(request.destination);
  }

  // --volumes-from: the other container's binds and volumes, with its modes unless :ro / :rw.
  for (const std::string& spec : host_config.volumes_from) {
    std::string ref = spec;
    std::string mode;
    if (auto colon = spec.rfind(':'); colon != std::string::npos) {
      ref = spec.substr(0, colon);
      mode = spec.substr(colon + 1);
      if (mode != "ro" && mode != "rw") return Error::invalid("invalid mode for volumes-from: " + mode);
    }
    auto source = find(ref);
    if (!source) return std::move(source).error();
    std::vector<state::MountRecord> their_mounts;
    {
      std::lock_guard lock(source.value()->mutex);
      their_mounts = source.value()->mounts;
    }
    for (state::MountRecord mount : their_mounts) {
      if (mount.type == "tmpfs" || is_taken(mount.destination)) continue;
      if (!mode.empty()) mount.rw = mode == "rw";
      if (mount.type == "volume") {
        auto volume = store_->find_volume(mount.volume_name);
        if (!volume) return std::move(volume).error();
        prepared.volumes.push_back(std::move(volume).value());
      }
      taken.push_back(mount.destination);
      prepared.mounts.push_back(std::move(mount));
    }
  }

  for (const MountRequest& request : *requests) {
    if (!request.from_config || is_taken(request.destination)) continue;
    GOCKER_TRY(add_volume(request));
  }
  return prepared;
}

Result<std::vector<std::string>> EngineImpl::attach_mounts(const std::string& container_id, const std::string& rootfs,
                                                           const PreparedMounts& prepared) {
  std::lock_guard lock(volumes_mutex_);
  auto created = store_->insert_container_mounts(container_id, prepared.mounts, prepared.volumes);
  if (!created) return std::move(created).error();
  // The rows hold the volumes now (a concurrent `volume rm` is refused): make their directories
  // and fill the empty ones from the image.
  auto root = open_root_directory(rootfs);
  if (!root) return std::move(root).error();
  for (const state::MountRecord& mount : prepared.mounts) {
    if (mount.type != "volume") continue;
    GOCKER_TRY(make_volume_directory(mount.volume_name));
    if (std::find(prepared.copy_up.begin(), prepared.copy_up.end(), mount.destination) == prepared.copy_up.end()) continue;
    auto image_dir = open_in_root(root->get(), mount.destination, O_RDONLY | O_DIRECTORY);
    if (!image_dir) continue;  // nothing (or no directory) there in the image: nothing to copy
    UniqueFd data{::open(mount.source.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
    if (!data) return Error::from_errno(errno, "open volume " + quoted(mount.volume_name));
    // Only a volume that is still empty gets the image's content, as with Docker.
    UniqueFd listing{::dup(data.get())};
    DIR* dir = listing ? ::fdopendir(listing.get()) : nullptr;
    if (dir == nullptr) return Error::from_errno(errno, "read volume " + quoted(mount.volume_name));
    listing.release();
    bool empty = true;
    while (struct dirent* entry = ::readdir(dir)) {
      if (std::string_view(entry->d_name) != "." && std::string_view(entry->d_name) != "..") {
        empty = false;
        break;
      }
    }
    ::closedir(dir);
    if (!empty) continue;
    if (auto copied = copy_tree(image_dir->get(), data.get()); !copied)
      return std::move(copied).error().context("copy " + quoted(mount.destination) + " of the image into volume " +
                                               quoted(mount.volume_name));
  }
  return created;
}

}  // namespace gocker::engine
