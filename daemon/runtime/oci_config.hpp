#pragma once
// The subset of the OCI runtime spec 1.1 (config.json) gocker's runtime carries out, as plain data.
// https://github.com/opencontainers/runtime-spec/blob/v1.1.0/config.md
//
// Anything the runtime does for a container is decided by this struct; nothing else crosses the
// engine/runtime seam. Fields gocker does not implement are ignored, as runtimes do for unknown
// fields; fields it implements are validated (wrong type -> InvalidArgument naming the field).
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"
#include "runtime/hooks.hpp"
#include "runtime/security/security_config.hpp"
#include "runtime/user_namespace.hpp"

namespace gocker::runtime {

// OCI has no notion of a stdin kept open for later attaches; gocker carries Docker's OpenStdin and
// StdinOnce as annotations ("true"/"false").
inline constexpr std::string_view kOpenStdinAnnotation = "org.gocker.open-stdin";
inline constexpr std::string_view kStdinOnceAnnotation = "org.gocker.stdin-once";

struct OciUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
};

struct OciProcess {
  bool terminal = false;
  OciUser user;
  std::vector<std::string> args;
  std::vector<std::string> env;  // "KEY=value"
  std::string cwd = "/";
  ProcessSecurity security;  // capabilities, no_new_privs, rlimits, oom_score_adj, seccomp
};

struct OciMount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
};

// linux.devices: a node created in the container's /dev.
struct OciDevice {
  std::string path;
  char type = 'c';  // 'c', 'b', 'u' (unbuffered char) or 'p' (fifo)
  int64_t major = 0;
  int64_t minor = 0;
  std::optional<uint32_t> file_mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
};

enum class NamespaceType { Pid, Mount, Uts, Ipc, Network, User, Cgroup };

struct OciSpec {
  OciProcess process;
  std::string root_path;  // absolute, or relative to the bundle dir
  bool root_readonly = false;
  std::string hostname;
  std::vector<OciMount> mounts;
  std::vector<NamespaceType> namespaces;
  std::string cgroups_path;  // relative to each hierarchy's root; empty: no cgroup
  CgroupLimits resources;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  bool open_stdin = false;
  bool stdin_once = false;
  // Parsed by oci_config_extras.cpp (a standalone runtime's concerns).
  std::map<std::string, std::string> annotations;
  // linux.namespaces entries with a path: joined with setns instead of created (also listed in
  // `namespaces`, since the container has that namespace either way).
  std::vector<std::pair<NamespaceType, std::string>> namespace_paths;
  unsigned long rootfs_propagation = 0;  // linux.rootfsPropagation as mount flags; 0: unset
  bool joins_namespace(NamespaceType type) const;
  OciHooks hooks;
  std::map<std::string, std::string> sysctl;  // linux.sysctl
  std::vector<OciDevice> devices;             // linux.devices
  // linux.uidMappings/gidMappings: set exactly when the container gets a new user namespace.
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
  bool creates_user_namespace() const { return has_namespace(NamespaceType::User) && !joins_namespace(NamespaceType::User); }

  bool has_namespace(NamespaceType type) const;
};

// Parses config.json text. `bundle_dir` makes a relative root.path absolute.
Result<OciSpec> parse_oci_config(std::string_view json_text, const std::string& bundle_dir);
Result<OciSpec> load_oci_config(const std::string& bundle_dir);

}  // namespace gocker::runtime
