#pragma once
// The container's filesystem setup as plain data (plan), separate from the syscalls that carry it
// out (mount_apply.hpp). The plan is built from config.json alone and unit-tested; applying it is
// integration-tested on the real kernel.
#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime/oci_config.hpp"

namespace gocker::runtime {

// mount(2) flags and data parsed from an OCI mount's options list (runc's table).
struct MountOptions {
  unsigned long flags = 0;        // MS_RDONLY, MS_NOSUID, ... and MS_BIND|MS_REC for (r)bind
  unsigned long propagation = 0;  // MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE, maybe | MS_REC
  std::string data;               // everything mount(2) does not take as a flag: "mode=755,size=64k"
};
MountOptions parse_mount_options(const std::vector<std::string>& options);
// "MS_RDONLY|MS_NOSUID", for error messages.
std::string mount_flags_to_string(unsigned long flags);

enum class MountStepKind {
  kMount,         // a filesystem or bind mount at target
  kDevice,        // a character device node (default devices in a tmpfs /dev)
  kSymlink,       // target -> source
  kMaskPath,      // hide target: /dev/null over a file, a read-only empty tmpfs over a directory
  kReadonlyPath,  // bind target onto itself read-only
};

struct MountStep {
  MountStepKind kind = MountStepKind::kMount;
  std::string source;  // kMount: source; kSymlink: the link's contents
  std::string target;  // absolute path inside the container's root
  std::string fstype;  // kMount only
  MountOptions options;
  unsigned int device_major = 0;  // kDevice only
  unsigned int device_minor = 0;
  mode_t device_mode = 0666;
  mode_t device_type = S_IFCHR;  // S_IFCHR, S_IFBLK or S_IFIFO
  uid_t device_uid = 0;
  gid_t device_gid = 0;
  // A bind's source opened beforehand (pre_open_bind_sources), or -1: the mount goes through it.
  int source_fd = -1;

  bool is_bind() const;
  // A bind mount ignores every flag but MS_BIND|MS_REC on the first call; ro, nosuid, ... need a
  // second MS_REMOUNT call.
  bool needs_bind_remount() const;
};

// The ordered steps: the config's mounts in order; right after a non-bind /dev mount, the devices
// and links every container expects (null, zero, full, random, urandom, tty, ptmx -> pts/ptmx,
// fd, stdin, stdout, stderr); then linux.devices; then masked paths; then read-only paths.
std::vector<MountStep> build_mount_plan(const OciSpec& spec);

}  // namespace gocker::runtime
