#include "api/container_types.hpp"

#include "api/json_fields.hpp"

namespace gocker::api {

using nlohmann::json;

void from_json(const json& j, ContainerConfig& v) {
  if (!j.is_object()) throw json::type_error::create(302, "container config must be an object", &j);
  read_field(j, "Hostname", v.hostname);
  read_field(j, "Domainname", v.domainname);
  read_field(j, "User", v.user);
  read_field(j, "AttachStdin", v.attach_stdin);
  read_field(j, "AttachStdout", v.attach_stdout);
  read_field(j, "AttachStderr", v.attach_stderr);
  read_field(j, "Tty", v.tty);
  read_field(j, "OpenStdin", v.open_stdin);
  read_field(j, "StdinOnce", v.stdin_once);
  read_field(j, "Env", v.env);
  // Docker accepts Cmd and Entrypoint as a string as well as a list.
  if (auto it = j.find("Cmd"); it != j.end() && !it->is_null()) {
    if (it->is_string()) v.cmd = {it->get<std::string>()};
    else it->get_to(v.cmd);
  }
  if (auto it = j.find("Entrypoint"); it != j.end() && !it->is_null()) {
    if (it->is_string()) v.entrypoint = std::vector<std::string>{it->get<std::string>()};
    else v.entrypoint = it->get<std::vector<std::string>>();
  }
  read_field(j, "Image", v.image);
  read_field(j, "WorkingDir", v.working_dir);
  read_field(j, "Labels", v.labels);
  read_field(j, "StopSignal", v.stop_signal);
  if (auto it = j.find("StopTimeout"); it != j.end() && !it->is_null()) v.stop_timeout = read_integer<int>(*it, "StopTimeout");
  if (auto it = j.find("Volumes"); it != j.end() && it->is_object()) {
    for (const auto& [path, ignored] : it->items()) v.volumes.push_back(path);
  }
  if (auto it = j.find("ExposedPorts"); it != j.end() && it->is_object())
    for (const auto& item : it->items()) v.exposed_ports.push_back(item.key());
}

void to_json(json& j, const ContainerConfig& v) {
  j = json{{"Hostname", v.hostname},
           {"Domainname", v.domainname},
           {"User", v.user},
           {"AttachStdin", v.attach_stdin},
           {"AttachStdout", v.attach_stdout},
           {"AttachStderr", v.attach_stderr},
           {"Tty", v.tty},
           {"OpenStdin", v.open_stdin},
           {"StdinOnce", v.stdin_once},
           {"Env", v.env},
           {"Cmd", v.cmd},
           {"Image", v.image},
           {"WorkingDir", v.working_dir},
           {"Labels", v.labels}};
  j["Entrypoint"] = v.entrypoint ? json(*v.entrypoint) : json(nullptr);
  if (!v.stop_signal.empty()) j["StopSignal"] = v.stop_signal;
  if (v.stop_timeout) j["StopTimeout"] = *v.stop_timeout;
  if (!v.volumes.empty()) {
    json volumes = json::object();
    for (const auto& path : v.volumes) volumes[path] = json::object();
    j["Volumes"] = volumes;
  } else {
    j["Volumes"] = nullptr;
  }
  if (!v.exposed_ports.empty()) {
    json exposed = json::object();
    for (const auto& port : v.exposed_ports) exposed[port] = json::object();
    j["ExposedPorts"] = std::move(exposed);
  }
}

void from_json(const json& j, Ulimit& v) {
  if (!j.is_object()) throw json::type_error::create(302, "Ulimits entries must be objects", &j);
  read_field(j, "Name", v.name);
  read_field(j, "Soft", v.soft);
  read_field(j, "Hard", v.hard);
}

void to_json(json& j, const Ulimit& v) { j = json{{"Name", v.name}, {"Soft", v.soft}, {"Hard", v.hard}}; }

void from_json(const json& j, DeviceMapping& v) {
  if (!j.is_object()) throw json::type_error::create(302, "Devices entries must be objects", &j);
  read_field(j, "PathOnHost", v.path_on_host);
  read_field(j, "PathInContainer", v.path_in_container);
  read_field(j, "CgroupPermissions", v.cgroup_permissions);
}

void to_json(json& j, const DeviceMapping& v) {
  j = json{{"PathOnHost", v.path_on_host}, {"PathInContainer", v.path_in_container},
           {"CgroupPermissions", v.cgroup_permissions}};
}

void from_json(const json& j, HostConfig& v) {
  if (!j.is_object()) throw json::type_error::create(302, "host config must be an object", &j);
  read_field(j, "Memory", v.memory);
  read_field(j, "MemorySwap", v.memory_swap);
  read_field(j, "NanoCpus", v.nano_cpus);
  read_field(j, "CpuShares", v.cpu_shares);
  read_field(j, "CpuPeriod", v.cpu_period);
  read_field(j, "CpuQuota", v.cpu_quota);
  read_field(j, "CpusetCpus", v.cpuset_cpus);
  read_field(j, "CpusetMems", v.cpuset_mems);
  read_field(j, "PidsLimit", v.pids_limit);
  read_field(j, "AutoRemove", v.auto_remove);
  read_field(j, "Privileged", v.privileged);
  read_field(j, "NetworkMode", v.network_mode);
  read_field(j, "Binds", v.binds);
  if (auto it = j.find("Init"); it != j.end() && it->is_boolean()) v.init = it->get<bool>();
  read_field(j, "Runtime", v.runtime);
  read_field(j, "Mounts", v.mounts);
  read_field(j, "Tmpfs", v.tmpfs);
  read_field(j, "ReadonlyRootfs", v.readonly_rootfs);
  read_field(j, "VolumesFrom", v.volumes_from);
  read_field(j, "CapAdd", v.cap_add);
  read_field(j, "CapDrop", v.cap_drop);
  read_field(j, "SecurityOpt", v.security_opt);
  read_field(j, "Ulimits", v.ulimits);
  read_field(j, "OomScoreAdj", v.oom_score_adj);
  read_field(j, "Sysctls", v.sysctls);
  read_field(j, "Devices", v.devices);
  read_field(j, "UsernsMode", v.userns_mode);
  if (auto it = j.find("RestartPolicy"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) throw json::type_error::create(302, "RestartPolicy must be an object", &*it);
    read_field(*it, "Name", v.restart_policy.name);
    read_field(*it, "MaximumRetryCount", v.restart_policy.maximum_retry_count);
  }
  read_host_network_config(j, v.network);
}

void to_json(json& j, const HostConfig& v) {
  j = json{{"Memory", v.memory},         {"MemorySwap", v.memory_swap}, {"NanoCpus", v.nano_cpus},
           {"CpuShares", v.cpu_shares},  {"CpuPeriod", v.cpu_period},   {"CpuQuota", v.cpu_quota},
           {"CpusetCpus", v.cpuset_cpus}, {"CpusetMems", v.cpuset_mems}, {"AutoRemove", v.auto_remove},
           {"Privileged", v.privileged}, {"NetworkMode", v.network_mode.empty() ? "default" : v.network_mode},
           {"Binds", v.binds}};
  j["PidsLimit"] = v.pids_limit ? json(*v.pids_limit) : json(nullptr);
  j["Init"] = v.init ? json(true) : json(nullptr);  // docker's *bool: null when not asked for
  if (!v.runtime.empty()) j["Runtime"] = v.runtime;
  j["Mounts"] = v.mounts.empty() ? json(nullptr) : json(v.mounts);
  j["Tmpfs"] = v.tmpfs.empty() ? json(nullptr) : json(v.tmpfs);
  j["ReadonlyRootfs"] = v.readonly_rootfs;
  j["VolumesFrom"] = v.volumes_from.empty() ? json(nullptr) : json(v.volumes_from);
  j["CapAdd"] = v.cap_add.empty() ? json(nullptr) : json(v.cap_add);
  j["CapDrop"] = v.cap_drop.empty() ? json(nullptr) : json(v.cap_drop);
  j["SecurityOpt"] = v.security_opt.empty() ? json(nullptr) : json(v.security_opt);
  j["Ulimits"] = v.ulimits.empty() ? json(nullptr) : json(v.ulimits);
  j["OomScoreAdj"] = v.oom_score_adj;
  j["Sysctls"] = v.sysctls.empty() ? json(nullptr) : json(v.sysctls);
  j["Devices"] = v.devices;
  j["UsernsMode"] = v.userns_mode;
  // Fixed for now, but clients (docker-py's containers.run) read them unconditionally.
  j["LogConfig"] = json{{"Type", "json-file"}, {"Config", json::object()}};
  j["RestartPolicy"] = json{{"Name", v.restart_policy.name.empty() ? "no" : v.restart_policy.name},
                            {"MaximumRetryCount", v.restart_policy.maximum_retry_count}};
  write_host_network_config(j, v.network);
}

void from_json(const json& j, ContainerCreateRequest& v) {
  if (!j.is_object()) throw json::type_error::create(302, "request body must be a JSON object", &j);
  from_json(j, v.config);
  if (auto it = j.find("HostConfig"); it != j.end() && !it->is_null()) from_json(*it, v.host_config);
  if (auto it = j.find("NetworkingConfig"); it != j.end() && !it->is_null()) from_json(*it, v.networking_config);
}

void to_json(json& j, const ContainerCreateRequest& v) {
  to_json(j, v.config);
  j["HostConfig"] = v.host_config;
  if (!v.networking_config.endpoints.empty()) j["NetworkingConfig"] = v.networking_config;
}

void from_json(const json& j, ContainerCreateResponse& v) {
  read_field(j, "Id", v.id);
  read_field(j, "Warnings", v.warnings);
}

void to_json(json& j, const ContainerCreateResponse& v) { j = json{{"Id", v.id}, {"Warnings", v.warnings}}; }

void from_json(const json& j, ContainerState& v) {
  read_field(j, "Status", v.status);
  read_field(j, "Running", v.running);
  read_field(j, "Paused", v.paused);
  read_field(j, "Restarting", v.restarting);
  read_field(j, "OOMKilled", v.oom_killed);
  read_field(j, "Dead", v.dead);
  read_field(j, "Pid", v.pid);
  read_field(j, "ExitCode", v.exit_code);
  read_field(j, "Error", v.error);
  read_field(j, "StartedAt", v.started_at);
  read_field(j, "FinishedAt", v.finished_at);
}

void to_json(json& j, const ContainerState& v) {
  j = json{{"Status", v.status},         {"Running", v.running},       {"Paused", v.paused},
           {"Restarting", v.restarting}, {"OOMKilled", v.oom_killed},  {"Dead", v.dead},
           {"Pid", v.pid},               {"ExitCode", v.exit_code},    {"Error", v.error},
           {"StartedAt", v.started_at},  {"FinishedAt", v.finished_at}};
}

void from_json(const json& j, ContainerInspect& v) {
  read_field(j, "Id", v.id);
  read_field(j, "Created", v.created);
  read_field(j, "Path", v.path);
  read_field(j, "Args", v.args);
  read_field(j, "State", v.state);
  read_field(j, "Image", v.image);
  read_field(j, "Name", v.name);
  read_field(j, "LogPath", v.log_path);
  read_field(j, "HostnamePath", v.hostname_path);
  read_field(j, "HostsPath", v.hosts_path);
  read_field(j, "ResolvConfPath", v.resolv_conf_path);
  read_field(j, "RestartCount", v.restart_count);
  read_field(j, "Driver", v.driver);
  read_field(j, "Platform", v.platform);
  read_field(j, "Config", v.config);
  read_field(j, "HostConfig", v.host_config);
  read_field(j, "Mounts", v.mounts);
}


void to_json(json& j, const ContainerInspect& v) {
  j = json{{"Id", v.id},
           {"Created", v.created},
           {"Path", v.path},
           {"Args", v.args},
           {"State", v.state},
           {"Image", v.image},
           {"Name", v.name},
           {"LogPath", v.log_path},
           {"HostnamePath", v.hostname_path},
           {"HostsPath", v.hosts_path},
           {"ResolvConfPath", v.resolv_conf_path},
           {"RestartCount", v.restart_count},
           {"Driver", v.driver},
           {"Platform", v.platform},
           {"Config", v.config},
           {"HostConfig", v.host_config},
           {"Mounts", v.mounts},
           {"NetworkSettings", v.network_settings}};
  // Docker's fields gocker has no value for, present because `docker inspect --format` templates
  // and SDK models index them (a missing key prints "<no value>" where Docker prints "").
  j["MountLabel"] = "";
  j["ProcessLabel"] = "";
  j["AppArmorProfile"] = "";
  j["GraphDriver"] = json{{"Name", v.driver}, {"Data", json::object()}};
}

void from_json(const json& j, ContainerSummary& v) {
  read_field(j, "Id", v.id);
  read_field(j, "Names", v.names);
  read_field(j, "Image", v.image);
  read_field(j, "ImageID", v.image_id);
  read_field(j, "Command", v.command);
  read_field(j, "Created", v.created);
  read_field(j, "State", v.state);
  read_field(j, "Status", v.status);
  read_field(j, "Labels", v.labels);
  read_field(j, "Mounts", v.mounts);
  if (auto it = j.find("Ports"); it != j.end() && it->is_array()) v.ports = *it;
}

void to_json(json& j, const ContainerSummary& v) {
  j = json{{"Id", v.id},
           {"Names", v.names},
           {"Image", v.image},
           {"ImageID", v.image_id},
           {"Command", v.command},
           {"Created", v.created},
           {"State", v.state},
           {"Status", v.status},
           {"Labels", v.labels},
           {"Ports", v.ports},
           {"Mounts", v.mounts},
           {"HostConfig", json{{"NetworkMode", v.network_mode}}}};
  json networks = json::object();
  for (const auto& [name, endpoint] : v.networks) networks[name] = endpoint;
  j["NetworkSettings"] = json{{"Networks", std::move(networks)}};
}

void from_json(const json& j, WaitResponse& v) {
  read_field(j, "StatusCode", v.status_code);
  if (auto it = j.find("Error"); it != j.end() && it->is_object()) {
    std::string message;
    read_field(*it, "Message", message);
    v.error_message = message;
  }
}

void to_json(json& j, const WaitResponse& v) {
  j = json{{"StatusCode", v.status_code}};
  j["Error"] = v.error_message ? json{{"Message", *v.error_message}} : json(nullptr);
}

}  // namespace gocker::api
