#include "engine/security_options.hpp"

#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <map>
#include <mutex>

#include "base/strings.hpp"
#include "runtime/security/capabilities.hpp"
#include "runtime/security/security_config.hpp"

namespace gocker::engine {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<const char*, int>, 16> kUlimits{{
    {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},       {"data", RLIMIT_DATA},
    {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},   {"memlock", RLIMIT_MEMLOCK},
    {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},     {"nofile", RLIMIT_NOFILE},
    {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},       {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING}, {"stack", RLIMIT_STACK},
    {"as", RLIMIT_AS},
}};

// IPC parameters that belong to the container's own IPC namespace (Docker's list).
constexpr std::array<const char*, 8> kIpcSysctls{"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                                 "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
                                                 "kernel.shm_rmid_forced"};

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

// "net_admin", "NET_ADMIN" and "CAP_NET_ADMIN" all name CAP_NET_ADMIN; "ALL" stays "ALL".
Result<std::string> normalise_capability(const std::string& name) {
  std::string wanted = upper(name);
  if (wanted == "ALL") return wanted;
  if (wanted.compare(0, 4, "CAP_") != 0) wanted = "CAP_" + wanted;
  if (!runtime::capability_from_name(wanted)) return Error::invalid("unknown capability: " + quoted(wanted));
  return wanted;
}

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool starts_with(const std::string& text, std::string_view prefix) { return text.compare(0, prefix.size(), prefix) == 0; }

Status apply_security_opt(const std::string& option, ContainerSecurity& security, std::optional<std::string>& profile) {
  // Docker takes both "key=value" and the older "key:value".
  const size_t separator = option.find_first_of("=:");
  const std::string key = option.substr(0, separator);
  const std::string value = separator == std::string::npos ? "" : option.substr(separator + 1);
  if (key == "no-new-privileges") {
    if (value.empty() || value == "true") security.no_new_privileges = true;
    else if (value == "false") security.no_new_privileges = false;
    else return Error::invalid("invalid --security-opt: " + quoted(option));
    return ok();
  }
  if (key == "seccomp") {
    if (value.empty()) return Error::invalid("invalid --security-opt: " + quoted(option));
    profile = value;  // "unconfined", "builtin" or a profile's JSON (the CLI sends the file's content)
    return ok();
  }
  // No AppArmor or SELinux here: opting out of them is a no-op, asking for a profile is refused.
  if ((key == "apparmor" && value == "unconfined") || (key == "label" && value == "disable")) return ok();
  if (key == "apparmor" || key == "label") {
    return Error::invalid("--security-opt " + option + ": gocker supports neither AppArmor nor SELinux");
  }
  return Error::invalid("invalid --security-opt: " + quoted(option));
}

Status check_sysctl(const std::string& key, const api::HostConfig& host) {
  const bool ipc = listed(std::vector<std::string>(kIpcSysctls.begin(), kIpcSysctls.end()), key) ||
                   starts_with(key, "fs.mqueue.");
  if (ipc) return ok();
  if (starts_with(key, "net.")) {
    if (host.network_mode == "host") {
      return Error::invalid("sysctl " + quoted(key) + " is not allowed in host network mode");
    }
    return ok();
  }
  return Error::invalid("sysctl " + quoted(key) + " is not allowed: only the container's own network and IPC "
                        "parameters (net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*) can be set");
}

Result<json> rlimits_of(const api::HostConfig& host, const DaemonPrivileges& daemon) {
  json rlimits = json::array();
  for (const api::Ulimit& ulimit : host.ulimits) {
    const auto* entry = std::find_if(kUlimits.begin(), kUlimits.end(), [&](const auto& item) { return ulimit.name == item.first; });
    if (entry == kUlimits.end()) return Error::invalid("invalid ulimit type: " + ulimit.name);
    if (ulimit.soft < -1 || ulimit.hard < -1) return Error::invalid("invalid ulimit " + ulimit.name + ": negative value");
    // -1 is unlimited, as in Docker.
    const uint64_t soft = ulimit.soft == -1 ? RLIM_INFINITY : static_cast<uint64_t>(ulimit.soft);
    const uint64_t hard = ulimit.hard == -1 ? RLIM_INFINITY : static_cast<uint64_t>(ulimit.hard);
    if (soft > hard) {
      return Error::invalid("ulimit soft limit must be less than or equal to hard limit: " + std::to_string(ulimit.soft) +
                            " > " + std::to_string(ulimit.hard));
    }
    if (!daemon.can_raise_limits) {
      auto own = daemon.hard_limits.find(ulimit.name);
      if (own != daemon.hard_limits.end() && hard > own->second) {
        return Error::invalid("--ulimit " + ulimit.name + ": hard limit " + std::to_string(ulimit.hard) +
                              " is above gockerd's own (" + std::to_string(own->second) +
                              ") and gockerd lacks CAP_SYS_RESOURCE to raise it");
      }
    }
    rlimits.push_back(json{{"type", runtime::rlimit_name(entry->second)}, {"soft", soft}, {"hard", hard}});
  }
  const bool names_nofile = std::any_of(host.ulimits.begin(), host.ulimits.end(),
                                        [](const api::Ulimit& ulimit) { return ulimit.name == "nofile"; });
  if (!names_nofile) {
    rlimits.push_back(json{{"type", runtime::rlimit_name(RLIMIT_NOFILE)},
                           {"soft", std::min(daemon.default_nofile_soft, daemon.default_nofile_hard)},
                           {"hard", daemon.default_nofile_hard}});
  }
  return rlimits;
}

json device_rule(bool allow, const char* type, std::optional<int64_t> major, std::optional<int64_t> minor,
                 const std::string& access) {
  json rule{{"allow", allow}, {"type", type}, {"access", access}};
  if (major) rule["major"] = *major;
  if (minor) rule["minor"] = *minor;
  return rule;
}

// Docker's default device cgroup: nothing but the standard nodes and ptys may be read or
// written; any node may be created (mknod), which is harmless when it cannot be opened.
json make_default_device_rules() {
  json rules = json::array({device_rule(false, "a", {}, {}, "rwm"), device_rule(true, "c", {}, {}, "m"),
                            device_rule(true, "b", {}, {}, "m")});
  const std::pair<int64_t, std::optional<int64_t>> allowed[] = {
      {1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9},  // null zero full random urandom
      {5, 0}, {5, 1}, {5, 2},                  // tty console ptmx
      {136, std::nullopt},                     // the devpts slaves
  };
  for (const auto& [major, minor] : allowed) rules.push_back(device_rule(true, "c", major, minor, "rwm"));
  return rules;
}

const json& default_device_rules() {
  static const json rules = make_default_device_rules();
  return rules;
}

Status add_device(const api::DeviceMapping& mapping, ContainerSecurity& security) {
  struct stat info {};
  if (::stat(mapping.path_on_host.c_str(), &info) != 0) {
    Error error = Error::from_errno(errno, "error gathering device information while adding custom device " +
                                               quoted(mapping.path_on_host));
    error.kind = ErrorKind::InvalidArgument;
    return error;
  }
  const bool block = S_ISBLK(info.st_mode);
  if (!block && !S_ISCHR(info.st_mode)) {
    return Error::invalid("--device " + mapping.path_on_host + ": not a device node");
  }
  const std::string& access = mapping.cgroup_permissions.empty() ? std::string("rwm") : mapping.cgroup_permissions;
  if (access.find_first_not_of("rwm") != std::string::npos) {
    return Error::invalid("--device " + mapping.path_on_host + ": invalid permissions " + quoted(access));
  }
  const int64_t major = major(info.st_rdev), minor = minor(info.st_rdev);
  security.devices.push_back(json{{"path", mapping.path_in_container.empty() ? mapping.path_on_host : mapping.path_in_container},
                                  {"type", block ? "b" : "c"},
                                  {"major", major},
                                  {"minor", minor},
                                  {"fileMode", info.st_mode & 07777},
                                  {"uid", info.st_uid},
                                  {"gid", info.st_gid}});
  security.device_rules.push_back(device_rule(true, block ? "b" : "c", major, minor, access));
  return ok();
}

}  // namespace

DaemonPrivileges DaemonPrivileges::of_this_process() {
  DaemonPrivileges daemon;
  for (int capability : runtime::bounding_capabilities()) daemon.capabilities.push_back(runtime::capability_name(capability));
  if (cap_t state = ::cap_get_proc()) {
    cap_flag_value_t value = CAP_CLEAR;
    ::cap_get_flag(state, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &value);
    daemon.can_raise_limits = value == CAP_SET;
    ::cap_free(state);
  }
  std::ifstream("/proc/self/oom_score_adj") >> daemon.oom_score_adj;
  for (const auto& [name, resource] : kUlimits) {
    struct rlimit limit {};
    if (::getrlimit(resource, &limit) == 0) daemon.hard_limits[name] = limit.rlim_max;
  }
  if (struct rlimit limit {}; ::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    daemon.default_nofile_soft = limit.rlim_cur;
    daemon.default_nofile_hard = limit.rlim_max;
  }
  return daemon;
}

Result<std::vector<std::string>> container_capabilities(const std::vector<std::string>& base,
                                                        const std::vector<std::string>& cap_add,
                                                        const std::vector<std::string>& cap_drop,
                                                        const std::vector<std::string>& all) {
  std::vector<std::string> adds, drops;
  for (const auto& name : cap_add) {
    auto normal = normalise_capability(name);
    if (!normal) return std::move(normal).error();
    adds.push_back(*normal);
  }
  for (const auto& name : cap_drop) {
    auto normal = normalise_capability(name);
    if (!normal) return std::move(normal).error();
    drops.push_back(*normal);
  }
  std::vector<std::string> result;
  auto add = [&](const std::string& capability) {
    if (!listed(result, capability)) result.push_back(capability);
  };
  if (listed(adds, "ALL")) {
    // Everything but what is dropped by name (dropping ALL as well changes nothing).
    for (const auto& capability : all)
      if (!listed(drops, capability)) add(capability);
  } else {
    // Dropping ALL starts from nothing; otherwise from the defaults minus the named drops.
    if (!listed(drops, "ALL")) {
      for (const auto& capability : base)
        if (!listed(drops, capability)) add(capability);
    }
    for (const auto& capability : adds) {
      if (!listed(all, capability)) {
        return Error::invalid("cannot add capability " + capability +
                              ": gockerd itself does not hold it (it is not in the daemon's bounding set)");
      }
      add(capability);
    }
  }
  // A default the daemon lacks itself cannot be passed on either; leave it out rather than fail.
  std::erase_if(result, [&](const std::string& capability) { return !listed(all, capability); });
  return result;
}

namespace {

// The built-in profile's OCI form for one capability set, parsed, filtered and checked once:
// every create and start needs it, and the JSON is large. Few distinct sets occur in practice
// (the default, and what --cap-add/--cap-drop make of it); past kMaxCached a client sending ever
// new sets gets its profile made afresh instead of growing the daemon.
Result<std::shared_ptr<const json>> builtin_seccomp_profile(const std::vector<std::string>& capabilities,
                                                           const SeccompHost& host) {
  constexpr size_t kMaxCached = 64;
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const json>> profiles;
  std::vector<std::string> sorted = capabilities;
  std::sort(sorted.begin(), sorted.end());
  std::string key = host.architecture + "/" + std::to_string(host.kernel_major) + "." + std::to_string(host.kernel_minor);
  for (const std::string& capability : sorted) key += "," + capability;

  std::lock_guard lock(mutex);
  if (auto known = profiles.find(key); known != profiles.end()) return known->second;
  auto oci = oci_seccomp_profile(kDefaultSeccompProfile, capabilities, host);
  if (!oci) return std::move(oci).error();
  runtime::ProcessSecurity parsed;
  GOCKER_TRY(runtime::decode_process_security(json{{"seccomp", *oci}}, parsed));
  auto profile = std::make_shared<const json>(std::move(oci).value());
  if (profiles.size() < kMaxCached) profiles.emplace(std::move(key), profile);
  return profile;
}

}  // namespace

Result<ContainerSecurity> resolve_container_security(const api::HostConfig& host, const DaemonPrivileges& daemon,
                                                     const SeccompHost& seccomp_host) {
  ContainerSecurity security;
  security.privileged = host.privileged;
  std::optional<std::string> profile;
  for (const std::string& option : host.security_opt) GOCKER_TRY(apply_security_opt(option, security, profile));

  if (host.privileged) {
    security.capabilities = daemon.capabilities;
  } else {
    auto capabilities = container_capabilities(kDefaultCapabilities, host.cap_add, host.cap_drop, daemon.capabilities);
    if (!capabilities) return std::move(capabilities).error();
    security.capabilities = std::move(capabilities).value();
  }

  // --privileged runs unconfined, as in Docker, unless a profile is asked for by name.
  const bool custom = profile && *profile != "unconfined" && *profile != "builtin";
  if (!(profile && *profile == "unconfined") && (!host.privileged || custom)) {
    if (!custom) {
      auto builtin = builtin_seccomp_profile(security.capabilities, seccomp_host);
      if (!builtin) return std::move(builtin).error().context("built-in seccomp profile");
      security.seccomp = std::move(builtin).value();
    } else {
      auto oci = oci_seccomp_profile(*profile, security.capabilities, seccomp_host);
      if (!oci) return std::move(oci).error().context("--security-opt seccomp");
      // What the runtime will refuse at start (an unknown action or operator) is refused now.
      runtime::ProcessSecurity parsed;
      if (auto valid = runtime::decode_process_security(json{{"seccomp", *oci}}, parsed); !valid) {
        return std::move(valid).error().context("--security-opt seccomp");
      }
      security.seccomp = std::make_shared<const json>(std::move(oci).value());
    }
  }

  auto rlimits = rlimits_of(host, daemon);
  if (!rlimits) return std::move(rlimits).error();
  security.rlimits = std::move(rlimits).value();

  if (host.oom_score_adj < -1000 || host.oom_score_adj > 1000) {
    return Error::invalid("Invalid value " + std::to_string(host.oom_score_adj) +
                          ", range for oom score adj is [-1000, 1000]");
  }
  if (host.oom_score_adj != 0) {
    if (host.oom_score_adj < daemon.oom_score_adj && !daemon.can_raise_limits) {
      return Error::invalid("--oom-score-adj " + std::to_string(host.oom_score_adj) + " is below gockerd's own (" +
                            std::to_string(daemon.oom_score_adj) + ") and gockerd lacks CAP_SYS_RESOURCE to lower it");
    }
    security.oom_score_adj = host.oom_score_adj;
  }

  // Docker's defaults for a container with a network namespace of its own: any user may bind
  // ports below 1024 and send pings. --sysctl overrides them.
  if (host.network_mode != "host") {
    security.sysctls["net.ipv4.ip_unprivileged_port_start"] = "0";
    security.sysctls["net.ipv4.ping_group_range"] = "0 2147483647";
  }
  for (const auto& [key, value] : host.sysctls) {
    GOCKER_TRY(check_sysctl(key, host));
    security.sysctls[key] = value;
  }

  // --privileged may use every device; its /dev is still the container's own tmpfs.
  security.device_rules = host.privileged ? json::array({device_rule(true, "a", {}, {}, "rwm")}) : default_device_rules();
  for (const api::DeviceMapping& mapping : host.devices) GOCKER_TRY(add_device(mapping, security));
  return security;
}

}  // namespace gocker::engine
