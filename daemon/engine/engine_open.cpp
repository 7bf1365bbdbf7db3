#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <spdlog/spdlog.h>

#include "base/filesystem.hpp"
#include "base/strings.hpp"
#include "engine/engine_impl.hpp"
#include "engine/reference.hpp"
#include "engine/time_format.hpp"
#include "runtime/monitor_launch.hpp"

namespace gocker::engine {
namespace {

std::string kernel_release() {
  utsname name{};
  if (::uname(&name) != 0) return "unknown";
  return name.release;
}

std::string os_pretty_name() {
  std::ifstream file("/etc/os-release");
  std::string line;
  while (std::getline(file, line)) {
    if (starts_with(line, "PRETTY_NAME=")) {
      std::string value = line.substr(12);
      if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
  }
  return "Linux";
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::open(const EngineOptions& options, boost::asio::any_io_executor executor) {
  auto engine = std::make_unique<EngineImpl>(options, executor);
  if (auto status = engine->initialize(); !status) return std::move(status).error().context("open engine");
  return std::unique_ptr<Engine>(std::move(engine));
}

EngineImpl::EngineImpl(EngineOptions options, boost::asio::any_io_executor executor)
    : options_(std::move(options)), executor_(std::move(executor)) {
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  online_cpus_ = cpus > 0 ? static_cast<int>(cpus) : 1;
  daemon_privileges_ = DaemonPrivileges::of_this_process();
  if (options_.container_nofile_soft != 0) daemon_privileges_.default_nofile_soft = options_.container_nofile_soft;
  seccomp_host_ = SeccompHost::of_this_machine();
}

Status EngineImpl::initialize() {
  auto sealed = runtime::SealedBinary::copy_of(options_.monitor_binary);
  if (!sealed) return std::move(sealed).error();
  sealed_monitor_ = std::move(sealed).value();
  options_.monitor_binary = sealed_monitor_->exec_path();
  monitor_standby_ = std::make_unique<runtime::MonitorStandby>(options_.monitor_binary);
  GOCKER_TRY(make_directory(options_.root, 0711));
  // Searchable by all, listable by root only: an OCI runtime (runc, crun) sets up a remapped
  // container from inside its user namespace, as the remapped root, and must pass through here to
  // the container's own directory (0710, group: that root's when remapped; see create_container).
  const std::string containers = options_.root + "/containers";
  GOCKER_TRY(make_directory(containers, 0711));
  if (::chmod(containers.c_str(), 0711) != 0) return Error::from_errno(errno, "chmod " + quoted(containers));
  GOCKER_TRY(make_directory(options_.root + "/s", 0700));
  GOCKER_TRY(make_directory(trash_dir(), 0700));
  // What a stopped daemon had not finished deleting.
  std::error_code listing_error;
  for (const auto& leftover : std::filesystem::directory_iterator(trash_dir(), listing_error))
    discard_in_background(leftover.path().string());
  for (const auto& [name, path] : options_.runtimes.runtimes()) {
    if (!options_.runtimes.is_builtin(name)) {
      GOCKER_TRY(make_directory(options_.root + "/runtimes", 0700));
      GOCKER_TRY(make_directory(runtime_root(name), 0700));
    }
  }
  seccomp_programs_ = std::make_unique<SeccompPrograms>(options_.root + "/seccomp");
  auto store = state::Store::open(options_.root + "/state.db");
  if (!store) return std::move(store).error();
  store_ = std::move(store).value();

  auto cgroups = runtime::detect_cgroup_driver();
  if (!cgroups) return std::move(cgroups).error().context("detect cgroups");
  cgroups_ = std::move(cgroups).value();

  images_ = std::make_unique<ImageStore>(*store_, options_.root);
  GOCKER_TRY(images_->load());
  const std::string builtin_tar = options_.builtin_image_dir + "/busybox-rootfs.tar";
  if (auto status = images_->ensure_builtin_image(builtin_tar); !status)
    return std::move(status).error().context("import the built-in busybox image from " + quoted(builtin_tar));

  if (!options_.userns_remap.empty()) {
    auto remap = resolve_userns_remap(options_.userns_remap);
    if (!remap) return std::move(remap).error();
    default_remap_ = std::move(remap).value();
    spdlog::info("user namespace remap: container root is host uid {} gid {}", default_remap_->root_uid(),
                 default_remap_->root_gid());
  }

  auto records = store_->list_containers();
  if (!records) return std::move(records).error();
  networks_ = std::make_unique<NetworkManager>(*store_, NetworkConfig{options_.bridge_ip, options_.default_address_pool});
  {
    std::map<std::string, std::string> names;
    for (const auto& record : records.value()) names[record.id] = record.name;
    GOCKER_TRY(networks_->load(names));
  }
  for (auto& record : records.value()) {
    auto container = std::make_shared<Container>();
    container->dir = container_dir(record.id);
    container->attach_socket = attach_socket_path(record.id);
    auto config = nlohmann::json::parse(record.config_json, nullptr, false);
    auto host_config = nlohmann::json::parse(record.host_config_json, nullptr, false);
    if (config.is_discarded() || host_config.is_discarded()) {
      spdlog::error("container {}: stored config is not valid JSON; skipping it", record.id);
      continue;
    }
    try {
      container->config = config.get<api::ContainerConfig>();
      container->host_config = host_config.get<api::HostConfig>();
    } catch (const nlohmann::json::exception& e) {
      spdlog::error("container {}: stored config unreadable: {}", record.id, e.what());
      continue;
    }
    container->record = std::move(record);
    // Rows from before migration 5 ran under the built-in runtime; inspect shows it.
    if (container->host_config.runtime.empty()) container->host_config.runtime = container->record.runtime;
    if (auto remap = load_container_remap(*container); !remap) {
      spdlog::error("container {}: {}", container->record.id, remap.error().message);
      continue;
    }
    if (auto mounts = store_->container_mounts(container->record.id); mounts) {
      container->mounts = std::move(mounts).value();
    } else {
      spdlog::error("container {}: {}", container->record.id, mounts.error().message);
    }
    {
      std::lock_guard lock(registry_mutex_);
      if (auto added = index_.add(container->record.id, container->record.name); !added) {
        spdlog::error("container {}: {}", container->record.id, added.error().message);
        continue;
      }
      containers_.emplace(container->record.id, container);
    }
    if (container->record.status == "running") networks_->restore_ports(container->record.id, container->dir + "/ports.json");
    reconcile(container);
    resume_restart_policy(container);
  }
  // Rules for the networks and the ports of the containers still running (they kept working
  // while the daemon was away: the table stays in the kernel).
  if (auto applied = networks_->apply_rules(); !applied) spdlog::warn("networks: {}", applied.error().message);
  spdlog::info("engine ready: {} containers, cgroup v{}", containers_.size(),
               cgroups_->version() == runtime::CgroupVersion::V1 ? 1 : 2);
  refill_monitor_standby();
  return ok();
}

// A container recorded as running either still has its monitor (watch it again, paused or not as
// its freezer says) or ended while the daemon was away (collect the exit status the monitor left
// behind).
void EngineImpl::reconcile(const std::shared_ptr<Container>& container) {
  UniqueFd monitor_pidfd;
  {
    std::lock_guard lock(container->mutex);
    auto& record = container->record;
    if (record.status != "running") return;
    runtime::ProcessIdentity monitor{static_cast<pid_t>(record.monitor_pid), record.monitor_start_time};
    if (auto pidfd = runtime::open_pidfd(monitor)) {
      monitor_pidfd = std::move(pidfd).value();
      runtime::ProcessIdentity init{static_cast<pid_t>(record.pid), record.pid_start_time};
      if (auto init_pidfd = runtime::open_pidfd(init)) container->init_pidfd = std::move(init_pidfd).value();
      spdlog::info("container {}: monitor {} still running; reattached", record.id.substr(0, 12), record.monitor_pid);
      // Pause lives in the kernel (the freezer), not in the record: read it back.
      if (auto frozen = cgroups_->frozen(cgroups_path(record.id))) container->paused = *frozen;
      else spdlog::warn("container {}: {}", record.id.substr(0, 12), frozen.error().message);
    }
  }
  if (monitor_pidfd) watch_monitor(container, std::move(monitor_pidfd));
  else on_monitor_exit(container);
}

api::VersionInfo EngineImpl::version() const {
  api::VersionInfo info;
  info.version = options_.version;
  info.kernel_version = kernel_release();
  return info;
}

api::SystemInfo EngineImpl::info() const {
  api::SystemInfo info;
  {
    std::lock_guard lock(registry_mutex_);
    info.containers = static_cast<int>(containers_.size());
    for (const auto& [id, container] : containers_) {
      std::lock_guard container_lock(container->mutex);
      if (container->is_running()) ++info.containers_running;
      else ++info.containers_stopped;
    }
  }
  info.images = static_cast<int>(images_->list().size());
  info.cgroup_version = cgroups_->version() == runtime::CgroupVersion::V1 ? "1" : "2";
  info.kernel_version = kernel_release();
  info.operating_system = os_pretty_name();
  info.ncpu = online_cpus_;
  info.mem_total = static_cast<int64_t>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGESIZE);
  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  info.name = hostname;
  info.id = "gocker";
  info.server_version = options_.version;
  info.docker_root_dir = options_.root;
  info.default_runtime = options_.runtimes.default_name();
  for (const auto& [name, path] : options_.runtimes.runtimes())
    info.runtimes[name] = options_.runtimes.is_builtin(name) ? "gocker-monitor" : path;
  info.security_options.push_back("name=seccomp,profile=builtin");
  if (default_remap_) info.security_options.push_back("name=userns");
  return info;
}

Result<std::vector<api::ImageSummary>> EngineImpl::list_images() const {
  std::vector<api::ImageSummary> out;
  for (const auto& image : images_->list()) {
    api::ImageSummary summary;
    summary.id = image.id;
    for (const auto& tag : image.tags)  // name@sha256:... references are RepoDigests (registry pulls)
      (tag.find('@') == std::string::npos ? summary.repo_tags : summary.repo_digests).push_back(familiar_reference(tag));
    summary.created = image.created;
    summary.size = image.size;
    out.push_back(std::move(summary));
  }
  return out;
}

Result<std::shared_ptr<Container>> EngineImpl::find(const std::string& ref) const {
  std::lock_guard lock(registry_mutex_);
  auto id = index_.resolve(ref);
  if (!id) return std::move(id).error();
  return containers_.at(id.value());
}

std::string EngineImpl::generate_name() const {
  // Docker-style "adjective_noun" names; a numeric suffix on collision.
  static constexpr const char* kAdjectives[] = {"brave", "calm", "eager", "fervent", "gentle", "happy", "jolly",
                                                "keen", "lucid", "modest", "nifty", "quirky", "serene", "tender",
                                                "upbeat", "vibrant", "wizardly", "zealous"};
  static constexpr const char* kNouns[] = {"babbage", "curie", "darwin", "euler", "fermi", "gauss", "hopper",
                                           "lovelace", "noether", "pascal", "ritchie", "thompson", "turing", "wozniak"};
  thread_local std::mt19937 random{std::random_device{}()};
  std::lock_guard lock(registry_mutex_);
  for (int attempt = 0;; ++attempt) {
    std::string name = std::string(kAdjectives[random() % std::size(kAdjectives)]) + "_" +
                       kNouns[random() % std::size(kNouns)];
    if (attempt > 10) name += std::to_string(random() % 1000);
    if (!index_.has_name(name)) return name;
  }
}

Status EngineImpl::persist_state(const Container& container) {
  if (auto status = store_->update_container_state(container.record); !status)
    return std::move(status).error().context("save state of container " + container.record.id.substr(0, 12));
  return ok();
}

// The bridges, veths and the nftables table stay: running containers keep their traffic flowing
// while the daemon is away (gockerd --cleanup-network removes them).
void EngineImpl::shutdown() { spdlog::info("engine shutting down; containers keep running"); }

void EngineImpl::release_idle_memory() { store_->release_cache_memory(); }

}  // namespace gocker::engine
