#include <unistd.h>

#include <csignal>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "engine/blocking_work.hpp"
#include "engine/container_rootfs.hpp"
#include "engine/engine_impl.hpp"
#include "engine/monitor_attach.hpp"
#include "engine/oci_config.hpp"
#include "engine/time_format.hpp"
#include "runtime/file_util.hpp"
#include "runtime/monitor_launch.hpp"

namespace gocker::engine {

namespace asio = boost::asio;

namespace {

// An image without /etc/passwd or /etc/group is fine: numeric users need neither.
std::string read_file_or_empty(const std::string& path) {
  auto text = runtime::read_file(path);
  return text ? std::move(text).value() : std::string{};
}

}  // namespace

// Called with container.mutex held. The user is resolved against the image's own /etc/passwd in
// the mounted rootfs at every start, as runc does, so a later change inside the container counts.
Result<std::string> EngineImpl::write_runtime_config(Container& container) {
  RootfsLayout layout{container.dir};
  auto user = resolve_user(container.config.user, read_file_or_empty(layout.rootfs() + "/etc/passwd"),
                           read_file_or_empty(layout.rootfs() + "/etc/group"));
  if (!user) return std::move(user).error();
  RuntimeConfigInputs inputs;
  inputs.container_id = container.record.id;
  inputs.hostname = container.config.hostname;
  inputs.config = container.config;
  inputs.host_config = container.host_config;
  inputs.user = std::move(user).value();
  inputs.rootfs_path = layout.rootfs();
  inputs.bundle_dir = container.dir;
  inputs.cgroups_path = cgroups_path(container.record.id);
  // runc and crun take a relative cgroupsPath as relative to their own cgroup; absolute, it names
  // the same place under each hierarchy's root as the built-in runtime's.
  if (!options_.runtimes.is_builtin(container.record.runtime)) inputs.cgroups_path.insert(0, "/");
  inputs.user_mounts = oci_mounts(container.mounts);
  inputs.remap = container.remap;
  auto security = resolve_container_security(container.host_config, daemon_privileges_, seccomp_host_);
  if (!security) return std::move(security).error();
  inputs.security = std::move(security).value();
  std::shared_ptr<const std::string> seccomp_text;
  if (inputs.security.seccomp) {
    auto text = seccomp_programs_->text_with_program(inputs.security.seccomp);
    if (!text) return std::move(text).error();
    seccomp_text = std::move(text).value();
  }
  const std::string path = container.dir + "/config.json";
  GOCKER_TRY(runtime::write_file_atomically(path, oci_config_text(inputs, seccomp_text ? *seccomp_text : std::string_view{})));
  return path;
}

void EngineImpl::refill_monitor_standby() {
  asio::post(blocking_pool_, [this] {
    if (auto filled = monitor_standby_->refill(); !filled) spdlog::warn("{}", filled.error().message);
  });
}

Notifier<api::WaitResponse> EngineImpl::add_exit_waiter(Container& container) {
  Notifier<api::WaitResponse> waiter(executor_);
  container.exit_waiters.push_back(waiter);
  return waiter;
}

Task<Status> EngineImpl::start_container(std::string ref) {
  auto found = find(ref);
  if (!found) co_return std::move(found).error();
  auto container = std::move(found).value();
  const std::string short_id = container->record.id.substr(0, 12);
  const std::string what = "start container " + short_id;

  runtime::MonitorOptions monitor_options;
  {
    std::lock_guard lock(container->mutex);
    if (container->is_running()) co_return Error{ErrorKind::NotModified, 0, "container " + short_id + " is already running"};
    if (container->starting) co_return Error::conflict(what + ": it is already starting");
    if (container->removing) co_return Error::conflict(what + ": it is being removed");
    RootfsLayout layout{container->dir};
    // After a reboot (or a daemon started in a fresh mount namespace) the overlay is gone: remount.
    if (!is_mount_point(layout.rootfs())) {
      auto image = images_->resolve(container->record.image_id);
      if (!image) co_return std::move(image).error().context(what);
      if (auto mounted = mount_rootfs(*container, images_->layer_dirs(image.value())); !mounted)
        co_return std::move(mounted).error().context(what);
    }
    ::unlink((container->dir + "/exit.json").c_str());
    ::unlink((container->dir + "/monitor.json").c_str());
    const std::string& runtime_name = container->record.runtime;
    if (!options_.runtimes.is_builtin(runtime_name)) {
      monitor_options.runtime_path = options_.runtimes.path_of(runtime_name);
      if (monitor_options.runtime_path.empty())
        co_return Error::invalid(what + ": unknown or invalid runtime name: " + runtime_name);
      monitor_options.runtime_root = runtime_root(runtime_name);
    }
    auto config_path = write_runtime_config(*container);
    if (!config_path) co_return std::move(config_path).error().context(what);
    container->starting = true;
    monitor_options.monitor_binary = options_.monitor_binary;
    monitor_options.container_id = container->record.id;
    monitor_options.bundle_dir = container->dir;
    monitor_options.state_dir = container->dir;
    monitor_options.log_path = container->log_path();
    monitor_options.attach_socket = container->attach_socket;
  }
  ScopeGuard clear_starting([&] {
    std::lock_guard lock(container->mutex);
    container->starting = false;
  });

  api::ContainerConfig config;
  api::HostConfig host_config;
  {
    std::lock_guard lock(container->mutex);
    config = container->config;
    host_config = container->host_config;
  }
  // The init's network namespace (veth, address, route, lo, published ports) is wired as soon as
  // the init exists, while it builds its filesystem: the two overlap instead of adding up. On
  // failure the SpawnedMonitor is dropped, which kills the init.
  std::optional<Error> setup_error;
  auto pending = co_await run_blocking(blocking_pool_, [&]() -> Result<runtime::PendingStart> {
    auto spawned = runtime::spawn_monitor_until_cloned(monitor_options, monitor_standby_.get());
    if (!spawned) return std::move(spawned).error();
    Status attached = networks_->attach(container->record.id, spawned->init_pid(), config, host_config,
                                        container->dir + "/ports.json");
    if (!attached) return std::move(attached).error().context("set up network");
    auto ready = std::move(*spawned).wait_ready();
    if (!ready) networks_->detach(container->record.id);
    return ready;
  });
  // The next start's monitor is made once this one is through, not while it competes for the CPUs.
  ScopeGuard refill_standby([this] { refill_monitor_standby(); });
  if (!pending) setup_error = std::move(pending).error();
  if (setup_error) {
    auto error = std::move(*setup_error);
    bool auto_remove = false;
    int exit_code = 128;
    std::vector<Notifier<api::WaitResponse>> waiters;
    {
      std::lock_guard lock(container->mutex);
      container->record.error = error.message;
      // Docker's exit code for a container that failed to start for a reason other than its command.
      container->record.exit_code = 128;
      // A command that cannot run fails before ready under every runtime: the monitor recorded
      // 127 or 126 (Monitor::record_exec_failure), and the container stays as it was.
      if (auto recorded = runtime::read_exit_status(container->dir)) container->record.exit_code = recorded->exit_code;
      exit_code = container->record.exit_code;
      (void)persist_state(*container);
      waiters.swap(container->exit_waiters);
      // No monitor means no exit to trigger AutoRemove; a client waiting for condition=removed
      // (run --rm) would otherwise wait forever.
      auto_remove = container->host_config.auto_remove && !container->removing;
      if (auto_remove) container->removing = true;
    }
    for (const auto& waiter : waiters) waiter.notify(api::WaitResponse{exit_code, error.message});
    if (auto_remove) {
      if (auto removed = destroy_container(container); !removed) spdlog::error("{}: {}", what, removed.error().message);
    }
    if (error.sys_errno == ENOENT || error.sys_errno == EACCES) error.kind = ErrorKind::InvalidArgument;
    co_return std::move(error).context(what);
  }
  // Drops what attach() set up when a later step fails before the container counts as running.
  ScopeGuard undo_network([&] { networks_->detach(container->record.id); });
  const auto& processes = pending->processes();
  auto monitor_pidfd = runtime::open_pidfd(processes.monitor);
  if (!monitor_pidfd) co_return std::move(monitor_pidfd).error().context(what + ": watch monitor");

  std::vector<std::shared_ptr<Container::PendingAttach>> attaches;
  {
    std::lock_guard lock(container->mutex);
    auto& record = container->record;
    note_start(*container);
    record.status = "running";
    record.pid = processes.init.pid;
    record.pid_start_time = processes.init.start_time;
    record.monitor_pid = processes.monitor.pid;
    record.monitor_start_time = processes.monitor.start_time;
    record.cgroup_paths = processes.cgroup_paths;
    record.started_at = format_rfc3339_nanos(now_unix_nanos());
    record.finished_at.clear();
    record.exit_code = 0;
    record.oom_killed = false;
    record.error.clear();
    if (auto init_pidfd = runtime::open_pidfd(processes.init)) container->init_pidfd = std::move(init_pidfd).value();
    undo_network.dismiss();
    if (auto saved = persist_state(*container); !saved) spdlog::error("{}", saved.error().message);
    publish_container_event(*container, "start");
    attaches.swap(container->pending_attaches);
  }
  watch_monitor(container, std::move(monitor_pidfd).value());

  // Attaches made before start are connected and subscribed before the command may run, so even
  // a container that exits at once loses no output.
  for (const auto& attach : attaches) {
    auto connection = co_await connect_to_monitor(container->attach_socket, attach->stdin, attach->stdout, attach->stderr);
    if (connection) attach->connected.notify(std::move(connection).value());
    else {
      spdlog::warn("{}: {}", what, connection.error().message);
      attach->connected.notify(nullptr);
    }
  }

  if (auto started = co_await run_blocking(blocking_pool_, [&] { return pending->go(); }); !started) {
    auto error = std::move(started).error();
    if (error.sys_errno == ENOENT || error.sys_errno == EACCES) error.kind = ErrorKind::InvalidArgument;
    // The command never ran and the init is on its way out (SIGKILL makes sure). Answer once its
    // exit is recorded, as dockerd does: a client that reads the failure and then removes the
    // container (docker run, then docker rm) must not find it still "running".
    std::optional<Notifier<api::WaitResponse>> exited;
    {
      std::lock_guard lock(container->mutex);
      container->record.error = error.message;
      if (container->is_running()) {
        exited = add_exit_waiter(*container);
        (void)runtime::send_signal(container->init_pidfd, SIGKILL);
      }
    }
    if (exited) co_await exited->channel().async_receive(asio::as_tuple(asio::use_awaitable));
    co_return std::move(error).context(what);
  }
  spdlog::debug("started container {} (pid {})", short_id, processes.init.pid);
  co_return ok();
}

}  // namespace gocker::engine
