// docker container prune (POST /containers/prune), after dockerd's daemon/prune.go: every
// container that is not running (created, exited, dead) and that the filters select is removed as
// by `rm`: mounts, cgroups, its directory, its row, its name. A running, paused or restarting
// container is never touched, and neither is one another request is starting or removing.
#include <mutex>

#include <spdlog/spdlog.h>

#include "engine/container_rootfs.hpp"
#include "engine/directory_size.hpp"
#include "engine/engine_impl.hpp"
#include "engine/prune_filters.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {
namespace {

bool is_prunable(const Container& container) {
  const std::string& status = container.record.status;
  if (container.starting || container.removing || container.paused) return false;
  return status == "created" || status == "exited" || status == "dead";
}

}  // namespace

Result<api::ContainerPruneResponse> EngineImpl::prune_containers(
    const std::vector<std::pair<std::string, std::string>>& filters) {
  auto parsed = parse_prune_filters(filters, PruneTarget::Containers, now_unix_nanos());
  if (!parsed) return std::move(parsed).error();

  std::vector<std::shared_ptr<Container>> candidates;
  {
    std::lock_guard lock(registry_mutex_);
    for (const auto& entry : containers_) candidates.push_back(entry.second);
  }
  api::ContainerPruneResponse response;
  for (const auto& container : candidates) {
    std::string id;
    std::string upper_dir;
    {
      // Claimed under its lock, as rm does, so a concurrent start or rm sees "removing" and a
      // start that won the race is seen here as starting.
      std::lock_guard lock(container->mutex);
      if (!is_prunable(*container)) continue;
      const int64_t created = parse_rfc3339_nanos(container->record.created_at).value_or(0);
      if (!prune_filters_select(*parsed, container->config.labels, created)) continue;
      container->removing = true;
      id = container->record.id;
      upper_dir = RootfsLayout{container->dir}.upper();
    }
    const int64_t size = directory_size(upper_dir);
    if (Status removed = destroy_container(container); !removed) {
      // As dockerd: a container that cannot be removed is reported in the log and skipped.
      spdlog::warn("container prune: {}", removed.error().message);
      continue;
    }
    response.containers_deleted.push_back(id);
    response.space_reclaimed += static_cast<uint64_t>(size);
  }
  publish_event("container", "prune", "", {{"reclaimed", std::to_string(response.space_reclaimed)}});
  return response;
}

}  // namespace gocker::engine
