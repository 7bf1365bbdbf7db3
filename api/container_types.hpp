#pragma once
// Docker Engine API (v1.41) container wire types. Field names are Docker's; a JSON null anywhere
// in a request means "default" (the Go client sends many). No I/O here.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/volume_types.hpp"
#include "api/network_types.hpp"

namespace gocker::api {

// The "Config" of a container (POST /containers/create body minus HostConfig).
struct ContainerConfig {
  std::string hostname;
  std::string domainname;
  std::string user;
  bool attach_stdin = false;
  bool attach_stdout = false;
  bool attach_stderr = false;
  bool tty = false;
  bool open_stdin = false;
  bool stdin_once = false;
  std::vector<std::string> env;
  std::vector<std::string> cmd;
  std::optional<std::vector<std::string>> entrypoint;  // nullopt: the image's
  std::string image;
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::string stop_signal;
  std::optional<int> stop_timeout;
  std::vector<std::string> volumes;  // Config.Volumes keys: anonymous volumes (`-v /path`, VOLUME)
  std::vector<std::string> exposed_ports;  // ExposedPorts keys: "80/tcp"
};

// HostConfig.RestartPolicy. Name is "" or "no", "always", "unless-stopped" or "on-failure";
// MaximumRetryCount (on-failure only) of 0 means no limit. Validated by the engine at create.
struct RestartPolicy {
  std::string name;
  int maximum_retry_count = 0;
};

// --ulimit nofile=1024:2048
struct Ulimit {
  std::string name;  // "nofile", ...
  int64_t soft = 0;
  int64_t hard = 0;
};

// --device /dev/x[:/dev/y][:rwm]
struct DeviceMapping {
  std::string path_on_host;
  std::string path_in_container;
  std::string cgroup_permissions = "rwm";
};

struct HostConfig {
  int64_t memory = 0;              // bytes; 0 = unlimited
  int64_t memory_swap = 0;         // bytes of memory+swap; -1 = unlimited swap; 0 = default (2x memory)
  int64_t nano_cpus = 0;           // --cpus * 1e9
  int64_t cpu_shares = 0;
  int64_t cpu_period = 0;
  int64_t cpu_quota = 0;
  std::string cpuset_cpus;
  std::string cpuset_mems;
  std::optional<int64_t> pids_limit;  // <= 0 or nullopt: unlimited
  bool auto_remove = false;
  bool privileged = false;
  std::string network_mode;
  std::vector<std::string> binds;
  RestartPolicy restart_policy;
  bool init = false;  // --init: docker-init (tini) as PID 1, the command as its child
  std::string runtime;  // --runtime: an OCI runtime name of the daemon's (empty: its default)
  // ---- volumes ----
  std::vector<Mount> mounts;                  // --mount
  std::map<std::string, std::string> tmpfs;  // --tmpfs: path -> "size=64m,mode=1777"
  bool readonly_rootfs = false;               // --read-only
  std::vector<std::string> volumes_from;      // "container[:ro|:rw]"
  // ---- end volumes ----
  HostNetworkConfig network;  // Dns, DnsSearch, ExtraHosts, PortBindings, PublishAllPorts
  // ---- security ----
  std::vector<std::string> cap_add;       // "NET_ADMIN", "CAP_NET_ADMIN" or "ALL"
  std::vector<std::string> cap_drop;
  std::vector<std::string> security_opt;  // "seccomp=unconfined", "seccomp=<profile JSON>", "no-new-privileges"
  std::vector<Ulimit> ulimits;
  int oom_score_adj = 0;
  std::map<std::string, std::string> sysctls;
  std::vector<DeviceMapping> devices;
  // --userns: "" follows the daemon (its --userns-remap, if any), "host" opts out of it, "private"
  // asks for a remapped user namespace.
  std::string userns_mode;
  // ---- end security ----
};

struct ContainerCreateRequest {
  ContainerConfig config;
  HostConfig host_config;
  NetworkingConfig networking_config;
};

struct ContainerCreateResponse {
  std::string id;
  std::vector<std::string> warnings;
};

struct ContainerState {
  std::string status;  // created, running, paused, restarting, removing, exited, dead
  bool running = false;
  bool paused = false;
  bool restarting = false;
  bool oom_killed = false;
  bool dead = false;
  int64_t pid = 0;
  int exit_code = 0;
  std::string error;
  std::string started_at = "0001-01-01T00:00:00Z";
  std::string finished_at = "0001-01-01T00:00:00Z";
};

// GET /containers/{id}/json
struct ContainerInspect {
  std::string id;
  std::string created;  // RFC 3339 with nanoseconds
  std::string path;
  std::vector<std::string> args;
  ContainerState state;
  std::string image;  // image id (sha256:...)
  std::string name;   // with the leading "/"
  std::string log_path;
  std::string hostname_path;
  std::string hosts_path;
  std::string resolv_conf_path;
  int restart_count = 0;
  std::string driver = "overlay2";
  std::string platform = "linux";
  ContainerConfig config;
  HostConfig host_config;
  std::vector<MountPoint> mounts;
  NetworkSettings network_settings;
};

// One entry of GET /containers/json
struct ContainerSummary {
  std::string id;
  std::vector<std::string> names;  // each with a leading "/"
  std::string image;               // as the user named it
  std::string image_id;
  std::string command;
  int64_t created = 0;  // unix seconds (an integer here, unlike inspect)
  std::string state;
  std::string status;  // "Up 3 seconds", "Exited (0) 2 minutes ago": computed by the server
  std::map<std::string, std::string> labels;
  std::vector<MountPoint> mounts;
  nlohmann::json ports = nlohmann::json::array();  // [{IP, PrivatePort, PublicPort, Type}]
  std::string network_mode = "default";
  std::map<std::string, EndpointSettings> networks;
};

struct WaitResponse {
  int status_code = 0;
  std::optional<std::string> error_message;
};

void from_json(const nlohmann::json& j, ContainerConfig& value);
void to_json(nlohmann::json& j, const ContainerConfig& value);
void from_json(const nlohmann::json& j, Ulimit& value);
void to_json(nlohmann::json& j, const Ulimit& value);
void from_json(const nlohmann::json& j, DeviceMapping& value);
void to_json(nlohmann::json& j, const DeviceMapping& value);
void from_json(const nlohmann::json& j, HostConfig& value);
void to_json(nlohmann::json& j, const HostConfig& value);
void from_json(const nlohmann::json& j, ContainerCreateRequest& value);
void to_json(nlohmann::json& j, const ContainerCreateRequest& value);
void from_json(const nlohmann::json& j, ContainerCreateResponse& value);
void to_json(nlohmann::json& j, const ContainerCreateResponse& value);
void from_json(const nlohmann::json& j, ContainerState& value);
void to_json(nlohmann::json& j, const ContainerState& value);
void from_json(const nlohmann::json& j, ContainerInspect& value);
void to_json(nlohmann::json& j, const ContainerInspect& value);
void from_json(const nlohmann::json& j, ContainerSummary& value);
void to_json(nlohmann::json& j, const ContainerSummary& value);
void from_json(const nlohmann::json& j, WaitResponse& value);
void to_json(nlohmann::json& j, const WaitResponse& value);

}  // namespace gocker::api
