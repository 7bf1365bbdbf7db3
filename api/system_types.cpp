#include "api/system_types.hpp"

#include "api/json_fields.hpp"

namespace gocker::api {

using nlohmann::json;

json error_body(const std::string& message) { return json{{"message", message}}; }

void to_json(json& j, const VersionInfo& v) {
  j = json{{"Version", v.version},          {"ApiVersion", v.api_version}, {"MinAPIVersion", v.min_api_version},
           {"GitCommit", v.git_commit},     {"GoVersion", v.go_version},   {"Os", v.os},
           {"Arch", v.arch},                {"KernelVersion", v.kernel_version}, {"BuildTime", v.build_time},
           {"Platform", json{{"Name", "gocker"}}}};
  j["Components"] = json::array({json{{"Name", "Engine"},
                                      {"Version", v.version},
                                      {"Details", json{{"ApiVersion", v.api_version},
                                                       {"MinAPIVersion", v.min_api_version},
                                                       {"Os", v.os},
                                                       {"Arch", v.arch},
                                                       {"KernelVersion", v.kernel_version}}}}});
}

void from_json(const json& j, VersionInfo& v) {
  read_field(j, "Version", v.version);
  read_field(j, "ApiVersion", v.api_version);
  read_field(j, "MinAPIVersion", v.min_api_version);
  read_field(j, "GitCommit", v.git_commit);
  read_field(j, "Os", v.os);
  read_field(j, "Arch", v.arch);
  read_field(j, "KernelVersion", v.kernel_version);
}

namespace {

// dockerd's shape: {"runc": {"path": "runc"}, ...}; the built-in runtime is named by its monitor.
json runtimes_json(const SystemInfo& v) {
  json out = json::object();
  for (const auto& [name, path] : v.runtimes) out[name] = json{{"path", path}};
  if (out.empty()) out[v.default_runtime] = json{{"path", "gocker-monitor"}};
  return out;
}

}  // namespace

void to_json(json& j, const SystemInfo& v) {
  j = json{{"ID", v.id},
           {"Containers", v.containers},
           {"ContainersRunning", v.containers_running},
           {"ContainersPaused", v.containers_paused},
           {"ContainersStopped", v.containers_stopped},
           {"Images", v.images},
           {"Driver", v.driver},
           {"CgroupDriver", v.cgroup_driver},
           {"CgroupVersion", v.cgroup_version},
           {"KernelVersion", v.kernel_version},
           {"OperatingSystem", v.operating_system},
           {"OSType", v.os_type},
           {"Architecture", v.architecture},
           {"NCPU", v.ncpu},
           {"MemTotal", v.mem_total},
           {"Name", v.name},
           {"ServerVersion", v.server_version},
           {"DockerRootDir", v.docker_root_dir},
           {"DefaultRuntime", v.default_runtime},
           {"Runtimes", runtimes_json(v)},
           {"SecurityOptions", v.security_options},
           {"Plugins", json{{"Volume", json::array()}, {"Network", json::array()}, {"Log", json::array({"json-file"})}}},
           {"LoggingDriver", "json-file"},
           {"Swarm", json{{"LocalNodeState", "inactive"}}}};
}

void from_json(const json& j, SystemInfo& v) {
  read_field(j, "ID", v.id);
  read_field(j, "Containers", v.containers);
  read_field(j, "ContainersRunning", v.containers_running);
  read_field(j, "ContainersPaused", v.containers_paused);
  read_field(j, "ContainersStopped", v.containers_stopped);
  read_field(j, "Images", v.images);
  read_field(j, "Driver", v.driver);
  read_field(j, "CgroupDriver", v.cgroup_driver);
  read_field(j, "CgroupVersion", v.cgroup_version);
  read_field(j, "KernelVersion", v.kernel_version);
  read_field(j, "OperatingSystem", v.operating_system);
  read_field(j, "NCPU", v.ncpu);
  read_field(j, "MemTotal", v.mem_total);
  read_field(j, "Name", v.name);
  read_field(j, "ServerVersion", v.server_version);
  read_field(j, "DockerRootDir", v.docker_root_dir);
  read_field(j, "DefaultRuntime", v.default_runtime);
  if (auto it = j.find("Runtimes"); it != j.end() && it->is_object()) {
    for (const auto& [name, entry] : it->items()) {
      std::string path;
      if (entry.is_object()) read_field(entry, "path", path);
      v.runtimes[name] = path;
    }
  }
  read_field(j, "SecurityOptions", v.security_options);
}

void to_json(json& j, const ImageSummary& v) {
  j = json{{"Id", v.id},           {"ParentId", v.parent_id}, {"RepoTags", v.repo_tags},
           {"RepoDigests", v.repo_digests}, {"Created", v.created}, {"Size", v.size},
           {"VirtualSize", v.size}, {"SharedSize", -1},      {"Labels", v.labels},
           {"Containers", v.containers}};
}

void from_json(const json& j, ImageSummary& v) {
  read_field(j, "Id", v.id);
  read_field(j, "ParentId", v.parent_id);
  read_field(j, "RepoTags", v.repo_tags);
  read_field(j, "RepoDigests", v.repo_digests);
  read_field(j, "Created", v.created);
  read_field(j, "Size", v.size);
  read_field(j, "Labels", v.labels);
}

}  // namespace gocker::api
