#pragma once
// The Engine implementation, split by concern across engine_open.cpp (startup, reconciliation),
// container_create.cpp, container_start.cpp, container_stop.cpp (stop, kill, exit handling),
// container_remove.cpp, container_queries.cpp, container_attach.cpp and container_logs.cpp.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include "engine/container.hpp"
#include "engine/container_index.hpp"
#include "engine/container_mounts.hpp"
#include "engine/engine.hpp"
#include "engine/restart_trackers.hpp"
#include "engine/image_store.hpp"
#include "engine/network_manager.hpp"
#include "engine/seccomp_programs.hpp"
#include "engine/security_options.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"
#include "runtime/monitor_standby.hpp"
#include "runtime/security/sealed_binary.hpp"
#include "state/store.hpp"

namespace gocker::engine {

class RegistryService;  // engine/registry_service.hpp

class EngineImpl final : public Engine {
 public:
  EngineImpl(EngineOptions options, boost::asio::any_io_executor executor);
  Status initialize();

  api::VersionInfo version() const override;
  api::SystemInfo info() const override;
  Result<std::vector<api::ImageSummary>> list_images() const override;

  Result<api::ContainerCreateResponse> create_container(const std::string& name,
                                                        const api::ContainerCreateRequest& request) override;
  Result<std::vector<api::ContainerSummary>> list_containers(const ListOptions& options) const override;
  Result<api::ContainerInspect> inspect_container(const std::string& ref) const override;
  Task<Status> start_container(std::string ref) override;
  Task<Status> stop_container(std::string ref, std::optional<int> timeout_seconds) override;
  Status kill_container(const std::string& ref, const std::string& signal) override;
  Task<Status> remove_container(std::string ref, bool force, bool remove_volumes) override;
  Status resize_container(const std::string& ref, int height, int width) override;
  Result<std::shared_ptr<ExitWaiter>> watch_exit(const std::string& ref, WaitCondition condition) override;
  Result<bool> container_has_tty(const std::string& ref) const override;
  Task<void> attach_container(std::string ref, AttachOptions options, UnixSocket client,
                              std::string buffered_input) override;
  Task<void> stream_logs(std::string ref, LogOptions options, UnixSocket client) override;
  Status check_logs(const std::string& ref, const LogOptions& options) const override;
  void shutdown() override;
  void release_idle_memory() override;

  // ---- resources (public overrides) ----
  Result<api::ContainerStats> container_stats(const std::string& ref) override;
  Result<api::ContainerTop> top_container(const std::string& ref, const std::string& ps_args) override;
  Status pause_container(const std::string& ref) override;
  Status unpause_container(const std::string& ref) override;
  Result<api::ContainerUpdateResponse> update_container(const std::string& ref,
                                                        const api::ContainerUpdateRequest& request) override;
  // After a signal was sent to a paused container: thaws it so the signal is delivered (dockerd
  // does the same for stop, kill and rm -f) and clears the flag. Caller holds container.mutex.
  void thaw_after_signal(Container& container);
  // ---- end resources ----
  // ---- manage (public overrides) ----
  Task<Status> restart_container(std::string ref, std::optional<int> timeout_seconds) override;
  Status rename_container(const std::string& ref, const std::string& new_name) override;
  // Hooks into the lifecycle, defined in container_manage.cpp:
  // A user's stop or kill of a running or restarting container (caller holds container.mutex):
  // no policy restart after this run. Returns true when the container was waiting to restart;
  // it is then marked exited, and there is nothing left to signal.
  bool note_manual_stop(Container& container);
  // Called by start_container with container.mutex held, just before the container is marked
  // running: clears the manual-stop mark; a start by the user resets the back-off.
  void note_start(Container& container);
  // Called by on_monitor_exit once the exit is recorded: applies the restart policy.
  void apply_restart_policy(const std::shared_ptr<Container>& container);
  // Called by initialize after reconcile: brings back the containers the policy says should run.
  void resume_restart_policy(const std::shared_ptr<Container>& container);
  // ---- end manage ----
  // ---- exec (public overrides) ----
  Result<api::ExecCreateResponse> create_exec(const std::string& container_ref,
                                              const api::ExecCreateRequest& request) override;
  Result<api::ExecInspect> inspect_exec(const std::string& exec_id) const override;
  Result<bool> claim_exec_start(const std::string& exec_id) override;
  Task<void> run_exec_attached(std::string exec_id, bool tty_stream, UnixSocket client,
                               std::string buffered_input) override;
  Task<Status> run_exec_detached(std::string exec_id) override;
  Status resize_exec(const std::string& exec_id, int height, int width) override;
  // ---- end exec ----
  // ---- events (public overrides) ----
  Result<std::unique_ptr<EventStream>> subscribe_events(const EventQuery& query) override;
  // ---- end events ----
  // ---- archive (public overrides) ----
  Result<PathStat> stat_container_path(const std::string& ref, const std::string& path) override;
  Result<std::shared_ptr<ArchiveSource>> open_container_archive(const std::string& ref, const std::string& path) override;
  Result<std::shared_ptr<ArchiveSource>> export_container(const std::string& ref) override;
  Status extract_to_container(const std::string& ref, const std::string& path, bool no_overwrite_dir_non_dir,
                              bool copy_uid_gid, std::string_view tar) override;
  // ---- end archive ----
  // ---- images (public overrides) ----
  Result<api::ImageInspect> inspect_image(const std::string& ref) const override;  // image_inspect.cpp
  // ---- end images ----
  // ---- images (issue 5) (public overrides) ----
  Result<std::string> commit_container(const std::string& ref, const CommitOptions& options) override;  // image_commit.cpp
  Status check_import(const ImportOptions& options) override;                                         // image_import.cpp
  Result<std::unique_ptr<Upload>> create_upload() override;
  Result<std::string> import_image(const Upload& upload, const ImportOptions& options) override;
  Status tag_image(const std::string& ref, const std::string& repo, const std::string& tag) override;  // image_remove.cpp
  Result<std::vector<api::ImageDeleteItem>> remove_image(const std::string& ref, bool force) override;
  Result<std::vector<api::ImageHistoryItem>> image_history(const std::string& ref) const override;
  // ---- end images (issue 5) ----
  // ---- image save/load (public overrides) ----
  Result<std::shared_ptr<ImageArchive>> save_images(const std::vector<std::string>& names) override;  // image_save.cpp
  Result<std::vector<std::string>> load_images(const Upload& upload, bool quiet) override;           // image_load.cpp
  // ---- end image save/load ----
  // ---- volumes (public overrides, volumes.cpp) ----
  Result<api::Volume> create_volume(const api::VolumeCreateRequest& request) override;
  Result<api::VolumeListResponse> list_volumes(const std::vector<std::pair<std::string, std::string>>& filters) override;
  Result<api::Volume> inspect_volume(const std::string& name) override;
  Status remove_volume(const std::string& name, bool force) override;
  Result<api::VolumePruneResponse> prune_volumes(const std::vector<std::pair<std::string, std::string>>& filters) override;
  // ---- end volumes ----
  // ---- networks (public overrides, engine_network.cpp) ----
  Result<std::vector<api::NetworkResource>> list_networks(
      const std::vector<std::pair<std::string, std::string>>& filters) const override;
  Result<api::NetworkResource> inspect_network(const std::string& ref) const override;
  Result<std::string> create_network(const api::NetworkCreateRequest& request) override;
  Status remove_network(const std::string& ref) override;
  Result<std::vector<std::string>> prune_networks() override;
  Status connect_network(const std::string& network, const std::string& container,
                         const api::EndpointRequest& endpoint) override;
  Status disconnect_network(const std::string& network, const std::string& container, bool force) override;
  Status cleanup_network() override;
  // ---- end networks ----
  // ---- registry (issue 5) (public overrides; registry_*.cpp) ----
  Result<std::shared_ptr<ProgressJob>> pull_image(const PullOptions& options) override;
  Result<std::shared_ptr<ProgressJob>> push_image(const PushOptions& options) override;
  Result<std::shared_ptr<ProgressJob>> check_login(const LoginOptions& options) override;
  // ---- end registry ----
  // ---- prune and disk usage (public overrides; image_prune.cpp, container_prune.cpp, disk_usage.cpp) ----
  Result<api::ImagePruneResponse> prune_images(const std::vector<std::pair<std::string, std::string>>& filters) override;
  Result<api::ContainerPruneResponse> prune_containers(const std::vector<std::pair<std::string, std::string>>& filters) override;
  Result<api::DiskUsage> disk_usage() const override;
  // ---- end prune and disk usage ----

  // Records a container event ("create", "start", "die", "destroy", "pause", "exec_start: sh"...)
  // for GET /events. Reads only immutable fields and `record`; callable with container.mutex held.
  // Defined in events.cpp.
  void publish_container_event(const Container& container, std::string_view action,
                               std::map<std::string, std::string> extra_attributes = {});

 private:
  Result<std::shared_ptr<Container>> find(const std::string& ref) const;
  std::string container_dir(const std::string& id) const { return options_.root + "/containers/" + id; }
  std::string attach_socket_path(const std::string& id) const { return options_.root + "/s/" + id.substr(0, 16); }
  std::string cgroups_path(const std::string& id) const { return options_.cgroup_parent + "/" + id; }
  // An external OCI runtime's --root for this daemon's containers (runtime_registry.hpp).
  std::string runtime_root(const std::string& name) const { return options_.root + "/runtimes/" + name; }
  // Where removed containers' directories wait for their deletion (discard_in_background).
  std::string trash_dir() const { return options_.root + "/trash"; }
  // `<runtime> delete --force` of a container whose runtime still keeps state of it (a monitor that
  // was killed before its own delete); nothing for the built-in runtime. Caller holds container.mutex.
  Status delete_runtime_state(const Container& container) const;
  std::string generate_name() const;

  Status persist_state(const Container& container);  // caller holds container.mutex
  // Starts watching the monitor's pidfd; on_monitor_exit runs when it ends.
  void watch_monitor(const std::shared_ptr<Container>& container, UniqueFd monitor_pidfd);
  void on_monitor_exit(const std::shared_ptr<Container>& container);
  // Removes everything of a stopped container: mounts, cgroups, files, row, index entry.
  Status destroy_container(const std::shared_ptr<Container>& container);
  // Its mounts, cgroups and socket; its directory is moved to the trash (caller holds container.mutex).
  Status remove_container_files(const Container& container);
  // Deletes a tree under trash_dir() on the blocking pool; a failure is logged, and what is left is
  // tried again at the next daemon start.
  void discard_in_background(std::string path);
  Notifier<api::WaitResponse> add_exit_waiter(Container& container);  // caller holds container.mutex
  Result<std::string> write_runtime_config(Container& container);     // caller holds container.mutex
  void reconcile(const std::shared_ptr<Container>& container);
  api::ContainerSummary summarize(const Container& container, int64_t now_nanos) const;

  EngineOptions options_;
  boost::asio::any_io_executor executor_;
  std::unique_ptr<state::Store> store_;
  std::unique_ptr<ImageStore> images_;
  // Registry workers (registry issue 5), made on first use; joined before images_ goes.
  std::shared_ptr<RegistryService> registry_;
  std::once_flag registry_once_;
  RegistryService& registry();
  std::unique_ptr<runtime::CgroupDriver> cgroups_;
  int online_cpus_ = 1;
  // What containers can be granted (--privileged, --cap-add, --ulimit), read once at open.
  DaemonPrivileges daemon_privileges_;
  SeccompHost seccomp_host_;
  std::unique_ptr<SeccompPrograms> seccomp_programs_;
  // Shared by a create from resolving its image until the container is registered; exclusive for
  // rmi, so an image cannot be deleted between a create's lookup and its container appearing.
  std::shared_mutex image_use_mutex_;
  // options_.monitor_binary is exec'd from this copy (CVE-2019-5736).
  std::optional<runtime::SealedBinary> sealed_monitor_;
  // A monitor spawned ahead of the next start (runtime/monitor_standby.hpp); made at open and again
  // after each start, on the blocking pool.
  std::unique_ptr<runtime::MonitorStandby> monitor_standby_;
  void refill_monitor_standby();

  // ---- user namespaces (--userns-remap; container_userns.cpp) ----
  std::optional<IdRemap> default_remap_;  // --userns-remap, resolved at open
  std::mutex remap_userns_mutex_;
  std::map<std::string, UniqueFd> remap_userns_;  // IdRemap::key() -> a user namespace with those maps
  // Cleared (for the daemon's lifetime) when the kernel or filesystem refuses idmapped layers:
  // remapped containers then get shifted copies (shifted_layers.hpp), as with --no-idmapped-layers.
  std::atomic<bool> idmapped_layers_usable_{true};
  std::mutex shifted_layers_mutex_;
  // The user namespace describing `remap` (made on first use), for idmapping its layers.
  Result<int> remap_userns_fd(const IdRemap& remap);
  // The remap a new container gets: the daemon's unless HostConfig.UsernsMode says "host"; checks
  // the options user namespaces rule out. nullopt: none.
  Result<std::optional<IdRemap>> container_remap(const api::HostConfig& host_config);
  // Mounts the container's overlay, through its remap if it has one: idmapped layers, else
  // shifted copies under <root>/layers/remapped.
  Status mount_rootfs(const Container& container, const std::vector<std::string>& layers);
  // The remap recorded in the container's directory at create (survives daemon restarts and a
  // changed --userns-remap: the upper dir's ownership was made for it).
  Status save_container_remap(const Container& container);
  Status load_container_remap(Container& container);
  // ---- end user namespaces ----

  mutable std::mutex registry_mutex_;
  ContainerIndex index_;
  std::map<std::string, std::shared_ptr<Container>> containers_;

  // ---- resources (private members) ----
  // ---- end resources ----
  // ---- manage (private members) ----
  void schedule_restart(const std::shared_ptr<Container>& container, std::chrono::milliseconds delay);
  Task<void> start_by_policy(std::shared_ptr<Container> container);
  RestartTrackers restarts_;
  // ---- end manage ----
  // ---- exec (private members) ----
  struct ExecInstance;  // container_exec.cpp
  // The exec and its container; NotFound for an unknown id.
  Result<std::pair<std::shared_ptr<ExecInstance>, std::shared_ptr<Container>>> find_exec(const std::string& exec_id) const;
  struct StartedExec;
  // Spawns the exec monitor and waits until the process is ready to execve (container_exec.cpp).
  Result<StartedExec> launch_exec(const std::shared_ptr<ExecInstance>& exec, const std::shared_ptr<Container>& container);
  void record_exec_exit(const std::shared_ptr<ExecInstance>& exec, const std::shared_ptr<Container>& container,
                        int exit_code);
  void watch_exec_monitor(const std::shared_ptr<ExecInstance>& exec, const std::shared_ptr<Container>& container,
                          UniqueFd monitor_pidfd);
  // Drops a removed container's exec instances (dockerd forgets them with the container).
  void forget_execs(const std::string& container_id);
  mutable std::mutex exec_mutex_;  // guards execs_, exec_ids_by_container_ and ExecInstances' mutable fields
  std::map<std::string, std::shared_ptr<ExecInstance>> execs_;
  std::unordered_map<std::string, std::vector<std::string>> exec_ids_by_container_;
  // ---- end exec ----
  // ---- events (private members) ----
  class EventLog& event_log();  // the ring and the live subscribers (event_log.hpp), made on first use
  std::once_flag event_log_once_;
  std::shared_ptr<class EventLog> event_log_;
  // ---- end events ----
  // ---- volumes (private members) ----
  std::string volume_dir(const std::string& name) const { return options_.root + "/volumes/" + name; }
  std::string volume_data_dir(const std::string& name) const { return volume_dir(name) + "/_data"; }
  Status make_volume_directory(const std::string& name);  // volumes.cpp
  // The create request's mounts resolved (container_mounts.cpp): volume names, bind sources
  // checked (or created for -v), --volumes-from copied. Nothing recorded yet.
  Result<PreparedMounts> prepare_mounts(const api::ContainerConfig& config, const api::HostConfig& host_config);
  // Records the mount list of the (inserted) container with the volumes it needs, then makes the
  // volume directories and copies the image's content into new empty ones. Returns the volumes
  // it created (for a rollback).
  Result<std::vector<std::string>> attach_mounts(const std::string& container_id, const std::string& rootfs,
                                                 const PreparedMounts& prepared);
  // After a container's row is gone: removes the given volumes if anonymous and unused.
  void remove_anonymous_volumes(const std::vector<std::string>& names);
  // Deletes the volume's row and directory; Conflict while in use. Caller holds volumes_mutex_.
  Status delete_volume_locked(const std::string& name);
  api::Volume volume_view(const state::VolumeRecord& record) const;
  // Serializes a volume's row and directory changes (create's mkdir vs. rm's removal).
  std::mutex volumes_mutex_;
  // ---- end volumes ----
  // ---- networks (private members, engine_network.cpp) ----
  std::unique_ptr<NetworkManager> networks_;
  // Writes the container's hosts and resolv.conf (in place, so a running container's bind mounts
  // see the change). Caller holds container.mutex or owns the container exclusively.
  Status write_network_files(const Container& container);
  // Rewrites the hosts files of these containers (their peers changed).
  void refresh_hosts_files(const std::vector<std::string>& container_ids);
  // ---- end networks ----
  // ---- prune and disk usage (private members) ----
  // How many containers (in any state) use each image id. Exact while image_use_mutex_ is held
  // exclusively: no create is then between its image lookup and its registration.
  std::map<std::string, int> image_use_counts() const;
  // Untags every reference of an image no container uses, then deletes it and the layers only it
  // had, as rmi's last step (image_remove.cpp). Caller holds image_use_mutex_ exclusively.
  Result<std::vector<api::ImageDeleteItem>> delete_unused_image(const state::ImageRecord& image,
                                                                std::vector<state::LayerRecord>* deleted_layers = nullptr);
  // A non-container event (events.cpp): type "image" ("untag", "delete", "prune"), "container"
  // ("prune"), with the actor's id and attributes.
  void publish_event(std::string_view type, std::string_view action, const std::string& actor_id,
                     std::map<std::string, std::string> attributes);
  // ---- end prune and disk usage ----
  // ---- archive (private members) ----
  // open_container_archive, or with `rootfs_only` export_container (container_archive.cpp).
  Result<std::shared_ptr<ArchiveSource>> open_archive(const std::string& ref, const std::string& path, bool rootfs_only);
  // ---- end archive ----
  // The pool for the blocking steps of start and removal (blocking_work.hpp): a step takes
  // milliseconds, mostly in the kernel, so a few threads keep 2 cores busy. Declared last:
  // destroyed first, joining its threads before anything they use goes.
  static constexpr int kBlockingThreads = 4;
  boost::asio::thread_pool blocking_pool_{kBlockingThreads};
};

}  // namespace gocker::engine
