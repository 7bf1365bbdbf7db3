// exec: processes started inside a running container (docker exec). The instance is created in
// memory, then started once: the runtime's exec monitor (runtime/exec_launch.hpp) joins the
// container and serves the process's stdio on its own attach socket, which is bridged to the
// client exactly like a container attach. Exit codes come from the kExit attach message (attached)
// and from the monitor's exit.json when its pidfd reports its end (both ways, first one wins).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "api/stream_frame.hpp"
#include "base/filesystem.hpp"
#include "base/random_id.hpp"
#include "base/strings.hpp"
#include "engine/container_rootfs.hpp"
#include "engine/detach_keys.hpp"
#include "engine/engine_impl.hpp"
#include "engine/exec_config.hpp"
#include "engine/monitor_attach.hpp"
#include "engine/process_exit_watch.hpp"
#include "runtime/attach_codec.hpp"
#include "runtime/exec_launch.hpp"
#include "runtime/exec_lookup.hpp"
#include "runtime/file_util.hpp"
#include "runtime/oci_config.hpp"
#include "runtime/security/capabilities.hpp"

namespace gocker::engine {

namespace asio = boost::asio;
using runtime::attach::MessageType;

struct EngineImpl::ExecInstance {
  // Immutable after create.
  std::string id;
  std::string container_id;
  api::ExecCreateRequest config;
  std::string state_dir;      // <container dir>/exec/<id>
  std::string attach_socket;  // <root>/s/e<id prefix>
  // Guarded by exec_mutex_.
  bool started = false;
  bool running = false;
  bool died = false;
  std::optional<int> exit_code;
  int pid = 0;
  std::unique_ptr<asio::posix::stream_descriptor> monitor_watch;
};

struct EngineImpl::StartedExec {
  runtime::PendingStart pending;
  UniqueFd monitor_pidfd;
};

namespace {

Result<std::string> random_exec_id() { return random_hex_id("exec id"); }

std::string read_file_or_empty(const std::string& path) {
  auto text = runtime::read_file(path);
  return text ? std::move(text).value() : std::string{};
}

std::string join_command(const std::vector<std::string>& command) {
  std::string text;
  for (const auto& part : command) text += (text.empty() ? "" : " ") + part;
  return text;
}

Error no_such_exec(const std::string& exec_id) { return Error::not_found("No such exec instance: " + exec_id); }

// dockerd's message for a process that could not be started, as the CLI prints it.
std::string exec_failure_message(const Error& error) {
  return "OCI runtime exec failed: exec failed: unable to start container process: " + error.message;
}

// dockerd: 127 when the command was not found, 126 for any other start failure.
int exit_code_for_start_failure(const Error& error) {
  return error.sys_errno == ENOENT ? 127 : 126;
}

Status check_container_running(const Container& container) {
  if (container.paused)
    return Error::conflict("Container " + container.record.id + " is paused, unpause the container before exec");
  if (!container.is_running()) return Error::conflict("Container " + container.record.id + " is not running");
  return ok();
}

}  // namespace

Result<std::pair<std::shared_ptr<EngineImpl::ExecInstance>, std::shared_ptr<Container>>> EngineImpl::find_exec(
    const std::string& exec_id) const {
  std::shared_ptr<ExecInstance> exec;
  {
    std::lock_guard lock(exec_mutex_);
    auto it = execs_.find(exec_id);
    if (it == execs_.end()) return no_such_exec(exec_id);
    exec = it->second;
  }
  std::shared_ptr<Container> container;
  {
    std::lock_guard lock(registry_mutex_);
    auto it = containers_.find(exec->container_id);
    if (it != containers_.end()) container = it->second;
  }
  if (!container) return no_such_exec(exec_id);  // its container is being removed
  return std::make_pair(std::move(exec), std::move(container));
}

Result<api::ExecCreateResponse> EngineImpl::create_exec(const std::string& container_ref,
                                                        const api::ExecCreateRequest& request) {
  auto found = find(container_ref);
  if (!found) return std::move(found).error();
  auto container = std::move(found).value();
  GOCKER_TRY(validate_exec_request(request));
  auto id = random_exec_id();
  if (!id) return std::move(id).error();
  auto exec = std::make_shared<ExecInstance>();
  exec->id = *id;
  exec->config = request;
  {
    std::lock_guard lock(container->mutex);
    GOCKER_TRY(check_container_running(*container));
    exec->container_id = container->record.id;
    exec->state_dir = container->dir + "/exec/" + exec->id;
    publish_container_event(*container, "exec_create: " + join_command(request.cmd), {{"execID", exec->id}});
  }
  exec->attach_socket = options_.root + "/s/e" + exec->id.substr(0, 15);
  {
    std::lock_guard lock(exec_mutex_);
    execs_.emplace(exec->id, exec);
    exec_ids_by_container_[exec->container_id].push_back(exec->id);
  }
  return api::ExecCreateResponse{exec->id};
}

void EngineImpl::forget_execs(const std::string& container_id) {
  std::lock_guard lock(exec_mutex_);
  auto ids = exec_ids_by_container_.find(container_id);
  if (ids == exec_ids_by_container_.end()) return;
  for (const std::string& id : ids->second) execs_.erase(id);
  exec_ids_by_container_.erase(ids);
}

Result<api::ExecInspect> EngineImpl::inspect_exec(const std::string& exec_id) const {
  auto found = find_exec(exec_id);
  if (!found) return std::move(found).error();
  const auto& exec = found->first;
  api::ExecInspect inspect;
  inspect.id = exec->id;
  inspect.container_id = exec->container_id;
  inspect.open_stdin = exec->config.attach_stdin;
  inspect.open_stdout = exec->config.attach_stdout;
  inspect.open_stderr = exec->config.attach_stderr;
  inspect.detach_keys = exec->config.detach_keys;
  inspect.process_config.tty = exec->config.tty;
  inspect.process_config.entrypoint = exec->config.cmd.front();
  inspect.process_config.arguments.assign(exec->config.cmd.begin() + 1, exec->config.cmd.end());
  inspect.process_config.privileged = exec->config.privileged;
  inspect.process_config.user = exec->config.user;
  std::lock_guard lock(exec_mutex_);
  inspect.running = exec->running;
  inspect.exit_code = exec->exit_code;
  inspect.pid = exec->pid;
  return inspect;
}

Result<bool> EngineImpl::claim_exec_start(const std::string& exec_id) {
  auto found = find_exec(exec_id);
  if (!found) return std::move(found).error();
  const auto& exec = found->first;
  const auto& container = found->second;
  {
    std::lock_guard lock(container->mutex);
    GOCKER_TRY(check_container_running(*container));
  }
  std::lock_guard lock(exec_mutex_);
  if (exec->started) return Error::conflict("Error: Exec command " + exec_id + " is already running");
  exec->started = true;
  return exec->config.tty;
}

Result<EngineImpl::StartedExec> EngineImpl::launch_exec(const std::shared_ptr<ExecInstance>& exec,
                                                        const std::shared_ptr<Container>& container) {
  runtime::ExecSpec spec;
  std::string container_dir;
  std::string runtime_name;
  {
    std::lock_guard lock(container->mutex);
    GOCKER_TRY(check_container_running(*container));
    spec.container_init = {static_cast<pid_t>(container->record.pid), container->record.pid_start_time};
    spec.cgroup_paths = container->record.cgroup_paths;
    container_dir = container->dir;
    runtime_name = container->record.runtime;
    // The user is resolved at start against the container's own files, as runc exec does.
    RootfsLayout layout{container->dir};
    auto user = resolve_user(exec_user_spec(container->config, exec->config),
                             read_file_or_empty(layout.rootfs() + "/etc/passwd"),
                             read_file_or_empty(layout.rootfs() + "/etc/group"));
    if (!user) return std::move(user).error();
    spec.process = build_exec_process(container->config, exec->config, *user);
  }
  spec.open_stdin = exec->config.attach_stdin;
  // An exec'd process is held to the container's own capabilities, rlimits and seccomp filter (as
  // written at its start); --privileged widens only the capabilities, as in Docker.
  auto container_spec = runtime::load_oci_config(container_dir);
  if (!container_spec) return std::move(container_spec).error().context("read the container's config");
  spec.process.security = std::move(container_spec->process.security);
  // A container started by a gocker that wrote no RLIMIT_NOFILE would otherwise pass on gockerd's
  // raised soft limit (daemon/main.cpp) to its exec'd processes.
  auto& rlimits = spec.process.security.rlimits;
  if (std::none_of(rlimits.begin(), rlimits.end(), [](const runtime::ProcessRlimit& limit) { return limit.resource == RLIMIT_NOFILE; })) {
    rlimits.push_back({RLIMIT_NOFILE, std::min(daemon_privileges_.default_nofile_soft, daemon_privileges_.default_nofile_hard),
                       daemon_privileges_.default_nofile_hard});
  }
  if (exec->config.privileged) {
    std::vector<int> all = runtime::bounding_capabilities();
    spec.process.security.capabilities = runtime::CapabilitySets{all, all, {}, all, {}};
  }
  GOCKER_TRY(make_directory(container_dir + "/exec", 0700));
  GOCKER_TRY(make_directory(exec->state_dir, 0700));

  runtime::ExecMonitorOptions options;
  options.monitor_binary = options_.monitor_binary;
  options.container_id = exec->container_id;
  options.exec_id = exec->id;
  options.state_dir = exec->state_dir;
  options.attach_socket = exec->attach_socket;
  if (!options_.runtimes.is_builtin(runtime_name)) {
    options.runtime_path = options_.runtimes.path_of(runtime_name);
    if (options.runtime_path.empty()) return Error::invalid("unknown or invalid runtime name: " + runtime_name);
    options.runtime_root = runtime_root(runtime_name);
  }
  auto pending = runtime::spawn_exec_monitor(options, spec);
  if (!pending) return std::move(pending).error();
  auto monitor_pidfd = runtime::open_pidfd(pending->processes().monitor);
  if (!monitor_pidfd) return std::move(monitor_pidfd).error().context("watch exec monitor");
  return StartedExec{std::move(*pending), std::move(*monitor_pidfd)};
}

void EngineImpl::record_exec_exit(const std::shared_ptr<ExecInstance>& exec, const std::shared_ptr<Container>& container,
                                  int exit_code) {
  {
    std::lock_guard lock(exec_mutex_);
    if (exec->died) return;
    exec->died = true;
    exec->running = false;
    exec->exit_code = exit_code;
  }
  std::lock_guard lock(container->mutex);
  publish_container_event(*container, "exec_die", {{"execID", exec->id}, {"exitCode", std::to_string(exit_code)}});
}

void EngineImpl::watch_exec_monitor(const std::shared_ptr<ExecInstance>& exec, const std::shared_ptr<Container>& container,
                                    UniqueFd monitor_pidfd) {
  auto descriptor = std::make_unique<asio::posix::stream_descriptor>(executor_, monitor_pidfd.release());
  auto* watched = descriptor.get();
  {
    std::lock_guard lock(exec_mutex_);
    exec->monitor_watch = std::move(descriptor);
  }
  wait_for_process_exit(*watched, [this, exec, container] {
    auto status = runtime::read_exit_status(exec->state_dir);
    // A monitor that died without exit.json (killed by hand) leaves the code unknown: Docker's 255.
    record_exec_exit(exec, container, status ? status->exit_code : 255);
    std::error_code ignored;
    std::filesystem::remove_all(exec->state_dir, ignored);
    ::unlink(exec->attach_socket.c_str());
    std::lock_guard lock(exec_mutex_);
    exec->monitor_watch.reset();
  });
}

Task<void> EngineImpl::run_exec_attached(std::string exec_id, bool tty_stream, UnixSocket client_socket,
                                         std::string buffered_input) {
  auto client = std::make_shared<UnixSocket>(std::move(client_socket));
  auto close_client = [client] {
    boost::system::error_code ignored;
    client->shutdown(asio::socket_base::shutdown_both, ignored);
    client->close(ignored);
  };
  auto found = find_exec(exec_id);
  if (!found) {
    close_client();
    co_return;
  }
  auto exec = found->first;
  auto container = found->second;
  const bool tty = tty_stream;
  // dockerd writes a start failure into the stream (on stdout), then ends it.
  auto write_failure = [&](const Error& error) -> Task<void> {
    record_exec_exit(exec, container, exit_code_for_start_failure(error));
    std::string text = exec_failure_message(error) + "\r\n";
    std::string out = tty ? text : api::encode_frame(api::StreamType::Stdout, text);
    co_await asio::async_write(*client, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
  };

  auto started = launch_exec(exec, container);
  if (!started) {
    co_await write_failure(started.error());
    close_client();
    co_return;
  }
  watch_exec_monitor(exec, container, std::move(started->monitor_pidfd));
  const auto& config = exec->config;
  auto connection = co_await connect_to_monitor(exec->attach_socket, config.attach_stdin, config.attach_stdout || config.tty,
                                                config.attach_stderr);
  if (!connection) {
    // Dropping the pending start makes the monitor kill the process before it ever ran.
    spdlog::warn("exec {}: {}", exec_id.substr(0, 12), connection.error().message);
    co_await write_failure(connection.error());
    close_client();
    co_return;
  }
  auto monitor = std::move(connection).value();
  {
    std::lock_guard lock(exec_mutex_);
    exec->running = true;
    exec->pid = started->pending.processes().init.pid;
  }
  {
    std::lock_guard lock(container->mutex);
    publish_container_event(*container, "exec_start: " + join_command(config.cmd), {{"execID", exec->id}});
  }
  if (auto go = started->pending.go(); !go) co_await write_failure(go.error());

  // Both directions on one strand, as for container attach.
  auto strand = asio::make_strand(executor_);
  auto pump = [](EngineImpl* self, std::shared_ptr<ExecInstance> exec, std::shared_ptr<Container> container,
                 std::shared_ptr<UnixSocket> client, std::shared_ptr<MonitorSocket> monitor, bool tty,
                 bool forward_input, std::string buffered) -> Task<void> {
    if (forward_input) {
      // Detach keys end the exec's stream on a tty; the process keeps running, as with dockerd.
      std::optional<DetachKeyScanner> detach;
      if (exec->config.tty) {
        const std::string& keys = exec->config.detach_keys;
        if (auto sequence = parse_detach_keys(keys.empty() ? kDefaultDetachKeys : keys)) detach.emplace(std::move(*sequence));
      }
      co_spawn(co_await asio::this_coro::executor, forward_stdin(client, monitor, std::move(buffered), std::move(detach)),
               asio::detached);
    }
    while (true) {
      auto message = co_await read_attach_message(*monitor);
      if (!message) break;
      if (message->type == MessageType::kExit) {
        // Recorded before the client's stream closes: the CLI inspects the exec right after.
        auto exit_code = runtime::attach::decode_exit(message->payload);
        self->record_exec_exit(exec, container, exit_code ? *exit_code : 255);
        break;
      }
      if (message->type != MessageType::kStdout && message->type != MessageType::kStderr) continue;
      std::string out = tty ? std::move(message->payload)
                            : api::encode_frame(message->type == MessageType::kStdout ? api::StreamType::Stdout
                                                                                      : api::StreamType::Stderr,
                                                message->payload);
      auto [error, written] = co_await asio::async_write(*client, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
      if (error) break;
    }
    boost::system::error_code ignored;
    client->shutdown(asio::socket_base::shutdown_both, ignored);
    client->close(ignored);
    monitor->close(ignored);
  };
  co_await co_spawn(strand, pump(this, exec, container, client, monitor, tty, config.attach_stdin, std::move(buffered_input)),
                    asio::use_awaitable);
}

Task<Status> EngineImpl::run_exec_detached(std::string exec_id) {
  auto found = find_exec(exec_id);
  if (!found) co_return std::move(found).error();
  auto exec = found->first;
  auto container = found->second;
  auto started = launch_exec(exec, container);
  if (!started) {
    record_exec_exit(exec, container, exit_code_for_start_failure(started.error()));
    co_return Error::invalid(exec_failure_message(started.error()));
  }
  watch_exec_monitor(exec, container, std::move(started->monitor_pidfd));
  {
    std::lock_guard lock(exec_mutex_);
    exec->running = true;
    exec->pid = started->pending.processes().init.pid;
  }
  {
    std::lock_guard lock(container->mutex);
    publish_container_event(*container, "exec_start: " + join_command(exec->config.cmd), {{"execID", exec->id}});
  }
  if (auto go = started->pending.go(); !go) {
    record_exec_exit(exec, container, exit_code_for_start_failure(go.error()));
    co_return Error::invalid(exec_failure_message(go.error()));
  }
  co_return ok();
}

Status EngineImpl::resize_exec(const std::string& exec_id, int height, int width) {
  if (height <= 0 || width <= 0 || height > 65535 || width > 65535)
    return Error::invalid("invalid window size " + std::to_string(height) + "x" + std::to_string(width));
  auto found = find_exec(exec_id);
  if (!found) return std::move(found).error();
  const auto& exec = found->first;
  {
    std::lock_guard lock(exec_mutex_);
    if (!exec->running) return Error::conflict("exec " + exec_id + " is not running");
  }
  return send_resize(exec->attach_socket, height, width);
}

}  // namespace gocker::engine
