#pragma once
// The engine: gocker's use cases (create, start, stop, kill, wait, attach, logs, rm, list,
// inspect) over the runtime and the state store. Handlers in server/ call only this interface.
// Containers are named by full id, unique id prefix, or name ("ref" below).
//
// Blocking work here is short (SQLite, mounts, spawning a monitor); everything that waits on a
// container (stop, wait, attach, logs -f) is a coroutine on the daemon's io_context.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "api/container_types.hpp"
#include "api/stats_types.hpp"
#include "api/exec_types.hpp"
#include "api/event_types.hpp"
#include "api/image_edit_types.hpp"
#include "api/image_types.hpp"
#include "api/network_types.hpp"
#include "api/system_types.hpp"
#include "api/usage_types.hpp"
#include "api/volume_types.hpp"
#include "base/result.hpp"
#include "engine/runtime_registry.hpp"

namespace gocker::engine {

template <typename T>
using Task = boost::asio::awaitable<T>;
using UnixSocket = boost::asio::local::stream_protocol::socket;

struct EngineOptions {
  std::string root;                // --root: state.db, containers/, layers/, images
  std::string cgroup_parent = "gocker";
  std::string monitor_binary;      // gocker-monitor
  std::string builtin_image_dir;   // where the built-in busybox image tarball is installed
  std::string version;             // gocker's version string
  std::string bridge_ip;             // --bip: the default bridge's address and subnet, "172.17.0.1/16"
  std::string default_address_pool;  // --default-address-pool: "base=172.80.0.0/16,size=24"
  std::vector<std::string> insecure_registries;  // --insecure-registry (registry issue 5)
  std::string config_dir = "/etc/gocker";         // --config-dir: certs.d/<host:port>/ (registry issue 5)
  // Containers' default RLIMIT_NOFILE soft limit: gockerd's own before it raised it (main.cpp);
  // 0: gockerd's soft limit when the engine opens.
  uint64_t container_nofile_soft = 0;
  // --runtime/--default-runtime and --add-runtime (runtime_registry.hpp); each external runtime
  // keeps its state of this daemon's containers under <root>/runtimes/<name>.
  RuntimeRegistry runtimes;
  std::string userns_remap;  // --userns-remap: "", "default", "USER[:GROUP]" (userns_remap.hpp)
  // false (--no-idmapped-layers): remapped containers get copies of their layers with shifted
  // owners even where idmapped mounts work.
  bool idmapped_layers = true;
};

struct ListOptions {
  bool all = false;
  int limit = -1;
  // Docker's filters (already decoded from either the CLI's map-of-bools or docker-py's lists).
  std::vector<std::pair<std::string, std::string>> filters;
};

enum class WaitCondition { NotRunning, NextExit, Removed };

class ExitWaiter {
 public:
  virtual ~ExitWaiter() = default;
  // Completes when the condition registered by Engine::watch_exit is met.
  virtual Task<api::WaitResponse> wait() = 0;
};

struct AttachOptions {
  bool stream = true;
  bool logs = false;
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
  // The `detachKeys` parameter (engine/detach_keys.hpp); empty means "ctrl-p,ctrl-q". Used on
  // tty containers only, as dockerd does. Validated by the server (400) before the hijack.
  std::string detach_keys;
};

struct LogOptions {
  bool follow = false;
  bool stdout = true;
  bool stderr = true;
  bool timestamps = false;
  std::optional<size_t> tail;  // nullopt: all
  int64_t since = 0;           // unix seconds, 0 = from the start
  int64_t until = 0;           // 0 = no bound
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Opens the store, imports the built-in image if missing, and reconciles recorded containers
  // with their monitors (reattaching to live ones, collecting exit codes of finished ones).
  static Result<std::unique_ptr<Engine>> open(const EngineOptions& options, boost::asio::any_io_executor executor);

  virtual api::VersionInfo version() const = 0;
  virtual api::SystemInfo info() const = 0;
  virtual Result<std::vector<api::ImageSummary>> list_images() const = 0;

  virtual Result<api::ContainerCreateResponse> create_container(const std::string& name,
                                                                const api::ContainerCreateRequest& request) = 0;
  virtual Result<std::vector<api::ContainerSummary>> list_containers(const ListOptions& options) const = 0;
  virtual Result<api::ContainerInspect> inspect_container(const std::string& ref) const = 0;

  // NotModified if already running.
  virtual Task<Status> start_container(std::string ref) = 0;
  // Signal (the container's stop signal, default SIGTERM), then SIGKILL after timeout (default the
  // container's StopTimeout or 10 s). NotModified if not running.
  virtual Task<Status> stop_container(std::string ref, std::optional<int> timeout_seconds) = 0;
  // signal: a name ("KILL", "SIGKILL") or a number; empty means SIGKILL. Conflict if not running.
  virtual Status kill_container(const std::string& ref, const std::string& signal) = 0;
  // Conflict for a running container unless force (then it is killed first). remove_volumes (`rm -v`)
  // also removes the container's anonymous volumes no other container uses.
  virtual Task<Status> remove_container(std::string ref, bool force, bool remove_volumes) = 0;
  virtual Status resize_container(const std::string& ref, int height, int width) = 0;

  // Registers interest now (so a later start's exit is never missed); await the result later.
  virtual Result<std::shared_ptr<ExitWaiter>> watch_exit(const std::string& ref, WaitCondition condition) = 0;

  // The server has already sent the response head (101 UPGRADED or 200 with the stream's content
  // type) and hands over the connection. Non-tty output is multiplexed with Docker's 8-byte frames;
  // tty output is raw. Returns when the stream ends. Works on created containers: the attach is
  // connected before the command starts, so no output is lost.
  virtual Result<bool> container_has_tty(const std::string& ref) const = 0;
  virtual Task<void> attach_container(std::string ref, AttachOptions options, UnixSocket client,
                                      std::string buffered_input) = 0;
  // Writes the logs (framed unless tty) to the connection, following new lines when asked.
  virtual Task<void> stream_logs(std::string ref, LogOptions options, UnixSocket client) = 0;
  // Validates the ref and options before the server commits to a 200 response.
  virtual Status check_logs(const std::string& ref, const LogOptions& options) const = 0;

  // Stops accepting work; containers keep running (their monitors outlive the daemon).
  virtual void shutdown() = 0;
  // The daemon has gone quiet: drop what is cached only for speed (the store's pages), so the
  // allocator can give those pages back. Never waits for work in progress.
  virtual void release_idle_memory() {}

  // ---- resources: stats, top, pause/unpause, update (section owned by the resources work) ----
  // One sample of the container's cgroup counters with `read` set and precpu_stats empty (the
  // server pairs consecutive samples). A container that is not running gives a sample of zeros
  // carrying only its name and id, with `read` left at the zero time, as dockerd does.
  virtual Result<api::ContainerStats> container_stats(const std::string& /*ref*/) {
    return Error::internal("stats: not supported");
  }
  // The processes of the container's cgroup as `ps -ef` shows them (UID PID PPID C STIME TTY TIME
  // CMD). Conflict if the container is not running; InvalidArgument for ps options other than -ef.
  virtual Result<api::ContainerTop> top_container(const std::string& /*ref*/, const std::string& /*ps_args*/) {
    return Error::internal("top: not supported");
  }
  // Freeze / thaw every process of the container (cgroup freezer). Conflict if not running,
  // already paused (pause) or not paused (unpause).
  virtual Status pause_container(const std::string& /*ref*/) { return Error::internal("pause: not supported"); }
  virtual Status unpause_container(const std::string& /*ref*/) { return Error::internal("unpause: not supported"); }
  // Changes resource limits: applied to the live cgroup of a running container and stored in its
  // HostConfig (inspect shows them; the next start applies them). Zero / empty fields keep their
  // value, as in dockerd; PidsLimit <= 0 means unlimited.
  virtual Result<api::ContainerUpdateResponse> update_container(const std::string& /*ref*/,
                                                                const api::ContainerUpdateRequest& /*request*/) {
    return Error::internal("update: not supported");
  }
  // ---- end resources ----

  // ---- manage: restart, rename, restart policies (section owned by the manage work) ----
  // Stops a running container (as stop_container, with the same timeout rule), then starts it; a
  // stopped, created or restarting one is just started. Counts as a start by the user: a pending
  // policy restart is cancelled and the back-off begins afresh.
  virtual Task<Status> restart_container(std::string /*ref*/, std::optional<int> /*timeout_seconds*/) {
    co_return Error::internal("restart is not supported");
  }
  // new_name with or without the leading "/". InvalidArgument for an empty or unchanged name;
  // Conflict (Docker's wording) if another container holds it. Store and name index change together.
  virtual Status rename_container(const std::string& /*ref*/, const std::string& /*new_name*/) {
    return Error::internal("rename is not supported");
  }
  // ---- end manage ----

  // ---- exec (section owned by the exec work) ----
  // Exec instances live in memory (as dockerd's), keyed by a 64-hex id, until their container is
  // removed. POST /containers/{id}/exec: NotFound for the container, Conflict "Container <id> is
  // not running" (or paused), InvalidArgument for an empty Cmd or a relative WorkingDir.
  virtual Result<api::ExecCreateResponse> create_exec(const std::string& /*container_ref*/,
                                                      const api::ExecCreateRequest& /*request*/) {
    return Error::internal("exec is not supported");
  }
  // GET /exec/{id}/json; NotFound "No such exec instance: <id>".
  virtual Result<api::ExecInspect> inspect_exec(const std::string& /*exec_id*/) const {
    return Error::internal("exec is not supported");
  }
  // POST /exec/{id}/start, before the server commits to a response: marks the exec started so a
  // second start gets Conflict, as does a container that is not running. Returns whether it has a tty.
  virtual Result<bool> claim_exec_start(const std::string& /*exec_id*/) { return Error::internal("exec is not supported"); }
  // A claimed exec, attached: the server has sent the head (101 or 200) and hands over the
  // connection. Output is framed unless tty; the client's half-close closes the process's stdin. A
  // start failure is written into the stream as dockerd does. The exit code is recorded before
  // the connection is closed (the CLI inspects the exec right after the stream ends).
  // `tty_stream` is the start request's Tty, which decides the framing (as in dockerd).
  virtual Task<void> run_exec_attached(std::string /*exec_id*/, bool /*tty_stream*/, UnixSocket /*client*/,
                                      std::string /*buffered_input*/) {
    co_return;
  }
  // A claimed exec, detached: returns once the process runs (its output is discarded).
  virtual Task<Status> run_exec_detached(std::string /*exec_id*/) { co_return Error::internal("exec is not supported"); }
  // POST /exec/{id}/resize: the exec's pty; Conflict while it is not running.
  virtual Status resize_exec(const std::string& /*exec_id*/, int /*height*/, int /*width*/) {
    return Error::internal("exec is not supported");
  }
  // ---- end exec ----

  // ---- events (section owned by the events work) ----
  // GET /events. Without since/until only live events are streamed. With `since` (unix nanos) the
  // recent events from then on are replayed first; with `until` the stream ends once that time
  // is reached (at once after the replay when it lies in the past). Filters are Docker's:
  // container (id or name, prefix), event (action), type, label (key or key=value), image, scope;
  // same key: any value matches, different keys: all must match.
  struct EventQuery {
    std::optional<int64_t> since_nanos;
    std::optional<int64_t> until_nanos;
    std::vector<std::pair<std::string, std::string>> filters;
  };
  class EventStream {
   public:
    virtual ~EventStream() = default;
    // The next matching event, or nullopt when the stream has ended (until reached). Cancellable
    // (it may lose a race in an awaitable `||`); the stream stays usable afterwards.
    virtual Task<std::optional<api::EventMessage>> next() = 0;
  };
  // InvalidArgument for an unknown filter key.
  virtual Result<std::unique_ptr<EventStream>> subscribe_events(const EventQuery& /*query*/) {
    return Error::internal("events are not supported");
  }
  // ---- end events ----

  // ---- archive: docker cp (section owned by the transfer work) ----
  // What GET/HEAD /containers/{id}/archive report about a path (the X-Docker-Container-Path-Stat
  // header, moby's container.PathStat). `mode` holds Go's os.FileMode bits; `link_target` is the
  // symlink's target resolved inside the container, as an absolute container path.
  struct PathStat {
    std::string name;
    int64_t size = 0;
    uint32_t mode = 0;
    std::string mtime;  // RFC 3339
    std::string link_target;
  };
  // A path resolved for GET archive: its stat now, its tar when the server has sent the head.
  class ArchiveSource {
   public:
    virtual ~ArchiveSource() = default;
    virtual const PathStat& stat() const = 0;
    // Writes the tar to the connection and closes it (early, on an error: the client then sees a
    // truncated archive rather than a wrong one).
    virtual Task<void> send(UnixSocket client) = 0;
  };
  // Paths are container paths, resolved inside the container's rootfs (symlinks included) whether
  // it runs or not. NotFound for a missing container or path.
  virtual Result<PathStat> stat_container_path(const std::string& /*ref*/, const std::string& /*path*/) {
    return Error::internal("not supported");
  }
  virtual Result<std::shared_ptr<ArchiveSource>> open_container_archive(const std::string& /*ref*/,
                                                                        const std::string& /*path*/) {
    return Error::internal("not supported");
  }
  // GET /containers/{id}/export: the container's root filesystem alone (image plus its changes),
  // as docker export: never what is mounted inside a running one (/proc, /sys, volumes, binds).
  virtual Result<std::shared_ptr<ArchiveSource>> export_container(const std::string& /*ref*/) {
    return Error::internal("not supported");
  }
  // Extracts a tar into the directory `path` of the container: NotFound if it does not exist,
  // InvalidArgument if it is not a directory or the archive is bad. Files are owned by root unless
  // copy_uid_gid (then they keep the archive's owners).
  virtual Status extract_to_container(const std::string& /*ref*/, const std::string& /*path*/,
                                      bool /*no_overwrite_dir_non_dir*/, bool /*copy_uid_gid*/,
                                      std::string_view /*tar*/) {
    return Error::internal("not supported");
  }
  // ---- end archive ----

  // ---- images: image inspect (section owned by the compat work) ----
  // GET /images/{name}/json. The image named by reference ("busybox", "busybox:latest",
  // "docker.io/library/busybox:latest"), id ("sha256:<hex>", "<hex>") or unique id prefix;
  // NotFound "No such image: <ref>", InvalidArgument for an ambiguous prefix.
  virtual Result<api::ImageInspect> inspect_image(const std::string& ref) const {
    return Error::internal("image inspect is not supported (ref " + ref + ")");
  }
  // ---- end images ----

  // ---- images (issue 5): commit, import, tag, remove, history ----
  // References (repo, tag) follow Docker's rules (engine/reference.hpp); an empty repo means no tag.
  // `changes` are Dockerfile instructions (engine/image_changes.hpp). Both are checked before any
  // work is done (InvalidArgument). A failed commit or import registers nothing and leaves no layer.
  struct CommitOptions {
    std::string repo;
    std::string tag;
    std::string comment;
    std::string author;
    std::vector<std::string> changes;
    bool pause = true;  // freeze a running container while its upper dir is read
  };
  // POST /commit: the container's upper dir becomes a layer on top of its image's; returns the id.
  virtual Result<std::string> commit_container(const std::string& /*ref*/, const CommitOptions& /*options*/) {
    return Error::internal("commit is not supported");
  }
  struct ImportOptions {
    std::string repo;
    std::string tag;
    std::string message;
    std::vector<std::string> changes;
    std::string source = "-";  // for the history comment "Imported from -"
  };
  // An upload being received (POST /images/create?fromSrc=-): an unnamed temporary file in the
  // layer store's tmp dir (O_TMPFILE, gone with its last fd whatever happens), bounded by disk.
  class Upload {
   public:
    virtual ~Upload() = default;
    virtual int fd() const = 0;
  };
  virtual Status check_import(const ImportOptions& /*options*/) { return Error::internal("import is not supported"); }
  virtual Result<std::unique_ptr<Upload>> create_upload() { return Error::internal("import is not supported"); }
  // Imports the upload, a flat filesystem tar (gzip, zstd, xz or plain), as a one-layer image.
  virtual Result<std::string> import_image(const Upload& /*upload*/, const ImportOptions& /*options*/) {
    return Error::internal("import is not supported");
  }
  // POST /images/{name}/tag: repo required, tag defaults to "latest". NotFound for the source.
  virtual Status tag_image(const std::string& /*ref*/, const std::string& /*repo*/, const std::string& /*tag*/) {
    return Error::internal("tag is not supported");
  }
  // DELETE /images/{name}: Docker's rules. A tag of an image with other tags is only untagged; the
  // last tag (or the id) removes the image and the layers no other image uses. Conflict when a
  // container uses it (force then only untags, the image stays for the container), when an id
  // names an image with several tags (unless force), and always for a running container's image
  // named by id.
  virtual Result<std::vector<api::ImageDeleteItem>> remove_image(const std::string& /*ref*/, bool /*force*/) {
    return Error::internal("rmi is not supported");
  }
  // GET /images/{name}/history, newest first.
  virtual Result<std::vector<api::ImageHistoryItem>> image_history(const std::string& /*ref*/) const {
    return Error::internal("history is not supported");
  }
  // ---- end images (issue 5) ----

  // ---- image save/load (images issue 5) ----
  // GET /images/get, /images/{name}/get: the images as one tar in the docker-archive layout of
  // Docker 25 and later (manifest.json and repositories beside an OCI index.json, oci-layout and
  // blobs/sha256/). Everything is resolved (and the layer tars opened) before the server answers;
  // send() streams it. NotFound for a name that names no image.
  class ImageArchive {
   public:
    virtual ~ImageArchive() = default;
    // Writes the archive to the connection and closes it (early, on an error).
    virtual Task<void> send(UnixSocket client) = 0;
  };
  virtual Result<std::shared_ptr<ImageArchive>> save_images(const std::vector<std::string>& /*names*/) {
    return Error::internal("save is not supported");
  }
  // POST /images/load: the upload is a docker-archive (classic or Docker 25+) or an OCI image
  // layout, plain or compressed. Layers are checked against the configs' diff ids; nothing is
  // registered unless every image of the archive is whole. Returns dockerd's JSON messages
  // ("Loaded image: name:tag"; layer progress unless quiet).
  virtual Result<std::vector<std::string>> load_images(const Upload& /*upload*/, bool /*quiet*/) {
    return Error::internal("load is not supported");
  }
  // ---- end image save/load ----
  // ---- volumes (local driver: a directory <root>/volumes/<name>/_data) ----
  // POST /volumes/create: an existing name gives back the existing volume (as Docker). An empty
  // name makes an anonymous-looking 64-hex name. InvalidArgument for a bad name, another driver,
  // or driver options (the local driver's mount options are not supported).
  virtual Result<api::Volume> create_volume(const api::VolumeCreateRequest& /*request*/) {
    return Error::internal("volumes are not supported");
  }
  // GET /volumes; filters: dangling (true/false), name (substring), label (key or key=value), driver.
  virtual Result<api::VolumeListResponse> list_volumes(const std::vector<std::pair<std::string, std::string>>& /*filters*/) {
    return Error::internal("volumes are not supported");
  }
  // GET /volumes/{name}; NotFound "get <name>: no such volume".
  virtual Result<api::Volume> inspect_volume(const std::string& /*name*/) { return Error::internal("volumes are not supported"); }
  // DELETE /volumes/{name}: Conflict while a container (running or not) uses it; with force a
  // missing volume is not an error.
  virtual Status remove_volume(const std::string& /*name*/, bool /*force*/) { return Error::internal("volumes are not supported"); }
  // POST /volumes/prune: every volume no container uses (label filters narrow it).
  virtual Result<api::VolumePruneResponse> prune_volumes(const std::vector<std::pair<std::string, std::string>>& /*filters*/) {
    return Error::internal("volumes are not supported");
  }
  // ---- end volumes ----
  // ---- networks (issue 6) ----
  // GET /networks: filters name (substring), id (prefix), driver, type (builtin|custom), label.
  virtual Result<std::vector<api::NetworkResource>> list_networks(
      const std::vector<std::pair<std::string, std::string>>& /*filters*/) const {
    return Error::internal("networks are not supported");
  }
  // Networks are named by id, unique id prefix or name; NotFound "network <ref> not found".
  virtual Result<api::NetworkResource> inspect_network(const std::string& /*ref*/) const {
    return Error::internal("networks are not supported");
  }
  // A user-defined bridge network; Conflict for a taken name or an overlapping subnet. Returns the id.
  virtual Result<std::string> create_network(const api::NetworkCreateRequest& /*request*/) {
    return Error::internal("networks are not supported");
  }
  // InvalidArgument for bridge/host/none, Conflict while containers are connected.
  virtual Status remove_network(const std::string& /*ref*/) { return Error::internal("networks are not supported"); }
  // Removes the user-defined networks no container uses; returns their names.
  virtual Result<std::vector<std::string>> prune_networks() { return Error::internal("networks are not supported"); }
  // POST /networks/{id}/connect and /disconnect. A running container gets (or loses) its
  // interface at once; the /etc/hosts of its neighbours follow.
  virtual Status connect_network(const std::string& /*network*/, const std::string& /*container*/,
                                 const api::EndpointRequest& /*endpoint*/) {
    return Error::internal("networks are not supported");
  }
  virtual Status disconnect_network(const std::string& /*network*/, const std::string& /*container*/, bool /*force*/) {
    return Error::internal("networks are not supported");
  }
  // gockerd --cleanup-network: removes every bridge, veth and rule gocker made.
  virtual Status cleanup_network() { return Error::internal("networks are not supported"); }
  // ---- end networks (issue 6) ----
  // ---- registry (issue 5): pull, push (engine/registry_service.hpp) ----
  // A pull or push running on the registry workers. Its output is Docker's JSON progress stream.
  class ProgressJob {
   public:
    virtual ~ProgressJob() = default;
    // The next bytes of the stream (whole JSON lines), or "" once the job has ended.
    virtual Task<std::string> read() = 0;
    // The job's outcome, valid once read() returned "". An error that happened after output was
    // sent is also in the stream as an {"error"} line.
    virtual Status outcome() const = 0;
  };
  struct PullOptions {
    std::string image;          // fromImage: a reference, possibly with a tag or digest
    std::string tag;            // tag (or digest) given separately
    std::string registry_auth;  // the X-Registry-Auth header, as sent
  };
  // POST /images/create?fromImage=: InvalidArgument for a bad reference, checked before any work.
  virtual Result<std::shared_ptr<ProgressJob>> pull_image(const PullOptions& /*options*/) {
    return Error::internal("pull is not supported");
  }
  struct PushOptions {
    std::string image;          // the repository ("127.0.0.1:5000/me/base"), possibly with a tag
    std::string tag;            // the tag; empty (and none in image): every tag of the repository
    std::string registry_auth;  // the X-Registry-Auth header, as sent
  };
  // POST /images/{name}/push: NotFound when no such tag exists locally, checked before any work.
  virtual Result<std::shared_ptr<ProgressJob>> push_image(const PushOptions& /*options*/) {
    return Error::internal("push is not supported");
  }
  struct LoginOptions {
    std::string username;
    std::string password;
    std::string identity_token;
    std::string server_address;  // "127.0.0.1:5000", "https://index.docker.io/v1/"; "" is Docker Hub
  };
  // POST /auth: the credentials tried against the registry (GET /v2/, answering its challenge).
  // The job sends no progress; its outcome is the verdict. InvalidArgument for a bad address.
  virtual Result<std::shared_ptr<ProgressJob>> check_login(const LoginOptions& /*options*/) {
    return Error::internal("login is not supported");
  }
  // ---- end registry ----
  // ---- prune and disk usage (images issue 5; engine/prune_filters.hpp for the filters) ----
  // POST /images/prune: the images no container (running or not) uses that the filters select,
  // untagged ones only unless dangling=false. Each goes as by rmi: its references untagged, then
  // the image and the layers no other image shares deleted. InvalidArgument for a bad filter.
  virtual Result<api::ImagePruneResponse> prune_images(const std::vector<std::pair<std::string, std::string>>& /*filters*/) {
    return Error::internal("image prune is not supported");
  }
  // POST /containers/prune: the created, exited and dead containers the filters select, removed
  // as by rm (never a running, paused or restarting one).
  virtual Result<api::ContainerPruneResponse> prune_containers(
      const std::vector<std::pair<std::string, std::string>>& /*filters*/) {
    return Error::internal("container prune is not supported");
  }
  // GET /system/df.
  virtual Result<api::DiskUsage> disk_usage() const { return Error::internal("system df is not supported"); }
  // ---- end prune and disk usage ----
};

}  // namespace gocker::engine
