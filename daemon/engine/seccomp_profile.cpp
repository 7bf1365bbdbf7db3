#include "engine/seccomp_profile.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>

namespace gocker::engine {
namespace {

using nlohmann::json;

bool contains(const json& list, const std::string& value) {
  if (!list.is_array()) return false;
  return std::any_of(list.begin(), list.end(), [&](const json& item) { return item.is_string() && item == value; });
}

bool has_capability(const std::vector<std::string>& capabilities, const json& name) {
  return name.is_string() && std::find(capabilities.begin(), capabilities.end(), name.get<std::string>()) != capabilities.end();
}

bool arch_listed(const json& arches, const SeccompHost& host) {
  return contains(arches, host.go_arch) || contains(arches, host.architecture);
}

// "4.8" -> at least that kernel.
bool kernel_at_least(const std::string& wanted, const SeccompHost& host) {
  int major = 0, minor = 0;
  if (std::sscanf(wanted.c_str(), "%d.%d", &major, &minor) < 1) return true;
  return host.kernel_major > major || (host.kernel_major == major && host.kernel_minor >= minor);
}

// Docker's includes: every listed capability present, the host's arch listed, the kernel new
// enough. Excludes: any listed capability present, or the host's arch listed.
bool rule_applies(const json& rule, const std::vector<std::string>& capabilities, const SeccompHost& host) {
  if (auto includes = rule.find("includes"); includes != rule.end() && includes->is_object()) {
    if (auto caps = includes->find("caps"); caps != includes->end() && caps->is_array()) {
      for (const json& cap : *caps)
        if (!has_capability(capabilities, cap)) return false;
    }
    if (auto arches = includes->find("arches"); arches != includes->end() && arches->is_array() && !arches->empty()) {
      if (!arch_listed(*arches, host)) return false;
    }
    if (auto kernel = includes->find("minKernel"); kernel != includes->end() && kernel->is_string()) {
      if (!kernel_at_least(kernel->get<std::string>(), host)) return false;
    }
  }
  if (auto excludes = rule.find("excludes"); excludes != rule.end() && excludes->is_object()) {
    if (auto caps = excludes->find("caps"); caps != excludes->end() && caps->is_array()) {
      for (const json& cap : *caps)
        if (has_capability(capabilities, cap)) return false;
    }
    if (auto arches = excludes->find("arches"); arches != excludes->end() && arches->is_array()) {
      if (arch_listed(*arches, host)) return false;
    }
  }
  return true;
}

json architectures(const json& profile, const SeccompHost& host) {
  if (auto map = profile.find("archMap"); map != profile.end() && map->is_array()) {
    for (const json& entry : *map) {
      if (!entry.is_object() || entry.value("architecture", "") != host.architecture) continue;
      json list = json::array({host.architecture});
      if (auto subs = entry.find("subArchitectures"); subs != entry.end() && subs->is_array()) {
        for (const json& sub : *subs) list.push_back(sub);
      }
      return list;
    }
    return json::array({host.architecture});
  }
  if (auto list = profile.find("architectures"); list != profile.end() && list->is_array()) return *list;
  return json::array();
}

}  // namespace

SeccompHost SeccompHost::of_this_machine() {
  SeccompHost host;
  struct utsname name {};
  ::uname(&name);
  const std::string machine = name.machine;
  if (machine == "x86_64") host = {"SCMP_ARCH_X86_64", "amd64"};
  else if (machine == "aarch64") host = {"SCMP_ARCH_AARCH64", "arm64"};
  else if (machine == "ppc64le") host = {"SCMP_ARCH_PPC64LE", "ppc64le"};
  else if (machine == "s390x") host = {"SCMP_ARCH_S390X", "s390x"};
  else if (machine == "riscv64") host = {"SCMP_ARCH_RISCV64", "riscv64"};
  else host = {"SCMP_ARCH_NATIVE", machine};
  std::sscanf(name.release, "%d.%d", &host.kernel_major, &host.kernel_minor);
  return host;
}

Result<json> oci_seccomp_profile(std::string_view docker_profile, const std::vector<std::string>& capabilities,
                                 const SeccompHost& host) {
  json profile = json::parse(docker_profile, nullptr, /*allow_exceptions=*/false);
  if (profile.is_discarded() || !profile.is_object()) return Error::invalid("seccomp profile: not a JSON object");
  if (!profile.contains("defaultAction") || !profile["defaultAction"].is_string()) {
    return Error::invalid("seccomp profile: defaultAction is missing");
  }
  json out{{"defaultAction", profile["defaultAction"]}};
  if (auto errno_ret = profile.find("defaultErrnoRet"); errno_ret != profile.end() && !errno_ret->is_null()) {
    out["defaultErrnoRet"] = *errno_ret;
  }
  json arches = architectures(profile, host);
  if (!arches.empty()) out["architectures"] = arches;
  if (auto flags = profile.find("flags"); flags != profile.end() && flags->is_array()) out["flags"] = *flags;
  json syscalls = json::array();
  if (auto rules = profile.find("syscalls"); rules != profile.end()) {
    if (!rules->is_array()) return Error::invalid("seccomp profile: syscalls must be an array");
    for (const json& rule : *rules) {
      if (!rule.is_object()) return Error::invalid("seccomp profile: syscalls entries must be objects");
      if (!rule_applies(rule, capabilities, host)) continue;
      json names = rule.contains("names") ? rule["names"] : json::array();
      // The format's older single "name".
      if (auto name = rule.find("name"); name != rule.end() && name->is_string()) names.push_back(*name);
      if (!names.is_array() || names.empty()) return Error::invalid("seccomp profile: a syscalls entry names no syscall");
      json entry{{"names", names}, {"action", rule.value("action", "")}};
      if (auto errno_ret = rule.find("errnoRet"); errno_ret != rule.end() && !errno_ret->is_null()) entry["errnoRet"] = *errno_ret;
      if (auto args = rule.find("args"); args != rule.end() && args->is_array() && !args->empty()) entry["args"] = *args;
      syscalls.push_back(std::move(entry));
    }
  }
  out["syscalls"] = std::move(syscalls);
  return out;
}

}  // namespace gocker::engine
