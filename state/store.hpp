#pragma once
// gocker's metadata store: one SQLite file (WAL) under the daemon root, opened through SQLiteCpp.
// Schema changes are numbered migrations applied in order at open (PRAGMA user_version records the
// last one). Every multi-step change is one BEGIN IMMEDIATE transaction, so concurrent writers queue
// on the lock instead of failing with SQLITE_BUSY.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace gocker::state {

// A container's place on a network: the address IPAM gave it (empty on host/none).
struct EndpointRecord {
  std::string container_id;
  std::string network_id;
  std::string ip;   // dotted quad
  std::string mac;
  std::vector<std::string> aliases;
  std::string requested_ip;  // --ip, as asked
};

struct NetworkRecord {
  std::string id;  // 64 hex
  std::string name;
  std::string driver;   // bridge | host | null
  std::string subnet;   // "172.18.0.0/16"; empty for host and null
  std::string gateway;  // "172.18.0.1"
  std::string bridge;   // Linux bridge name
  bool internal = false;
  std::string created_at;
  std::string labels_json = "{}";
  std::string options_json = "{}";
};

struct ContainerRecord {
  std::string id;          // 64 hex
  std::string name;        // without the leading "/"; unique
  std::string image_ref;   // as the user named it ("busybox")
  std::string image_id;    // "sha256:..."
  std::string created_at;  // RFC 3339 with nanoseconds
  std::string config_json;       // api ContainerConfig as JSON
  std::string host_config_json;  // api HostConfig as JSON
  // Runtime state, changed by update_container_state().
  std::string status = "created";  // created | running | exited | dead | removing
  int64_t pid = 0;
  uint64_t pid_start_time = 0;
  int64_t monitor_pid = 0;
  uint64_t monitor_start_time = 0;
  int exit_code = 0;
  bool oom_killed = false;
  std::string error;
  std::string started_at;
  std::string finished_at;
  std::vector<std::string> cgroup_paths;  // absolute
  int restart_count = 0;
  bool manually_stopped = false;  // dockerd's HasBeenManuallyStopped: no policy restart after it
  std::string runtime = "gocker";  // the OCI runtime's name (set at insert, never changed)
  // Inserted together with the container (insert_container); not filled by list_containers.
  std::vector<EndpointRecord> endpoints;
};

// A content-addressed layer (OCI image spec): diff_id is the sha256 of the uncompressed tar,
// chain_id identifies the layer with everything below it.
struct LayerRecord {
  std::string chain_id;
  std::string diff_id;
  std::string parent_chain_id;  // empty for a base layer
  int64_t size = 0;
  std::string path;  // extracted directory under the root
};

struct ImageRecord {
  std::string id;  // "sha256:" + sha256 of the image config JSON
  std::string config_json;  // the OCI image config
  std::vector<std::string> layer_chain_ids;  // bottom to top
  std::vector<std::string> tags;  // normalized references, e.g. "docker.io/library/busybox:latest"
  int64_t created = 0;  // unix seconds
  int64_t size = 0;
};

// ---- volumes ----
// A volume of the local driver: a directory <root>/volumes/<name>/_data.
struct VolumeRecord {
  std::string name;
  std::string driver = "local";
  std::string created_at;  // RFC 3339
  std::string labels_json = "{}";
  std::string options_json = "{}";
  bool anonymous = false;  // made for a container (`-v /path`, an image VOLUME), not by name
  int64_t ref_count = 0;   // containers that list it (read only; list_volumes and find_volume)
};

// One entry of a container's resolved mount list.
struct MountRecord {
  std::string type;         // bind, volume, tmpfs
  std::string volume_name;  // type volume only
  std::string source;       // host path (bind, volume), "" for tmpfs
  std::string destination;
  std::string mode;  // as inspect shows it ("ro", "z", "")
  bool rw = true;
  std::string propagation;
  std::vector<std::string> options;  // extra OCI mount options (tmpfs size=..., mode=...)
};
// ---- end volumes ----

class Store {
 public:
  virtual ~Store() = default;
  static Result<std::unique_ptr<Store>> open(const std::string& db_path);

  virtual int schema_version() const = 0;
  // Frees the pages the store caches for speed; the next statements read them from the file
  // again. Skipped while another thread is using the store: it must never make its caller wait.
  virtual void release_cache_memory() {}
  virtual size_t cache_memory_bytes() const { return 0; }

  // Conflict if the id or the name is taken.
  virtual Status insert_container(const ContainerRecord& record) = 0;
  // Writes the runtime-state fields of the record (status .. manually_stopped) for record.id.
  virtual Status update_container_state(const ContainerRecord& record) = 0;
  virtual Status delete_container(const std::string& id) = 0;  // NotFound if absent
  // Replaces the stored HostConfig JSON (docker update). NotFound if absent.
  virtual Status update_container_host_config(const std::string& id, const std::string& /*host_config_json*/) {
    return Error::internal("update host config of container " + id + ": not supported by this store");
  }
  // Gives container `id` the name `new_name` (without the leading "/"). Conflict (Docker's wording)
  // if another container holds the name, NotFound if `id` is absent.
  virtual Status rename_container(const std::string& id, const std::string& new_name) = 0;
  virtual Result<std::vector<ContainerRecord>> list_containers() const = 0;

  // Inserts the layers not yet known and the image, then points each tag at it (moving a tag
  // from another image), all in one transaction.
  virtual Status put_image(const ImageRecord& image, const std::vector<LayerRecord>& layers) = 0;
  virtual Result<std::vector<ImageRecord>> list_images() const = 0;
  virtual Result<std::vector<LayerRecord>> list_layers() const = 0;

  // ---- images (issue 5): tags and removal ----
  // Points `reference` at the image, moving it from any other image. NotFound if the image is absent.
  virtual Status tag_image(const std::string& reference, const std::string& image_id) = 0;
  // Removes the tag. NotFound if no image has it.
  virtual Status untag_image(const std::string& reference) = 0;
  // Deletes the image with its tags, then, in the same transaction, each of its layers that no
  // remaining image lists and no remaining layer sits on (the reference count is the image_layers
  // and layers.parent_chain_id rows). Returns the deleted layers, top first, so the caller removes
  // their directories. NotFound if the image is absent.
  virtual Result<std::vector<LayerRecord>> delete_image(const std::string& image_id) = 0;
  // ---- end images (issue 5) ----

  // ---- volumes ----
  // Creates the volume unless one of that name exists; true when it was created.
  virtual Result<bool> insert_volume(const VolumeRecord& /*volume*/) { return Error::internal("volumes: not supported"); }
  // NotFound "get <name>: no such volume".
  virtual Result<VolumeRecord> find_volume(const std::string& /*name*/) const {
    return Error::internal("volumes: not supported");
  }
  virtual Result<std::vector<VolumeRecord>> list_volumes() const { return Error::internal("volumes: not supported"); }
  // Conflict (naming the containers) while a container lists it; NotFound if absent.
  virtual Status delete_volume(const std::string& /*name*/) { return Error::internal("volumes: not supported"); }
  // Ids of the containers whose mounts list the volume.
  virtual Result<std::vector<std::string>> volume_users(const std::string& /*name*/) const {
    return Error::internal("volumes: not supported");
  }
  // In one transaction: creates the volumes in `volumes` that do not exist yet (by name) and
  // records the container's mount list. Returns the names of the volumes it created.
  virtual Result<std::vector<std::string>> insert_container_mounts(const std::string& /*container_id*/,
                                                                   const std::vector<MountRecord>& /*mounts*/,
                                                                   const std::vector<VolumeRecord>& /*volumes*/) {
    return Error::internal("volumes: not supported");
  }
  virtual Result<std::vector<MountRecord>> container_mounts(const std::string& /*container_id*/) const {
    return Error::internal("volumes: not supported");
  }
  // ---- end volumes ----
  // ---- networks (issue 6) ----
  // Conflict if the id or the name is taken.
  virtual Status insert_network(const NetworkRecord& network) = 0;
  // NotFound if absent; Conflict while endpoints use it.
  virtual Status delete_network(const std::string& id) = 0;
  virtual Result<std::vector<NetworkRecord>> list_networks() const = 0;
  virtual Result<std::vector<EndpointRecord>> list_endpoints() const = 0;
  // connect / disconnect of an existing container. Conflict for a taken address or a container
  // already on the network.
  virtual Status insert_endpoint(const EndpointRecord& endpoint) = 0;
  virtual Status delete_endpoint(const std::string& container_id, const std::string& network_id) = 0;
  // ---- end networks (issue 6) ----
};

}  // namespace gocker::state
