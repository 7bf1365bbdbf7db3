// create, start, run, state, kill, delete, list: runc's container lifecycle over the runtime's
// standalone mode (runtime/standalone.hpp). Messages are runc's where engines match on them.
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "cli.hpp"
#include "container_store.hpp"
#include "logging.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"
#include "runtime/file_util.hpp"
#include "runtime/hooks.hpp"
#include "runtime/monitor_launch.hpp"
#include "runtime/monitor_state.hpp"
#include "runtime/oci_config.hpp"
#include "runtime/standalone.hpp"
#include "signals.hpp"

namespace gocker::runc {
namespace {

using runtime::ContainerState;
using runtime::ContainerStatus;

std::string absolute_path(const std::string& path) {
  std::error_code error;
  auto absolute = std::filesystem::absolute(path, error);
  if (error) return path;
  std::string normal = absolute.lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

std::string owner_name() {
  struct passwd* entry = ::getpwuid(::geteuid());
  return entry ? entry->pw_name : std::to_string(::geteuid());
}

using Loaded = LoadedContainer;

struct Created {
  runtime::PendingStart pending;
  ContainerRecord record;
};

// Everything of create up to a container whose init waits for start; on failure nothing is left
// (the monitor cleans up after itself, the guard removes the state dir).
Result<Created> create_container(const GlobalOptions& global, const CreateOptions& options, bool detached) {
  if (options.id.empty()) return Error::invalid("container id cannot be empty");
  GOCKER_TRY(validate_container_id(options.id));
  if (options.preserve_fds < 0) return Error::invalid("--preserve-fds must not be negative");
  std::string bundle = absolute_path(options.bundle);
  auto spec = runtime::load_oci_config(bundle);
  if (!spec) return std::move(spec).error();
  if (spec->process.terminal && options.console_socket.empty()) {
    return Error::invalid(detached ? "cannot allocate tty if runc will detach without setting console socket"
                                   : "a terminal without --console-socket is not supported by gocker-runc run yet");
  }
  if (!spec->process.terminal && !options.console_socket.empty()) {
    return Error::invalid("cannot use console socket if runc will not detach or allocate tty");
  }

  ContainerStore store(global.root);
  GOCKER_TRY(store.create_dir(options.id));
  ScopeGuard remove_dir([&] { (void)store.remove(options.id); });
  ContainerRecord record;
  record.id = options.id;
  record.bundle = bundle;
  record.rootfs = spec->root_path;
  record.created = runtime::now_rfc3339_nano();
  record.owner = owner_name();
  record.cgroup_path = spec->cgroups_path;
  record.annotations = spec->annotations;
  GOCKER_TRY(store.write_record(record));

  runtime::MonitorOptions monitor;
  monitor.monitor_binary = monitor_binary_path();
  monitor.container_id = options.id;
  monitor.bundle_dir = bundle;
  monitor.state_dir = store.state_dir(options.id);
  monitor.control_socket = monitor.state_dir + "/" + runtime::kControlSocketFile;
  monitor.console_socket = options.console_socket.empty() ? "" : absolute_path(options.console_socket);
  monitor.inherit_stdio = true;
  // create and run -d end before the container does: as with runc, whoever reaps our orphans (an
  // engine's conmon or shim, a subreaper) gets the init once it runs, and with it the exit status.
  monitor.hand_off_init = detached;
  monitor.preserved_fds = options.preserve_fds;
  log_debug("spawning " + monitor.monitor_binary + " for " + options.id);
  auto pending = runtime::spawn_monitor(monitor);
  if (!pending) return std::move(pending).error();

  if (!options.pid_file.empty()) {
    std::string pid = std::to_string(pending->processes().init.pid);
    if (auto written = runtime::write_file_atomically(absolute_path(options.pid_file), pid); !written) {
      // Dropping the pending start before go would leave a created container behind: kill it.
      if (auto init = runtime::open_pidfd(pending->processes().init)) (void)runtime::send_signal(*init, SIGKILL);
      runtime::wait_for_monitor_exit(pending->processes());
      return std::move(written).error();
    }
  }
  remove_dir.dismiss();
  return Created{std::move(*pending), std::move(record)};
}

// Removes what a stopped container left: its cgroups (the monitor removes them; this covers a
// monitor that died) and its state dir.
Status destroy_container(ContainerStore& store, const Loaded& loaded) {
  runtime::wait_for_monitor_exit(loaded.state.processes);
  (void)runtime::remove_cgroup_paths(loaded.state.processes.cgroup_paths);
  GOCKER_TRY(store.remove(loaded.record.id));
  // poststop hooks (hooks.hpp) run once the container is gone, from the bundle's config as it is
  // now; a failure is reported as a warning, the container is deleted either way (runtime-spec).
  if (auto spec = runtime::load_oci_config(loaded.record.bundle); spec && !spec->hooks.poststop.empty()) {
    std::string state = runtime::hook_state_json(loaded.record.id, "stopped", loaded.state.processes.init.pid,
                                                 loaded.record.bundle, loaded.record.annotations);
    if (auto ran = runtime::run_hooks(spec->hooks.poststop, "poststop", state, /*run_all=*/true); !ran) log_warning(ran.error().message);
  }
  return ok();
}

Status signal_all(const ContainerRecord& record, int signal_number) {
  if (record.cgroup_path.empty()) return Error::invalid("kill --all: the container has no cgroup");
  auto driver = runtime::detect_cgroup_driver();
  if (!driver) return std::move(driver).error();
  auto pids = (*driver)->pids(record.cgroup_path);
  if (!pids) return std::move(pids).error();
  for (pid_t pid : *pids) {
    if (::kill(pid, signal_number) != 0 && errno != ESRCH) {
      return Error::from_errno(errno, "signal process " + std::to_string(pid));
    }
  }
  return ok();
}

Status signal_init(const ContainerState& state, int signal_number) {
  auto init = runtime::open_pidfd(state.processes.init);
  if (!init) return Error::conflict("container not running");
  return runtime::send_signal(*init, signal_number);
}

// `run` in the foreground: relays the signals a terminal or supervisor sends us to the container's
// init until the monitor (which outlives the init) has exited, then returns the exit status.
int wait_foreground(const ContainerStore& store, const std::string& id, const runtime::StartedProcesses& processes) {
  sigset_t relayed;
  sigfillset(&relayed);
  for (int never : {SIGKILL, SIGSTOP, SIGCHLD, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGWINCH}) sigdelset(&relayed, never);
  ::sigprocmask(SIG_BLOCK, &relayed, nullptr);
  UniqueFd signals{::signalfd(-1, &relayed, SFD_CLOEXEC)};
  auto monitor = runtime::open_pidfd(processes.monitor);
  auto init = runtime::open_pidfd(processes.init);
  while (monitor && signals) {
    struct pollfd fds[2] = {{monitor->get(), POLLIN, 0}, {signals.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) break;
    struct signalfd_siginfo info {};
    if (::read(signals.get(), &info, sizeof info) == sizeof info && init) {
      (void)runtime::send_signal(*init, static_cast<int>(info.ssi_signo));
    }
  }
  runtime::wait_for_monitor_exit(processes);
  int exit_code = 255;
  if (auto status = runtime::read_exit_status(store.state_dir(id))) exit_code = status->exit_code;
  return exit_code;
}

}  // namespace

std::string monitor_binary_path() {
  if (const char* from_env = std::getenv("GOCKER_MONITOR_BIN"); from_env && *from_env) return from_env;
  char self[PATH_MAX];
  ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (length > 0) {
    std::filesystem::path directory = std::filesystem::path(std::string(self, static_cast<size_t>(length))).parent_path();
    for (const auto& candidate : {directory / "gocker-monitor", directory / ".." / "daemon" / "runtime" / "gocker-monitor"}) {
      std::error_code error;
      if (std::filesystem::exists(candidate, error)) return candidate.lexically_normal().string();
    }
  }
  return GOCKER_LIBEXECDIR "/gocker-monitor";
}

int run_create(const GlobalOptions& global, const CreateOptions& options) {
  auto created = create_container(global, options, /*detached=*/true);
  if (!created) return fail(created.error().message);
  // Dropping the pending start closes our control socket: in standalone mode the monitor keeps
  // the container created until `start` connects to its control socket.
  return 0;
}

int run_start(const GlobalOptions& global, const std::string& id) {
  ContainerStore store(global.root);
  auto loaded = load_container(store, id);
  if (!loaded) return fail(loaded.error().message);
  switch (loaded->state.status) {
    case ContainerStatus::kCreated: break;
    case ContainerStatus::kRunning: return fail("cannot start an already running container");
    case ContainerStatus::kStopped: return fail("cannot start a container that has stopped");
    case ContainerStatus::kCreating: return fail("cannot start a container in the creating state");
  }
  if (auto started = runtime::start_created_container(store.state_dir(id)); !started) {
    return fail(started.error().message);
  }
  return 0;
}

int run_run(const GlobalOptions& global, const CreateOptions& options) {
  auto created = create_container(global, options, options.detach);
  if (!created) return fail(created.error().message);
  ContainerStore store(global.root);
  runtime::StartedProcesses processes = created->pending.processes();
  auto started = created->pending.go();
  if (options.detach) {
    if (!started) return fail(started.error().message);
    return 0;
  }
  int exit_code = started ? wait_foreground(store, options.id, processes) : 0;
  if (!started) {
    runtime::wait_for_monitor_exit(processes);
    auto status = runtime::read_exit_status(store.state_dir(options.id));
    exit_code = status ? status->exit_code : kExitFailure;
  }
  auto loaded = load_container(store, options.id);
  if (loaded) (void)destroy_container(store, *loaded);
  if (!started) (void)fail(started.error().message);
  return exit_code;
}

int run_state(const GlobalOptions& global, const std::string& id) {
  ContainerStore store(global.root);
  auto loaded = load_container(store, id);
  if (!loaded) return fail(loaded.error().message);
  std::string text = state_json(*loaded, 2) + "\n";
  (void)runtime::write_all(1, text, "write state");
  return 0;
}

int run_kill(const GlobalOptions& global, const KillOptions& options) {
  ContainerStore store(global.root);
  auto loaded = load_container(store, options.id);
  if (!loaded) return fail(loaded.error().message);
  auto signal_number = parse_signal(options.signal);
  if (!signal_number) return fail(signal_number.error().message);
  ContainerStatus status = loaded->state.status;
  if (status != ContainerStatus::kCreated && status != ContainerStatus::kRunning) {
    return fail("container not running");
  }
  Status sent = options.all ? signal_all(loaded->record, *signal_number) : signal_init(loaded->state, *signal_number);
  if (!sent) return fail(sent.error().message);
  return 0;
}

int run_delete(const GlobalOptions& global, const DeleteOptions& options) {
  ContainerStore store(global.root);
  auto loaded = load_container(store, options.id);
  if (!loaded) {
    // runc: deleting what is not there is not an error with --force.
    if (options.force && loaded.error().kind == ErrorKind::NotFound) return 0;
    return fail(loaded.error().message);
  }
  ContainerStatus status = loaded->state.status;
  if (status != ContainerStatus::kStopped) {
    if (!options.force) {
      return fail("cannot delete container " + options.id + " that is not stopped: " +
                  runtime::container_status_name(status));
    }
    // Everything in the cgroup first (processes outside a PID namespace outlive the init), then
    // the init, whose reaping ends the monitor.
    if (!loaded->record.cgroup_path.empty()) (void)signal_all(loaded->record, SIGKILL);
    (void)signal_init(loaded->state, SIGKILL);
    // A frozen task takes its SIGKILL only once thawed (cgroup v1).
    if (loaded->paused) (void)thaw_container(loaded->record);
  }
  if (auto removed = destroy_container(store, *loaded); !removed) return fail(removed.error().message);
  return 0;
}

int run_list(const GlobalOptions& global, const ListOptions& options) {
  ContainerStore store(global.root);
  std::vector<Loaded> containers;
  for (const std::string& id : store.list_ids()) {
    if (auto loaded = load_container(store, id)) containers.push_back(std::move(*loaded));
  }
  std::string out;
  if (options.quiet) {
    for (const Loaded& container : containers) out += container.record.id + "\n";
  } else if (options.format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const Loaded& container : containers) list.push_back(nlohmann::json::parse(state_json(container, -1)));
    out = list.dump() + "\n";
  } else if (options.format == "table") {
    // runc's columns, padded like Go's tabwriter (minimum width 12, padding 1).
    std::vector<std::vector<std::string>> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
    for (const Loaded& container : containers) {
      rows.push_back({container.record.id, std::to_string(container.has_process() ? container.state.processes.init.pid : 0),
                      container.status_name(), container.record.bundle, container.record.created,
                      container.record.owner});
    }
    std::vector<size_t> widths(6, 0);
    for (const auto& row : rows) {
      for (size_t column = 0; column < row.size(); ++column) widths[column] = std::max(widths[column], row[column].size());
    }
    for (const auto& row : rows) {
      std::string line;
      for (size_t column = 0; column < row.size(); ++column) {
        line += row[column];
        if (column + 1 < row.size()) line += std::string(std::max<size_t>(widths[column] + 1, 12) - row[column].size(), ' ');
      }
      out += line + "\n";
    }
  } else {
    return fail("invalid format option");
  }
  (void)runtime::write_all(1, out, "write list");
  return 0;
}

}  // namespace gocker::runc
