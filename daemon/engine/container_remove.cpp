#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "base/strings.hpp"
#include "engine/blocking_work.hpp"
#include "engine/container_rootfs.hpp"
#include "engine/engine_impl.hpp"
#include "engine/tree_removal.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"
#include "runtime/monitor_launch.hpp"
#include "runtime/oci_runtime.hpp"

namespace gocker::engine {

namespace asio = boost::asio;

Task<Status> EngineImpl::remove_container(std::string ref, bool force, bool remove_volumes) {
  auto found = find(ref);
  if (!found) co_return std::move(found).error();
  auto container = std::move(found).value();
  std::optional<Notifier<api::WaitResponse>> waiter;
  {
    std::lock_guard lock(container->mutex);
    const auto& id = container->record.id;
    if (container->removing) co_return Error::conflict("removal of container " + id + " is already in progress");
    if (container->is_running() || container->starting) {
      if (!force)
        co_return Error::conflict("You cannot remove a running container " + id +
                                  ". Stop the container before attempting removal or force remove");
      waiter = add_exit_waiter(*container);
      if (auto killed = runtime::send_signal(container->init_pidfd, SIGKILL); !killed)
        spdlog::warn("remove container {}: {}", id.substr(0, 12), killed.error().message);
      thaw_after_signal(*container);  // SIGKILL reaches a v1-frozen task only once thawed
    }
    // Claimed before the kill lands, so the exit handler does not auto-remove it under our feet.
    container->removing = true;
    container->remove_volumes = remove_volumes;
  }
  if (waiter) co_await waiter->channel().async_receive(asio::as_tuple(asio::use_awaitable));
  // Unmounting and deleting a container's files can take long (a big upper dir): off the io thread.
  co_return co_await run_blocking(blocking_pool_, [&] { return destroy_container(container); });
}

Status EngineImpl::delete_runtime_state(const Container& container) const {
  const std::string& name = container.record.runtime;
  if (options_.runtimes.is_builtin(name)) return ok();
  const std::string root = runtime_root(name);
  struct stat info {};
  // The monitor deletes the runtime's state once the container exits: usually nothing is left.
  if (::lstat((root + "/" + container.record.id).c_str(), &info) != 0) return ok();
  const std::string path = options_.runtimes.path_of(name);
  if (path.empty()) return Error::invalid("delete runtime state: unknown or invalid runtime name: " + name);
  runtime::OciRuntimeCommand command{path, root, container.dir + "/runtime-log.json"};
  if (auto deleted = runtime::run_runtime_command(command, runtime::runtime_delete_argv(command, container.record.id)); !deleted)
    return std::move(deleted).error().context("delete runtime state");
  return ok();
}

Status EngineImpl::remove_container_files(const Container& container) {
  GOCKER_TRY(unmount_container_rootfs(RootfsLayout{container.dir}));
  if (!container.record.cgroup_paths.empty()) GOCKER_TRY(runtime::remove_cgroup_paths(container.record.cgroup_paths));
  ::unlink(container.attach_socket.c_str());
  // Anything still mounted below makes the removal fail before a file is gone, as the rmdir of
  // that mount point would, and the container becomes "dead" until it is unmounted.
  auto mount = find_mount_below(container.dir);
  if (!mount) {
    if (mount.error().sys_errno == ENOENT) return ok();
    return std::move(mount).error();
  }
  if (mount.value()) return Error::from_errno(EBUSY, "remove " + quoted(container.dir) + ": " + quoted(**mount) + " is a mount point");
  // The directory leaves containers/ with one rename; its files are deleted off the removal's
  // path. Their unlinks (journal work for each of a dozen files on ext4) were a millisecond or two
  // of every `run --rm`.
  const std::string trashed = trash_dir() + "/" + container.record.id;
  if (::rename(container.dir.c_str(), trashed.c_str()) != 0)
    return Error::from_errno(errno, "move " + quoted(container.dir) + " to " + quoted(trashed));
  discard_in_background(trashed);
  return ok();
}

void EngineImpl::discard_in_background(std::string path) {
  asio::post(blocking_pool_, [path = std::move(path)] {
    if (auto removed = remove_tree_on_one_mount(path); !removed) spdlog::warn("{}", removed.error().message);
  });
}

Status EngineImpl::destroy_container(const std::shared_ptr<Container>& container) {
  std::vector<Notifier<api::WaitResponse>> waiters;
  api::WaitResponse response;
  std::string id;
  std::optional<Error> failure;
  std::vector<std::string> anonymous_volumes;
  {
    std::lock_guard lock(container->mutex);
    id = container->record.id;
    // rm -v and --rm take the container's anonymous volumes along (named ones always stay).
    if (container->remove_volumes || container->host_config.auto_remove)
      for (const auto& mount : container->mounts)
        if (mount.type == "volume") anonymous_volumes.push_back(mount.volume_name);
    container->record.status = "removing";
    if (auto deleted = delete_runtime_state(*container); !deleted)
      spdlog::warn("remove container {}: {}", id.substr(0, 12), deleted.error().message);
    auto cleaned = remove_container_files(*container);
    if (!cleaned) {
      // Leave it visible as "dead" so `rm -f` can be retried once the cause is fixed.
      container->record.status = "dead";
      container->removing = false;
      (void)persist_state(*container);
      failure = std::move(cleaned).error().context("remove container " + id.substr(0, 12));
      response.error_message = failure->message;
    } else {
      publish_container_event(*container, "destroy");
    }
    waiters.swap(container->removal_waiters);
    response.status_code = container->record.exit_code;
  }
  if (failure) {
    // Clients waiting for the removal (run --rm) are told now: it will not happen on its own.
    for (const auto& waiter : waiters) waiter.notify(response);
    return std::move(*failure);
  }
  if (auto deleted = store_->delete_container(id); !deleted) {
    response.error_message = deleted.error().message;
    for (const auto& waiter : waiters) waiter.notify(response);
    return std::move(deleted).error();
  }
  // The endpoint rows went with the container's (ON DELETE CASCADE): its addresses are free again.
  const auto neighbours = networks_->neighbours_of(id);
  networks_->detach(id);
  networks_->release(id);
  {
    std::lock_guard lock(registry_mutex_);
    index_.remove(id);
    containers_.erase(id);
  }
  {
    // A wait?condition=removed that found the container before it left the registry, but
    // registered after the waiters were taken above, is woken here; later ones see `destroyed`.
    std::lock_guard lock(container->mutex);
    container->destroyed = true;
    for (auto& waiter : container->removal_waiters) waiters.push_back(std::move(waiter));
    container->removal_waiters.clear();
  }
  refresh_hosts_files(neighbours);
  forget_execs(id);
  restarts_.forget(id);
  remove_anonymous_volumes(anonymous_volumes);
  for (const auto& waiter : waiters) waiter.notify(response);
  spdlog::debug("removed container {}", id.substr(0, 12));
  return ok();
}

}  // namespace gocker::engine
