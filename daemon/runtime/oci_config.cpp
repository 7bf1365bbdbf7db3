#include "runtime/oci_config.hpp"

#include <fcntl.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "runtime/config_reader.hpp"
#include "runtime/file_util.hpp"
#include "runtime/oci_config_extras.hpp"

namespace gocker::runtime {
namespace {

using nlohmann::json;

Result<NamespaceType> namespace_from_name(const std::string& name) {
  if (name == "pid") return NamespaceType::Pid;
  if (name == "mount") return NamespaceType::Mount;
  if (name == "uts") return NamespaceType::Uts;
  if (name == "ipc") return NamespaceType::Ipc;
  if (name == "network") return NamespaceType::Network;
  if (name == "user") return NamespaceType::User;
  if (name == "cgroup") return NamespaceType::Cgroup;
  return Error::invalid("config.json linux.namespaces: unknown namespace type " + gocker::quoted(name));
}

// `seccomp` is linux.seccomp (or null): OCI keeps it there, gocker with the process's other security settings.
Status parse_process(ConfigReader& reader, const json& process, const json* seccomp, OciProcess& out) {
  if (!process.is_object()) return Error::invalid("config.json field process: must be an object");
  GOCKER_TRY(reader.bool_field(process, "terminal", "process", out.terminal));
  GOCKER_TRY(reader.string_array(process, "args", "process", out.args));
  GOCKER_TRY(reader.string_array(process, "env", "process", out.env));
  GOCKER_TRY(reader.string_field(process, "cwd", "process", out.cwd));
  if (const json* user = reader.object_field(process, "user")) {
    std::optional<uint32_t> uid, gid;
    GOCKER_TRY(reader.integer_field(*user, "uid", "process.user", uid));
    GOCKER_TRY(reader.integer_field(*user, "gid", "process.user", gid));
    out.user.uid = uid.value_or(0);
    out.user.gid = gid.value_or(0);
    if (const json* gids = reader.object_field(*user, "additionalGids")) {
      if (!gids->is_array()) return Error::invalid("config.json field process.user.additionalGids: must be an array");
      for (const json& item : *gids) {
        if (!item.is_number_unsigned()) {
          return Error::invalid("config.json field process.user.additionalGids: must be non-negative integers");
        }
        out.user.additional_gids.push_back(item.get<gid_t>());
      }
    }
  }
  GOCKER_TRY(parse_process_security(reader, process, seccomp, out.security));
  if (out.args.empty()) return Error::invalid("config.json field process.args: must not be empty");
  if (out.cwd.empty() || out.cwd.front() != '/') {
    return Error::invalid("config.json field process.cwd: must be an absolute path, got " + gocker::quoted(out.cwd));
  }
  return ok();
}

Status parse_resources(ConfigReader& reader, const json& resources, CgroupLimits& out) {
  if (const json* memory = reader.object_field(resources, "memory")) {
    GOCKER_TRY(reader.integer_field(*memory, "limit", "linux.resources.memory", out.memory_limit));
    GOCKER_TRY(reader.integer_field(*memory, "swap", "linux.resources.memory", out.memory_swap));
  }
  if (const json* cpu = reader.object_field(resources, "cpu")) {
    GOCKER_TRY(reader.integer_field(*cpu, "shares", "linux.resources.cpu", out.cpu_shares));
    GOCKER_TRY(reader.integer_field(*cpu, "quota", "linux.resources.cpu", out.cpu_quota));
    GOCKER_TRY(reader.integer_field(*cpu, "period", "linux.resources.cpu", out.cpu_period));
    GOCKER_TRY(reader.string_field(*cpu, "cpus", "linux.resources.cpu", out.cpuset_cpus));
    GOCKER_TRY(reader.string_field(*cpu, "mems", "linux.resources.cpu", out.cpuset_mems));
  }
  if (const json* pids = reader.object_field(resources, "pids")) {
    GOCKER_TRY(reader.integer_field(*pids, "limit", "linux.resources.pids", out.pids_limit));
  }
  if (const json* devices = reader.object_field(resources, "devices")) {
    if (!devices->is_array()) return Error::invalid("config.json field linux.resources.devices: must be an array");
    for (const json& entry : *devices) {
      if (!entry.is_object()) return Error::invalid("config.json field linux.resources.devices: entries must be objects");
      DeviceRule rule;
      GOCKER_TRY(reader.bool_field(entry, "allow", "linux.resources.devices[]", rule.allow));
      std::string type = "a";
      GOCKER_TRY(reader.string_field(entry, "type", "linux.resources.devices[]", type));
      if (type != "a" && type != "c" && type != "b") {
        return Error::invalid("config.json field linux.resources.devices[].type: must be a, c or b");
      }
      rule.type = type[0];
      GOCKER_TRY(reader.integer_field(entry, "major", "linux.resources.devices[]", rule.major));
      GOCKER_TRY(reader.integer_field(entry, "minor", "linux.resources.devices[]", rule.minor));
      GOCKER_TRY(reader.string_field(entry, "access", "linux.resources.devices[]", rule.access));
      if (rule.access.empty() || rule.access.find_first_not_of("rwm") != std::string::npos) {
        return Error::invalid("config.json field linux.resources.devices[].access: must be letters of \"rwm\"");
      }
      out.devices.push_back(std::move(rule));
    }
  }
  return ok();
}

Status parse_id_mappings(ConfigReader& reader, const json& linux_section, const char* key, std::vector<IdMapping>& out) {
  const json* mappings = reader.object_field(linux_section, key);
  if (!mappings) return ok();
  std::string where = std::string("linux.") + key;
  if (!mappings->is_array()) return Error::invalid("config.json field " + where + ": must be an array");
  for (const json& entry : *mappings) {
    if (!entry.is_object()) return Error::invalid("config.json field " + where + ": entries must be objects");
    std::optional<uint32_t> container_id, host_id, size;
    GOCKER_TRY(reader.integer_field(entry, "containerID", where + "[]", container_id));
    GOCKER_TRY(reader.integer_field(entry, "hostID", where + "[]", host_id));
    GOCKER_TRY(reader.integer_field(entry, "size", where + "[]", size));
    if (!container_id || !host_id || !size) {
      return Error::invalid("config.json " + where + "[]: containerID, hostID and size are required");
    }
    out.push_back({*container_id, *host_id, *size});
  }
  return check_id_mappings(out, "config.json field " + where);
}

// A new user namespace needs both maps (the kernel leaves every id unmapped otherwise); maps with
// no namespace to apply them to are a mistake worth naming, as runc does.
Status check_user_namespace(const OciSpec& spec) {
  bool has_mappings = !spec.uid_mappings.empty() || !spec.gid_mappings.empty();
  if (spec.creates_user_namespace()) {
    if (spec.uid_mappings.empty() || spec.gid_mappings.empty()) {
      return Error::invalid("config.json: a new user namespace needs linux.uidMappings and linux.gidMappings");
    }
  } else if (has_mappings && !spec.has_namespace(NamespaceType::User)) {
    // (With a user namespace joined by path they must match its maps: checked at start, when the
    // namespace is entered.)
    return Error::invalid("config.json: linux.uidMappings/gidMappings given without a user namespace");
  }
  return ok();
}

Status parse_linux(ConfigReader& reader, const json& linux_section, OciSpec& out) {
  if (const json* namespaces = reader.object_field(linux_section, "namespaces")) {
    if (!namespaces->is_array()) return Error::invalid("config.json field linux.namespaces: must be an array");
    for (const json& entry : *namespaces) {
      std::string type;
      if (!entry.is_object()) return Error::invalid("config.json field linux.namespaces: entries must be objects");
      GOCKER_TRY(reader.string_field(entry, "type", "linux.namespaces[]", type));
      std::string path;
      GOCKER_TRY(reader.string_field(entry, "path", "linux.namespaces[]", path));
      auto parsed = namespace_from_name(type);
      if (!parsed) return std::move(parsed).error();
      out.namespaces.push_back(*parsed);
      // A namespace with a path is joined (namespace_join.hpp), not created.
      if (!path.empty()) out.namespace_paths.push_back({*parsed, path});
    }
  }
  GOCKER_TRY(parse_id_mappings(reader, linux_section, "uidMappings", out.uid_mappings));
  GOCKER_TRY(parse_id_mappings(reader, linux_section, "gidMappings", out.gid_mappings));
  GOCKER_TRY(check_user_namespace(out));
  GOCKER_TRY(reader.string_field(linux_section, "cgroupsPath", "linux", out.cgroups_path));
  // cgroupfs-style paths are written absolute ("/gocker/<id>") but mean "below each hierarchy's root".
  while (!out.cgroups_path.empty() && out.cgroups_path.front() == '/') out.cgroups_path.erase(0, 1);
  if (out.cgroups_path.find("..") != std::string::npos) {
    return Error::invalid("config.json field linux.cgroupsPath: must not contain \"..\"");
  }
  if (const json* resources = reader.object_field(linux_section, "resources")) {
    GOCKER_TRY(parse_resources(reader, *resources, out.resources));
  }
  GOCKER_TRY(reader.string_array(linux_section, "maskedPaths", "linux", out.masked_paths));
  GOCKER_TRY(reader.string_array(linux_section, "readonlyPaths", "linux", out.readonly_paths));
  if (const json* devices = reader.object_field(linux_section, "devices")) {
    if (!devices->is_array()) return Error::invalid("config.json field linux.devices: must be an array");
    for (const json& entry : *devices) {
      if (!entry.is_object()) return Error::invalid("config.json field linux.devices: entries must be objects");
      OciDevice device;
      std::string type;
      GOCKER_TRY(reader.string_field(entry, "path", "linux.devices[]", device.path));
      GOCKER_TRY(reader.string_field(entry, "type", "linux.devices[]", type));
      if (device.path.empty() || device.path.front() != '/') {
        return Error::invalid("config.json field linux.devices[].path: must be an absolute path");
      }
      if (type != "c" && type != "b" && type != "u" && type != "p") {
        return Error::invalid("config.json field linux.devices[].type: must be c, b, u or p");
      }
      device.type = type[0];
      std::optional<int64_t> major, minor;
      GOCKER_TRY(reader.integer_field(entry, "major", "linux.devices[]", major));
      GOCKER_TRY(reader.integer_field(entry, "minor", "linux.devices[]", minor));
      if (device.type != 'p' && (!major || !minor)) {
        return Error::invalid("config.json linux.devices[]: " + device.path + " needs major and minor");
      }
      device.major = major.value_or(0);
      device.minor = minor.value_or(0);
      GOCKER_TRY(reader.integer_field(entry, "fileMode", "linux.devices[]", device.file_mode));
      GOCKER_TRY(reader.integer_field(entry, "uid", "linux.devices[]", device.uid));
      GOCKER_TRY(reader.integer_field(entry, "gid", "linux.devices[]", device.gid));
      out.devices.push_back(std::move(device));
    }
  }
  if (const json* sysctl = reader.object_field(linux_section, "sysctl")) {
    if (!sysctl->is_object()) return Error::invalid("config.json field linux.sysctl: must be an object");
    for (const auto& [key, value] : sysctl->items()) {
      if (!value.is_string()) return Error::invalid("config.json field linux.sysctl." + key + ": must be a string");
      out.sysctl[key] = value.get<std::string>();
    }
  }
  return ok();
}

Result<bool> annotation_flag(const json& annotations, std::string_view key) {
  auto it = annotations.find(std::string(key));
  if (it == annotations.end()) return false;
  if (it->is_string()) {
    if (*it == "true") return true;
    if (*it == "false") return false;
  }
  return Error::invalid("config.json annotation " + gocker::quoted(key) + ": must be \"true\" or \"false\"");
}

}  // namespace

bool OciSpec::has_namespace(NamespaceType type) const {
  return std::find(namespaces.begin(), namespaces.end(), type) != namespaces.end();
}

Result<OciSpec> parse_oci_config(std::string_view json_text, const std::string& bundle_dir) {
  json document = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return Error::invalid("parse config.json: malformed JSON");
  if (!document.is_object()) return Error::invalid("parse config.json: top level must be an object");
  ConfigReader reader;
  OciSpec spec;
  const json* process = reader.object_field(document, "process");
  if (!process) return Error::invalid("config.json: process is required");
  const json* linux_section = reader.object_field(document, "linux");
  const json* seccomp = linux_section && linux_section->is_object() ? reader.object_field(*linux_section, "seccomp") : nullptr;
  GOCKER_TRY(parse_process(reader, *process, seccomp, spec.process));
  const json* root = reader.object_field(document, "root");
  if (!root) return Error::invalid("config.json: root is required");
  GOCKER_TRY(reader.string_field(*root, "path", "root", spec.root_path));
  GOCKER_TRY(reader.bool_field(*root, "readonly", "root", spec.root_readonly));
  if (spec.root_path.empty()) return Error::invalid("config.json field root.path: must not be empty");
  if (spec.root_path.front() != '/') spec.root_path = bundle_dir + "/" + spec.root_path;
  GOCKER_TRY(reader.string_field(document, "hostname", "", spec.hostname));
  if (const json* mounts = reader.object_field(document, "mounts")) {
    if (!mounts->is_array()) return Error::invalid("config.json field mounts: must be an array");
    for (const json& entry : *mounts) {
      if (!entry.is_object()) return Error::invalid("config.json field mounts: entries must be objects");
      OciMount mount;
      GOCKER_TRY(reader.string_field(entry, "destination", "mounts[]", mount.destination));
      GOCKER_TRY(reader.string_field(entry, "type", "mounts[]", mount.type));
      GOCKER_TRY(reader.string_field(entry, "source", "mounts[]", mount.source));
      GOCKER_TRY(reader.string_array(entry, "options", "mounts[]", mount.options));
      if (mount.destination.empty() || mount.destination.front() != '/') {
        return Error::invalid("config.json mounts[]: destination must be an absolute path, got " +
                              gocker::quoted(mount.destination));
      }
      spec.mounts.push_back(std::move(mount));
    }
  }
  if (linux_section) {
    if (!linux_section->is_object()) return Error::invalid("config.json field linux: must be an object");
    GOCKER_TRY(parse_linux(reader, *linux_section, spec));
  }
  if (const json* annotations = reader.object_field(document, "annotations")) {
    if (!annotations->is_object()) return Error::invalid("config.json field annotations: must be an object");
    auto open_stdin = annotation_flag(*annotations, kOpenStdinAnnotation);
    if (!open_stdin) return std::move(open_stdin).error();
    auto stdin_once = annotation_flag(*annotations, kStdinOnceAnnotation);
    if (!stdin_once) return std::move(stdin_once).error();
    spec.open_stdin = *open_stdin;
    spec.stdin_once = *stdin_once;
  }
  GOCKER_TRY(parse_config_extras(document, spec));
  return spec;
}

Result<OciSpec> load_oci_config(const std::string& bundle_dir) {
  std::string path = bundle_dir + "/config.json";
  auto text = read_file(path);
  if (!text) return std::move(text).error();
  auto spec = parse_oci_config(*text, bundle_dir);
  if (!spec) return std::move(spec).error().context("load " + gocker::quoted(path));
  return spec;
}

}  // namespace gocker::runtime
