#include "engine/oci_config.hpp"

#include <algorithm>
#include <cctype>

#include "base/strings.hpp"
#include "engine/init_binary.hpp"

namespace gocker::engine {

using nlohmann::json;

namespace {

std::string env_key(const std::string& entry) { return entry.substr(0, entry.find('=')); }

bool has_env(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& entry : env)
    if (env_key(entry) == key) return true;
  return false;
}

// Request env overrides image env key by key, keeping the image's order for the rest.
std::vector<std::string> merge_env(const std::vector<std::string>& image_env, const std::vector<std::string>& request_env) {
  std::vector<std::string> merged;
  for (const auto& entry : image_env)
    if (!has_env(request_env, env_key(entry))) merged.push_back(entry);
  merged.insert(merged.end(), request_env.begin(), request_env.end());
  return merged;
}

std::vector<std::string> string_list(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return {};
  std::vector<std::string> out;
  for (const auto& item : *it)
    if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

std::string string_field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// "0-3,5" style list, as the kernel's cpuset files take it.
bool is_valid_cpuset(const std::string& text) {
  if (text.empty()) return true;
  for (const auto& range : split(text, ',')) {
    auto parts = split(range, '-');
    if (parts.size() > 2) return false;
    for (const auto& part : parts) {
      if (part.empty() || part.size() > 4) return false;
      for (char c : part)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    if (parts.size() == 2 && std::stoi(parts[0]) > std::stoi(parts[1])) return false;
  }
  return true;
}

int highest_cpu(const std::string& text) {
  int highest = -1;
  for (const auto& range : split(text, ','))
    for (const auto& part : split(range, '-')) highest = std::max(highest, std::stoi(part));
  return highest;
}

json bind_mount(const std::string& destination, const std::string& source, bool read_only) {
  json options = json::array({"rbind", "rprivate"});
  if (read_only) options.push_back("ro");
  return json{{"destination", destination}, {"type", "bind"}, {"source", source}, {"options", options}};
}

}  // namespace

api::ContainerConfig merge_image_config(const api::ContainerConfig& request, const json& image_config) {
  api::ContainerConfig merged = request;
  const json empty = json::object();
  const json& image = image_config.is_object() ? image_config : empty;
  merged.env = merge_env(string_list(image, "Env"), request.env);
  if (!request.entrypoint) {
    auto image_entrypoint = string_list(image, "Entrypoint");
    if (!image_entrypoint.empty()) merged.entrypoint = image_entrypoint;
    if (request.cmd.empty()) merged.cmd = string_list(image, "Cmd");
  }
  if (merged.working_dir.empty()) merged.working_dir = string_field(image, "WorkingDir");
  if (merged.user.empty()) merged.user = string_field(image, "User");
  if (merged.stop_signal.empty()) merged.stop_signal = string_field(image, "StopSignal");
  // The image's VOLUMEs join the request's Config.Volumes (each becomes an anonymous volume).
  if (auto volumes = image.find("Volumes"); volumes != image.end() && volumes->is_object()) {
    for (const auto& [path, ignored] : volumes->items())
      if (std::find(merged.volumes.begin(), merged.volumes.end(), path) == merged.volumes.end()) merged.volumes.push_back(path);
  }
  if (auto labels = image.find("Labels"); labels != image.end() && labels->is_object()) {
    for (const auto& [key, value] : labels->items())
      if (value.is_string() && !merged.labels.count(key)) merged.labels[key] = value.get<std::string>();
  }
  if (auto exposed = image.find("ExposedPorts"); exposed != image.end() && exposed->is_object()) {
    for (const auto& item : exposed->items())
      if (std::find(merged.exposed_ports.begin(), merged.exposed_ports.end(), item.key()) == merged.exposed_ports.end())
        merged.exposed_ports.push_back(item.key());
  }
  return merged;
}

// --init: "/sbin/docker-init -- cmd..." ("--" so tini never takes the command's flags as its own).
static std::vector<std::string> init_process_args(const api::ContainerConfig& config) {
  std::vector<std::string> args{kInitPathInContainer, "--"};
  for (auto& arg : process_args(config)) args.push_back(std::move(arg));
  return args;
}

std::vector<std::string> process_args(const api::ContainerConfig& config) {
  std::vector<std::string> args;
  if (config.entrypoint) args = *config.entrypoint;
  args.insert(args.end(), config.cmd.begin(), config.cmd.end());
  return args;
}

Status validate_host_config(const api::HostConfig& host, int online_cpus) {
  constexpr int64_t kMinMemory = 6 * 1024 * 1024;
  if (host.memory < 0) return Error::invalid("invalid memory limit: must be positive");
  if (host.memory > 0 && host.memory < kMinMemory) return Error::invalid("Minimum memory limit allowed is 6MB");
  if (host.memory_swap > 0 && host.memory == 0)
    return Error::invalid("You should always set the Memory limit when using Memoryswap limit");
  if (host.memory_swap > 0 && host.memory_swap < host.memory)
    return Error::invalid("Minimum memoryswap limit should be larger than memory limit, see usage");
  if (host.nano_cpus < 0) return Error::invalid("invalid CPU count: must be positive");
  if (host.nano_cpus > 0 && (host.cpu_quota > 0 || host.cpu_period > 0))
    return Error::invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (host.nano_cpus > static_cast<int64_t>(online_cpus) * 1'000'000'000)
    return Error::invalid("Range of CPUs is from 0.01 to " + std::to_string(online_cpus) + ".00, as there are only " +
                          std::to_string(online_cpus) + " CPUs available");
  if (host.nano_cpus > 0 && host.nano_cpus < 10'000'000) return Error::invalid("Range of CPUs is from 0.01");
  if (host.cpu_shares < 0) return Error::invalid("invalid CPU shares: must be positive");
  if (host.cpu_period != 0 && (host.cpu_period < 1000 || host.cpu_period > 1'000'000))
    return Error::invalid("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  if (host.cpu_quota > 0 && host.cpu_quota < 1000) return Error::invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  if (!is_valid_cpuset(host.cpuset_cpus)) return Error::invalid("Invalid value " + host.cpuset_cpus + " for cpuset cpus");
  if (!is_valid_cpuset(host.cpuset_mems)) return Error::invalid("Invalid value " + host.cpuset_mems + " for cpuset mems");
  if (!host.cpuset_cpus.empty() && highest_cpu(host.cpuset_cpus) >= online_cpus)
    return Error::invalid("Requested CPUs are not available - requested " + host.cpuset_cpus + ", available: 0-" +
                          std::to_string(online_cpus - 1));
  return ok();
}

std::vector<std::string> container_env(const RuntimeConfigInputs& inputs) {
  std::vector<std::string> env;
  if (!has_env(inputs.config.env, "PATH")) env.push_back(std::string("PATH=") + kDefaultPath);
  env.push_back("HOSTNAME=" + inputs.hostname);
  if (inputs.config.tty && !has_env(inputs.config.env, "TERM")) env.push_back("TERM=xterm");
  if (!has_env(inputs.config.env, "HOME")) env.push_back("HOME=" + inputs.user.home);
  env.insert(env.end(), inputs.config.env.begin(), inputs.config.env.end());
  return env;
}

namespace {

// Everything but linux.seccomp when `with_seccomp` is false: that part is written as text the
// engine keeps per profile (oci_config_text).
json build_config(const RuntimeConfigInputs& inputs, bool with_seccomp) {
  const auto& config = inputs.config;
  const auto& host = inputs.host_config;

  json user{{"uid", inputs.user.uid}, {"gid", inputs.user.gid}};
  if (!inputs.user.additional_gids.empty()) user["additionalGids"] = inputs.user.additional_gids;

  json process{{"terminal", config.tty},
               {"user", std::move(user)},
               {"args", host.init ? init_process_args(config) : process_args(config)},
               {"env", container_env(inputs)},
               {"cwd", config.working_dir.empty() ? "/" : config.working_dir}};
  const ContainerSecurity& security = inputs.security;
  process["capabilities"] = json{{"bounding", security.capabilities},
                                 {"effective", security.capabilities},
                                 {"permitted", security.capabilities},
                                 {"inheritable", json::array()},
                                 {"ambient", json::array()}};
  process["noNewPrivileges"] = security.no_new_privileges;
  if (!security.rlimits.empty()) process["rlimits"] = security.rlimits;
  if (security.oom_score_adj) process["oomScoreAdj"] = *security.oom_score_adj;

  // runc's default mount set, plus the per-container files the engine writes into the bundle.
  json mounts = json::array({
      json{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}, {"options", {"nosuid", "noexec", "nodev"}}},
      json{{"destination", "/dev"},
           {"type", "tmpfs"},
           {"source", "tmpfs"},
           {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
      json{{"destination", "/dev/pts"},
           {"type", "devpts"},
           {"source", "devpts"},
           {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}},
      json{{"destination", "/dev/shm"},
           {"type", "tmpfs"},
           {"source", "shm"},
           {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
      json{{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"}, {"options", {"nosuid", "noexec", "nodev"}}},
      // Read-write for --privileged only, as in Docker.
      json{{"destination", "/sys"},
           {"type", "sysfs"},
           {"source", "sysfs"},
           {"options", security.privileged ? json{"nosuid", "noexec", "nodev"} : json{"nosuid", "noexec", "nodev", "ro"}}},
      bind_mount("/etc/hostname", inputs.bundle_dir + "/hostname", false),
      bind_mount("/etc/hosts", inputs.bundle_dir + "/hosts", false),
      bind_mount("/etc/resolv.conf", inputs.bundle_dir + "/resolv.conf", false),
  });
  // --init: the host's static tini, read-only so the container cannot replace its own PID 1.
  if (host.init) mounts.push_back(bind_mount(kInitPathInContainer, kInitBinaryPath, true));
  if (!inputs.user_mounts.empty()) {
    // A user's mount replaces a default one at the same place (-v /host/hosts:/etc/hosts, --tmpfs /dev/shm).
    json kept = json::array();
    for (const auto& mount : mounts) {
      bool replaced = false;
      for (const auto& user_mount : inputs.user_mounts) replaced = replaced || user_mount["destination"] == mount["destination"];
      if (!replaced) kept.push_back(mount);
    }
    for (const auto& user_mount : inputs.user_mounts) kept.push_back(user_mount);
    // Parents before children, whoever asked for them: a volume on /etc comes before the
    // /etc/hosts bind, or it would hide it.
    auto depth = [](const json& mount) {
      const std::string destination = mount.value("destination", "");
      return std::count(destination.begin(), destination.end(), '/');
    };
    std::stable_sort(kept.begin(), kept.end(), [&](const json& a, const json& b) { return depth(a) < depth(b); });
    mounts = std::move(kept);
  }

  json resources = json::object();
  json memory = json::object();
  if (host.memory > 0) {
    memory["limit"] = host.memory;
    // Docker: no --memory-swap means swap up to the memory limit again (memory+swap = 2x).
    if (host.memory_swap == 0) memory["swap"] = host.memory * 2;
    else memory["swap"] = host.memory_swap;
  }
  if (!memory.empty()) resources["memory"] = std::move(memory);

  json cpu = json::object();
  if (host.cpu_shares > 0) cpu["shares"] = host.cpu_shares;
  if (host.nano_cpus > 0) {
    constexpr int64_t kPeriod = 100000;
    cpu["period"] = kPeriod;
    cpu["quota"] = host.nano_cpus * kPeriod / 1'000'000'000;
  } else {
    if (host.cpu_period > 0) cpu["period"] = host.cpu_period;
    if (host.cpu_quota != 0) cpu["quota"] = host.cpu_quota;
  }
  if (!host.cpuset_cpus.empty()) cpu["cpus"] = host.cpuset_cpus;
  if (!host.cpuset_mems.empty()) cpu["mems"] = host.cpuset_mems;
  if (!cpu.empty()) resources["cpu"] = std::move(cpu);
  if (host.pids_limit && *host.pids_limit > 0) resources["pids"] = json{{"limit", *host.pids_limit}};
  resources["devices"] = security.device_rules;

  // --network host: the daemon's network namespace, so no new one.
  json namespaces = json::array({json{{"type", "pid"}}, json{{"type", "ipc"}}, json{{"type", "uts"}}, json{{"type", "mount"}}});
  if (host.network_mode != "host") namespaces.push_back(json{{"type", "network"}});
  if (inputs.remap) namespaces.push_back(json{{"type", "user"}});
  json linux_section{
      {"namespaces", std::move(namespaces)},
      {"cgroupsPath", inputs.cgroups_path},
      {"resources", std::move(resources)},
  };
  if (inputs.remap) {
    json remap = *inputs.remap;
    linux_section["uidMappings"] = remap["uidMappings"];
    linux_section["gidMappings"] = remap["gidMappings"];
  }
  // --privileged sees the host's /proc and /sys as they are, as in Docker.
  if (!security.privileged) {
    linux_section["maskedPaths"] = {"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                                    "/sys/firmware", "/sys/devices/virtual/powercap"};
    linux_section["readonlyPaths"] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  }
  if (security.seccomp && with_seccomp) linux_section["seccomp"] = *security.seccomp;
  if (!security.devices.empty()) linux_section["devices"] = security.devices;
  if (!security.sysctls.empty()) linux_section["sysctl"] = security.sysctls;
  // The kernel takes only group ids mapped in the container's user namespace: Docker's default
  // range ends at the remap's last group (an explicit --sysctl is left for the kernel to judge).
  if (inputs.remap && !inputs.remap->gids.empty() && !inputs.host_config.sysctls.count("net.ipv4.ping_group_range") &&
      linux_section.contains("sysctl") && linux_section["sysctl"].contains("net.ipv4.ping_group_range")) {
    const auto& last = inputs.remap->gids.back();
    linux_section["sysctl"]["net.ipv4.ping_group_range"] =
        "0 " + std::to_string(uint64_t{last.container_id} + last.size - 1);
  }

  return json{{"ociVersion", "1.1.0"},
              {"process", std::move(process)},
              {"root", json{{"path", inputs.rootfs_path}, {"readonly", host.readonly_rootfs}}},
              {"hostname", inputs.hostname},
              {"mounts", std::move(mounts)},
              {"linux", std::move(linux_section)},
              {"annotations", json{{"org.gocker.open-stdin", config.open_stdin ? "true" : "false"},
                                   {"org.gocker.stdin-once", config.stdin_once ? "true" : "false"},
                                   {"org.gocker.container-id", inputs.container_id}}}};
}

// Adds `"key":value` to a serialized JSON object; `value` is JSON text already.
void add_member(std::string& object_text, std::string_view key, std::string_view value) {
  object_text.pop_back();  // the closing brace
  if (object_text.size() > 1) object_text += ',';
  object_text += json(key).dump();
  object_text += ':';
  object_text += value;
  object_text += '}';
}

}  // namespace

json build_oci_config(const RuntimeConfigInputs& inputs) { return build_config(inputs, true); }

std::string oci_config_text(const RuntimeConfigInputs& inputs, std::string_view seccomp_text) {
  json config = build_config(inputs, false);
  if (seccomp_text.empty()) return config.dump();
  std::string linux_text = config["linux"].dump();
  config.erase("linux");
  std::string text = config.dump();
  add_member(linux_text, "seccomp", seccomp_text);
  add_member(text, "linux", linux_text);
  return text;
}

}  // namespace gocker::engine
