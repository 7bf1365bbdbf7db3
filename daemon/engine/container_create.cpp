#include <sys/stat.h>
#include <unistd.h>

#include <shared_mutex>

#include <spdlog/spdlog.h>

#include "base/random_id.hpp"
#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "engine/container_rootfs.hpp"
#include "engine/engine_impl.hpp"
#include "engine/tree_removal.hpp"
#include "engine/init_binary.hpp"
#include "engine/oci_config.hpp"
#include "engine/restart_policy.hpp"
#include "engine/time_format.hpp"
#include "runtime/file_util.hpp"

namespace gocker::engine {
namespace {

constexpr size_t kMaxUnixSocketPath = sizeof(sockaddr_un::sun_path) - 1;

Result<std::string> random_container_id() { return random_hex_id("container id"); }

}  // namespace

Result<api::ContainerCreateResponse> EngineImpl::create_container(const std::string& requested_name,
                                                                  const api::ContainerCreateRequest& request) {
  if (request.config.image.empty()) return Error::invalid("Config.Image is required to create a container");
  GOCKER_TRY(validate_host_config(request.host_config, online_cpus_));
  // The runtime is chosen once, at create (dockerd's HostConfig.Runtime): a later change of the
  // daemon's default does not move existing containers.
  auto runtime_name = options_.runtimes.resolve(request.host_config.runtime);
  if (!runtime_name) return std::move(runtime_name).error();
  GOCKER_TRY(validate_restart_policy(request.host_config.restart_policy, request.host_config.auto_remove));
  if (request.host_config.init) GOCKER_TRY(check_init_binary());
  if (auto security = resolve_container_security(request.host_config, daemon_privileges_, seccomp_host_); !security) {
    return std::move(security).error();
  }
  auto remap = container_remap(request.host_config);
  if (!remap) return std::move(remap).error();
  std::shared_lock image_in_use(image_use_mutex_);
  auto image = images_->resolve(request.config.image);
  if (!image) return std::move(image).error();
  auto image_config = nlohmann::json::parse(image->config_json, nullptr, false);
  nlohmann::json runtime_defaults = nlohmann::json::object();
  if (image_config.is_object() && image_config.contains("config") && image_config["config"].is_object())
    runtime_defaults = image_config["config"];

  api::ContainerConfig config = merge_image_config(request.config, runtime_defaults);
  if (process_args(config).empty()) return Error::invalid("No command specified");
  auto mounts = prepare_mounts(config, request.host_config);
  if (!mounts) return std::move(mounts).error();

  auto id_result = random_container_id();
  if (!id_result) return std::move(id_result).error();
  const std::string id = std::move(id_result).value();
  if (config.hostname.empty()) {
    // --network host: the host's name, as Docker gives it.
    char host_name[256] = {};
    if (request.host_config.network_mode == "host" && ::gethostname(host_name, sizeof host_name - 1) == 0) config.hostname = host_name;
    else config.hostname = id.substr(0, 12);
  }
  std::string name = requested_name;
  if (!name.empty() && name[0] == '/') name.erase(0, 1);
  if (name.empty()) name = generate_name();

  const std::string what = "create container " + quoted(name);
  {
    std::lock_guard lock(registry_mutex_);
    GOCKER_TRY(index_.add(id, name));
  }
  ScopeGuard release_name([&] {
    std::lock_guard lock(registry_mutex_);
    index_.remove(id);
  });

  auto container = std::make_shared<Container>();
  container->dir = container_dir(id);
  container->remap = std::move(remap).value();
  container->host_config = request.host_config;  // mount_rootfs reads AutoRemove
  container->attach_socket = attach_socket_path(id);
  if (container->attach_socket.size() > kMaxUnixSocketPath)
    return Error::invalid(what + ": the daemon root " + quoted(options_.root) +
                          " is too long for unix socket paths (108 bytes); use a shorter --root");

  if (::mkdir(container->dir.c_str(), 0710) != 0)
    return Error::from_errno(errno, what + ": mkdir " + quoted(container->dir));
  ScopeGuard remove_dir([&] {
    // Never through a mount the unmount below could not remove (tree_removal.hpp).
    if (auto removed = remove_tree_on_one_mount(container->dir); !removed)
      spdlog::warn("{}: rollback: {}", what, removed.error().message);
  });

  if (container->remap && ::chown(container->dir.c_str(), 0, container->remap->root_gid()) != 0) {
    // Searchable by the remapped root, for an OCI runtime working inside the user namespace.
    return Error::from_errno(errno, what + ": chown " + quoted(container->dir) + " to the remapped root's group");
  }
  GOCKER_TRY(save_container_remap(*container));
  RootfsLayout layout{container->dir};
  if (auto mounted = mount_rootfs(*container, images_->layer_dirs(image.value())); !mounted)
    return std::move(mounted).error().context(what);
  ScopeGuard unmount([&] {
    if (auto status = unmount_container_rootfs(layout); !status)
      spdlog::warn("{}: rollback: {}", what, status.error().message);
  });

  GOCKER_TRY(runtime::write_file_atomically(container->dir + "/hostname", config.hostname + "\n"));

  // Its address is reserved now and recorded with the container row below (one transaction).
  auto endpoint = networks_->allocate(id, name, request.host_config.network_mode, request.networking_config);
  if (!endpoint) return std::move(endpoint).error().context(what);
  ScopeGuard release_endpoint([&] { networks_->release(id); });

  auto& record = container->record;
  record.endpoints = {std::move(endpoint).value()};
  record.id = id;
  record.name = name;
  record.image_ref = request.config.image;
  record.image_id = image->id;
  record.created_at = format_rfc3339_nanos(now_unix_nanos());
  record.config_json = nlohmann::json(config).dump();
  container->host_config = request.host_config;
  container->host_config.runtime = *runtime_name;
  record.host_config_json = nlohmann::json(container->host_config).dump();
  record.runtime = *runtime_name;
  record.status = "created";
  container->config = std::move(config);
  GOCKER_TRY(write_network_files(*container));
  if (container->remap) {
    // The container's root may edit its own /etc/hostname, hosts and resolv.conf, as without a remap.
    for (const char* file : {"/hostname", "/hosts", "/resolv.conf"}) {
      const std::string path = container->dir + file;
      if (::chown(path.c_str(), container->remap->root_uid(), container->remap->root_gid()) != 0)
        return Error::from_errno(errno, what + ": chown " + quoted(path) + " to the remapped root");
    }
  }
  if (auto inserted = store_->insert_container(record); !inserted) return std::move(inserted).error().context(what);
  if (auto attached = attach_mounts(id, layout.rootfs(), *mounts); !attached) {
    // The row goes with its mount rows; then the anonymous volumes made for it are unused.
    (void)store_->delete_container(id);
    std::vector<std::string> anonymous;
    for (const auto& volume : mounts->volumes)
      if (volume.anonymous) anonymous.push_back(volume.name);
    remove_anonymous_volumes(anonymous);
    return std::move(attached).error().context(what);
  }
  container->mounts = std::move(mounts->mounts);

  {
    std::lock_guard lock(registry_mutex_);
    containers_.emplace(id, container);
  }
  unmount.dismiss();
  remove_dir.dismiss();
  release_name.dismiss();
  release_endpoint.dismiss();
  refresh_hosts_files(networks_->neighbours_of(id));
  publish_container_event(*container, "create");
  spdlog::debug("created container {} ({})", id.substr(0, 12), name);
  return api::ContainerCreateResponse{id, {}};
}

}  // namespace gocker::engine
