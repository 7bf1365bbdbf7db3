#include "runtime/mount_plan.hpp"

#include <sys/mount.h>

#include <utility>

namespace gocker::runtime {
namespace {

struct FlagOption {
  const char* name;
  bool clear;  // "rw" clears MS_RDONLY, "suid" clears MS_NOSUID, ...
  unsigned long flag;
};

constexpr FlagOption kFlagOptions[] = {
    {"ro", false, MS_RDONLY},         {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},     {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},       {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},     {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},  {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},   {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},     {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},      {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME}, {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME}, {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME}, {"nostrictatime", true, MS_STRICTATIME},
    {"bind", false, MS_BIND},         {"rbind", false, MS_BIND | MS_REC},
};

struct PropagationOption {
  const char* name;
  unsigned long flags;
};

constexpr PropagationOption kPropagationOptions[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

struct NamedFlag {
  unsigned long flag;
  const char* name;
};

constexpr NamedFlag kFlagNames[] = {
    {MS_RDONLY, "MS_RDONLY"},     {MS_NOSUID, "MS_NOSUID"},       {MS_NODEV, "MS_NODEV"},
    {MS_NOEXEC, "MS_NOEXEC"},     {MS_SYNCHRONOUS, "MS_SYNCHRONOUS"}, {MS_REMOUNT, "MS_REMOUNT"},
    {MS_MANDLOCK, "MS_MANDLOCK"}, {MS_DIRSYNC, "MS_DIRSYNC"},     {MS_NOATIME, "MS_NOATIME"},
    {MS_NODIRATIME, "MS_NODIRATIME"}, {MS_BIND, "MS_BIND"},       {MS_MOVE, "MS_MOVE"},
    {MS_REC, "MS_REC"},           {MS_UNBINDABLE, "MS_UNBINDABLE"}, {MS_PRIVATE, "MS_PRIVATE"},
    {MS_SLAVE, "MS_SLAVE"},       {MS_SHARED, "MS_SHARED"},       {MS_RELATIME, "MS_RELATIME"},
    {MS_STRICTATIME, "MS_STRICTATIME"},
};

MountStep device(const char* target, unsigned int major, unsigned int minor) {
  MountStep step;
  step.kind = MountStepKind::kDevice;
  step.target = target;
  step.device_major = major;
  step.device_minor = minor;
  step.device_mode = 0666;
  return step;
}

MountStep symlink(const char* target, const char* contents) {
  MountStep step;
  step.kind = MountStepKind::kSymlink;
  step.target = target;
  step.source = contents;
  return step;
}

// What runc and crun give every container with its own /dev (runtime-spec "Default Devices" and
// the "Dev symbolic links"). ptmx points into the container's own devpts instance so ptys opened
// inside are private to it.
void append_default_dev(std::vector<MountStep>& plan) {
  plan.push_back(device("/dev/null", 1, 3));
  plan.push_back(device("/dev/zero", 1, 5));
  plan.push_back(device("/dev/full", 1, 7));
  plan.push_back(device("/dev/random", 1, 8));
  plan.push_back(device("/dev/urandom", 1, 9));
  plan.push_back(device("/dev/tty", 5, 0));
  plan.push_back(symlink("/dev/ptmx", "pts/ptmx"));
  plan.push_back(symlink("/dev/fd", "/proc/self/fd"));
  plan.push_back(symlink("/dev/stdin", "/proc/self/fd/0"));
  plan.push_back(symlink("/dev/stdout", "/proc/self/fd/1"));
  plan.push_back(symlink("/dev/stderr", "/proc/self/fd/2"));
}

std::string clean_target(const std::string& path) {
  std::string cleaned;
  for (char c : path) {
    if (c == '/' && !cleaned.empty() && cleaned.back() == '/') continue;
    cleaned.push_back(c);
  }
  while (cleaned.size() > 1 && cleaned.back() == '/') cleaned.pop_back();
  return cleaned;
}

}  // namespace

MountOptions parse_mount_options(const std::vector<std::string>& options) {
  MountOptions parsed;
  for (const std::string& option : options) {
    bool known = false;
    for (const FlagOption& flag : kFlagOptions) {
      if (option == flag.name) {
        if (flag.clear) {
          parsed.flags &= ~flag.flag;
        } else {
          parsed.flags |= flag.flag;
        }
        known = true;
        break;
      }
    }
    for (const PropagationOption& propagation : kPropagationOptions) {
      if (known) break;
      if (option == propagation.name) {
        parsed.propagation = propagation.flags;
        known = true;
      }
    }
    if (known) continue;
    if (!parsed.data.empty()) parsed.data.push_back(',');
    parsed.data.append(option);
  }
  return parsed;
}

std::string mount_flags_to_string(unsigned long flags) {
  std::string out;
  for (const NamedFlag& named : kFlagNames) {
    if (!(flags & named.flag)) continue;
    if (!out.empty()) out.push_back('|');
    out.append(named.name);
    flags &= ~named.flag;
  }
  if (flags != 0) {
    if (!out.empty()) out.push_back('|');
    out.append(std::to_string(flags));
  }
  return out.empty() ? "0" : out;
}

bool MountStep::is_bind() const { return kind == MountStepKind::kMount && (options.flags & MS_BIND); }

bool MountStep::needs_bind_remount() const {
  return is_bind() && (options.flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0;
}

std::vector<MountStep> build_mount_plan(const OciSpec& spec) {
  std::vector<MountStep> plan;
  for (const OciMount& mount : spec.mounts) {
    MountStep step;
    step.kind = MountStepKind::kMount;
    step.source = mount.source;
    step.target = clean_target(mount.destination);
    step.options = parse_mount_options(mount.options);
    // OCI allows type "bind" without a bind option; it means a plain (non-recursive) bind.
    if (mount.type == "bind" && !(step.options.flags & MS_BIND)) step.options.flags |= MS_BIND;
    if (!step.is_bind()) step.fstype = mount.type;
    bool is_dev_tmpfs = step.target == "/dev" && !step.is_bind();
    plan.push_back(std::move(step));
    if (is_dev_tmpfs) append_default_dev(plan);
  }
  for (const OciDevice& device : spec.devices) {
    MountStep step;
    step.kind = MountStepKind::kDevice;
    step.target = clean_target(device.path);
    step.device_major = static_cast<unsigned int>(device.major);
    step.device_minor = static_cast<unsigned int>(device.minor);
    step.device_type = device.type == 'b' ? S_IFBLK : device.type == 'p' ? S_IFIFO : S_IFCHR;
    step.device_mode = device.file_mode.value_or(0666) & 07777;
    step.device_uid = device.uid.value_or(0);
    step.device_gid = device.gid.value_or(0);
    plan.push_back(std::move(step));
  }
  for (const std::string& path : spec.masked_paths) {
    MountStep step;
    step.kind = MountStepKind::kMaskPath;
    step.target = clean_target(path);
    plan.push_back(std::move(step));
  }
  for (const std::string& path : spec.readonly_paths) {
    MountStep step;
    step.kind = MountStepKind::kReadonlyPath;
    step.target = clean_target(path);
    plan.push_back(std::move(step));
  }
  return plan;
}

}  // namespace gocker::runtime
