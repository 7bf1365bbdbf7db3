// gockerd --userns-remap: which containers get a user namespace, the user namespaces that describe
// each remap for idmapped layers, and the remap each container keeps for life.
#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "base/strings.hpp"
#include "engine/container_rootfs.hpp"
#include "engine/engine_impl.hpp"
#include "engine/idmapped_layers.hpp"
#include "engine/shifted_layers.hpp"
#include "runtime/file_util.hpp"

namespace gocker::engine {
namespace {

std::string remap_file(const Container& container) { return container.dir + "/userns.json"; }

}  // namespace

Result<std::optional<IdRemap>> EngineImpl::container_remap(const api::HostConfig& host_config) {
  const std::string& mode = host_config.userns_mode;
  if (mode != "" && mode != "host" && mode != "private")
    return Error::invalid("invalid UsernsMode " + quoted(mode) + ": use \"host\" or \"private\"");
  if (mode == "host") return std::optional<IdRemap>{};
  std::optional<IdRemap> remap = default_remap_;
  if (!remap && mode == "private") {
    // No daemon-wide remap: the default user's ranges, as --userns-remap default would use.
    auto resolved = resolve_userns_remap("default");
    if (!resolved) return std::move(resolved).error().context("--userns private");
    remap = std::move(resolved).value();
  }
  if (!remap) return remap;
  if (host_config.privileged)
    return Error::invalid("--privileged cannot be combined with a remapped user namespace: add --userns host");
  if (host_config.network_mode == "host")
    return Error::invalid("--network host cannot be combined with a remapped user namespace: add --userns host");
  return remap;
}

namespace {

// What a kernel or filesystem that cannot idmap an overlay's lower layers answers (mount_setattr
// before 5.12 or on filesystems without idmapping; the overlay mount itself before 5.19).
bool idmapping_refused(const Error& error) {
  return error.sys_errno == EINVAL || error.sys_errno == ENOSYS || error.sys_errno == EOPNOTSUPP ||
         error.sys_errno == EPERM;
}

}  // namespace

Status EngineImpl::mount_rootfs(const Container& container, const std::vector<std::string>& layers) {
  RootfsLayout layout{container.dir};
  // A container removed when it exits keeps nothing worth a sync (container_rootfs.hpp).
  const UpperSync sync = container.host_config.auto_remove ? UpperSync::Volatile : UpperSync::Synced;
  if (!container.remap) return mount_container_rootfs(layers, layout, sync);
  RootfsRemap rootfs_remap;
  rootfs_remap.root_uid = container.remap->root_uid();
  rootfs_remap.root_gid = container.remap->root_gid();
  if (options_.idmapped_layers && idmapped_layers_usable_.load()) {
    auto userns_fd = remap_userns_fd(*container.remap);
    if (!userns_fd) return std::move(userns_fd).error();
    rootfs_remap.userns_fd = *userns_fd;
    auto mounted = mount_container_rootfs(layers, layout, sync, &rootfs_remap);
    if (mounted || !idmapping_refused(mounted.error())) return mounted;
    if (idmapped_layers_usable_.exchange(false)) {
      spdlog::warn("idmapped layers are not available here ({}): remapped containers get copies of their layers "
                   "with shifted owners under {}/layers/remapped",
                   mounted.error().message, options_.root);
    }
    rootfs_remap.userns_fd = -1;
  }
  const std::string dir = shifted_layers_dir(options_.root + "/layers/remapped", *container.remap);
  std::vector<std::string> shifted;
  shifted.reserve(layers.size());
  {
    // Two containers of one image must not both copy a layer into the same place.
    std::lock_guard lock(shifted_layers_mutex_);
    for (const auto& layer : layers) {
      auto copy = ensure_shifted_layer(layer, dir, *container.remap);
      if (!copy) return std::move(copy).error();
      shifted.push_back(std::move(copy).value());
    }
  }
  return mount_container_rootfs(shifted, layout, sync, &rootfs_remap);
}

Result<int> EngineImpl::remap_userns_fd(const IdRemap& remap) {
  // One user namespace per distinct remap for the daemon's lifetime: creating one costs a clone.
  // Entries are never removed once made, so the fd stays valid after the lock is released.
  std::lock_guard lock(remap_userns_mutex_);
  auto& userns = remap_userns_[remap.key()];
  if (!userns) {
    auto created = create_mapping_user_namespace(remap);
    if (!created) {
      remap_userns_.erase(remap.key());
      return std::move(created).error();
    }
    userns = std::move(created).value();
  }
  return userns.get();
}

Status EngineImpl::save_container_remap(const Container& container) {
  if (!container.remap) return ok();
  return runtime::write_file_atomically(remap_file(container), nlohmann::json(*container.remap).dump());
}

Status EngineImpl::load_container_remap(Container& container) {
  const std::string path = remap_file(container);
  if (::access(path.c_str(), F_OK) != 0) {
    if (errno == ENOENT) return ok();
    return Error::from_errno(errno, "read " + quoted(path));
  }
  auto text = runtime::read_file(path);
  if (!text) return std::move(text).error();
  auto parsed = nlohmann::json::parse(*text, nullptr, false);
  IdRemap remap;
  if (parsed.is_discarded()) return Error::invalid(quoted(path) + " is not JSON");
  if (auto status = remap_from_json(parsed, remap); !status) return std::move(status).error().context(quoted(path));
  container.remap = std::move(remap);
  return ok();
}

}  // namespace gocker::engine
