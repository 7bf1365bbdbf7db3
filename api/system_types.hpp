#pragma once
// Docker Engine API system and image wire types: /version, /info, /images/json, error bodies.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gocker::api {

// The API versions served: requests under /v1.NN/ between these are accepted.
inline constexpr const char* kMaxApiVersion = "1.41";
inline constexpr const char* kMinApiVersion = "1.24";

struct VersionInfo {
  std::string version;  // gocker's own version
  std::string api_version = kMaxApiVersion;
  std::string min_api_version = kMinApiVersion;
  std::string git_commit;
  std::string go_version = "n/a";
  std::string os = "linux";
  std::string arch = "amd64";
  std::string kernel_version;
  std::string build_time;
};

struct SystemInfo {
  std::string id;
  int containers = 0;
  int containers_running = 0;
  int containers_paused = 0;
  int containers_stopped = 0;
  int images = 0;
  std::string driver = "overlay2";
  std::string cgroup_driver = "cgroupfs";
  std::string cgroup_version;  // "1" or "2"
  std::string kernel_version;
  std::string operating_system;
  std::string os_type = "linux";
  std::string architecture = "x86_64";
  int ncpu = 0;
  int64_t mem_total = 0;
  std::string name;
  std::string server_version;
  std::string docker_root_dir;
  std::string default_runtime = "gocker";
  std::map<std::string, std::string> runtimes;  // name -> path, as Runtimes {name: {"path": ...}}
  std::vector<std::string> security_options;  // "name=seccomp,profile=builtin", "name=userns"
};

struct ImageSummary {
  std::string id;  // sha256:...
  std::string parent_id;
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  int64_t created = 0;
  int64_t size = 0;
  std::map<std::string, std::string> labels;
  int containers = -1;
};

// Every error response body: {"message": "..."}.
nlohmann::json error_body(const std::string& message);

void to_json(nlohmann::json& j, const VersionInfo& value);
void from_json(const nlohmann::json& j, VersionInfo& value);
void to_json(nlohmann::json& j, const SystemInfo& value);
void from_json(const nlohmann::json& j, SystemInfo& value);
void to_json(nlohmann::json& j, const ImageSummary& value);
void from_json(const nlohmann::json& j, ImageSummary& value);

}  // namespace gocker::api
