#include "runtime/mount_apply.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "runtime/cgroup_mount.hpp"
#include "runtime/file_util.hpp"
#include "runtime/sys/syscalls.hpp"

namespace gocker::runtime {
namespace {

std::string fd_path(const UniqueFd& fd) { return "/proc/self/fd/" + std::to_string(fd.get()); }

Status do_mount(const std::string& source, const std::string& mount_point, const std::string& shown_target,
                const std::string& fstype, unsigned long flags, const std::string& data) {
  int result = retry_eintr([&] {
    return ::mount(source.empty() ? nullptr : source.c_str(), mount_point.c_str(),
                   fstype.empty() ? nullptr : fstype.c_str(), flags, data.empty() ? nullptr : data.c_str());
  });
  if (result != 0) {
    return Error::from_errno(errno, "mount " + gocker::quoted(source) + " on " + gocker::quoted(shown_target) + " (type " +
                                        gocker::quoted(fstype) + ", flags " + mount_flags_to_string(flags) + ", data " +
                                        gocker::quoted(data) + ")");
  }
  return ok();
}

// A bind remount (ro, nosuid, ...) of `mount_point`. In a user namespace the flags a mount came with
// from a more privileged namespace (nosuid, nodev, noexec, atime: a host /tmp's, a volume's) are
// locked, and a remount that would clear one fails with EPERM; the retry keeps those the mount has.
Status bind_remount(const std::string& mount_point, const std::string& shown_target, unsigned long flags) {
  Status first = do_mount("", mount_point, shown_target, "", flags, "");
  if (first || first.error().sys_errno != EPERM) return first;
  struct statvfs current {};
  if (::statvfs(mount_point.c_str(), &current) != 0) return first;
  static constexpr std::pair<unsigned long, unsigned long> kLockable[] = {
      {ST_NOSUID, MS_NOSUID}, {ST_NODEV, MS_NODEV}, {ST_NOEXEC, MS_NOEXEC}, {ST_NOATIME, MS_NOATIME},
      {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}, {ST_RDONLY, MS_RDONLY}};
  unsigned long kept = flags;
  for (auto [statvfs_flag, mount_flag] : kLockable) {
    if (current.f_flag & statvfs_flag) kept |= mount_flag;
  }
  if (kept == flags) return first;
  return do_mount("", mount_point, shown_target, "", kept, "");
}

// Opens `path` (absolute, inside the container) below root_fd as an O_PATH fd. "/" and ".." can
// not climb out of the root, whatever symlinks the image contains.
Result<UniqueFd> open_in_root(int root_fd, const std::string& path) {
  struct open_how how {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string relative = path.size() > 1 ? path.substr(1) : ".";
  int fd = retry_eintr([&] { return sys::openat2(root_fd, relative.c_str(), &how); });
  if (fd < 0) return Error::from_errno(errno, "open " + gocker::quoted(path) + " in container root");
  return UniqueFd{fd};
}

enum class TargetKind { kDirectory, kFile };

// Opens `path`, creating missing directories on the way and the last component as `kind`.
Result<UniqueFd> ensure_target(int root_fd, const std::string& path, TargetKind kind) {
  auto existing = open_in_root(root_fd, path);
  if (existing || existing.error().sys_errno != ENOENT) return existing;
  std::vector<std::string> components;
  for (std::string& part : split(path, '/')) {
    if (!part.empty() && part != ".") components.push_back(std::move(part));
  }
  std::string prefix;
  auto parent = open_in_root(root_fd, "/");
  if (!parent) return parent;
  for (size_t index = 0; index < components.size(); ++index) {
    const std::string& name = components[index];
    prefix += "/" + name;
    auto current = open_in_root(root_fd, prefix);
    if (!current) {
      if (current.error().sys_errno != ENOENT) return current;
      bool is_last = index + 1 == components.size();
      if (is_last && kind == TargetKind::kFile) {
        int created = retry_eintr([&] {
          return ::openat(parent->get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        });
        if (created < 0 && errno != EEXIST) return Error::from_errno(errno, "create mount target " + gocker::quoted(prefix));
        if (created >= 0) ::close(created);
      } else if (::mkdirat(parent->get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
        return Error::from_errno(errno, "create mount target directory " + gocker::quoted(prefix));
      }
      current = open_in_root(root_fd, prefix);
      if (!current) return current;
    }
    parent = std::move(current);
  }
  return parent;
}

// The parent directory of `path` (created if missing) and the last component's name.
Result<std::pair<UniqueFd, std::string>> ensure_parent(int root_fd, const std::string& path) {
  size_t slash = path.rfind('/');
  std::string directory = slash == 0 ? "/" : path.substr(0, slash);
  auto parent = ensure_target(root_fd, directory, TargetKind::kDirectory);
  if (!parent) return std::move(parent).error();
  return std::pair<UniqueFd, std::string>{std::move(*parent), path.substr(slash + 1)};
}

Status apply_cgroup_mount(int root_fd, const MountStep& step);

Status apply_mount(int root_fd, const MountStep& step) {
  if (step.fstype == "cgroup" && !step.is_bind()) return apply_cgroup_mount(root_fd, step);
  TargetKind kind = TargetKind::kDirectory;
  std::string source = step.source_fd >= 0 ? "/proc/self/fd/" + std::to_string(step.source_fd) : step.source;
  if (step.is_bind()) {
    struct stat source_stat {};
    if (::stat(source.c_str(), &source_stat) != 0) {
      return Error::from_errno(errno, "bind mount source " + gocker::quoted(step.source));
    }
    if (!S_ISDIR(source_stat.st_mode)) kind = TargetKind::kFile;
  }
  auto target = ensure_target(root_fd, step.target, kind);
  if (!target) return std::move(target).error();
  const MountOptions& options = step.options;
  if (step.is_bind()) {
    // A bind ignores all other flags; they are applied with a remount of the new mount below.
    GOCKER_TRY(do_mount(source, fd_path(*target), step.target, "", options.flags & (MS_BIND | MS_REC), ""));
  } else {
    GOCKER_TRY(do_mount(step.source, fd_path(*target), step.target, step.fstype, options.flags, options.data));
  }
  if (!step.needs_bind_remount() && options.propagation == 0) return ok();
  // The O_PATH fd still names the directory *under* the new mount; reopen to reach the mount.
  auto mounted = open_in_root(root_fd, step.target);
  if (!mounted) return std::move(mounted).error();
  if (step.needs_bind_remount()) {
    unsigned long flags = MS_BIND | MS_REMOUNT | (options.flags & ~(MS_BIND | MS_REC | MS_REMOUNT));
    GOCKER_TRY(bind_remount(fd_path(*mounted), step.target, flags));
  }
  if (options.propagation != 0) GOCKER_TRY(do_mount("", fd_path(*mounted), step.target, "", options.propagation, ""));
  return ok();
}

Status bind_host_device(int parent_fd, const std::string& name, const MountStep& step) {
  struct stat host {};
  if (::stat(step.target.c_str(), &host) != 0) {
    return Error::from_errno(errno, "create device " + gocker::quoted(step.target) +
                                        " (mknod is not permitted, and the host has no node to bind)");
  }
  if ((host.st_mode & S_IFMT) != step.device_type ||
      (step.device_type != S_IFIFO && host.st_rdev != makedev(step.device_major, step.device_minor))) {
    return Error::invalid("create device " + gocker::quoted(step.target) +
                          ": mknod is not permitted, and the host's node at that path is another device");
  }
  UniqueFd placeholder{::openat(parent_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0000)};
  if (!placeholder && errno != EEXIST) return Error::from_errno(errno, "create device " + gocker::quoted(step.target));
  UniqueFd target{::openat(parent_fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC)};
  if (!target) return Error::from_errno(errno, "open device placeholder " + gocker::quoted(step.target));
  return do_mount(step.target, fd_path(target), step.target, "", MS_BIND, "");
}

Status apply_device(int root_fd, const MountStep& step) {
  auto parent = ensure_parent(root_fd, step.target);
  if (!parent) return std::move(parent).error();
  dev_t device = makedev(step.device_major, step.device_minor);
  if (::mknodat(parent->first.get(), parent->second.c_str(), step.device_type | step.device_mode, device) != 0) {
    if (errno == EEXIST) return ok();
    // A user namespace never may create device nodes: the host's node at the same path is bound in
    // instead (as runc does). Its owner and mode are the host's, so there is nothing to chown.
    if (errno == EPERM) return bind_host_device(parent->first.get(), parent->second, step);
    return Error::from_errno(errno, "create device " + gocker::quoted(step.target));
  }
  if ((step.device_uid != 0 || step.device_gid != 0) &&
      ::fchownat(parent->first.get(), parent->second.c_str(), step.device_uid, step.device_gid, AT_SYMLINK_NOFOLLOW) != 0) {
    return Error::from_errno(errno, "chown device " + gocker::quoted(step.target));
  }
  return ok();
}

Status apply_symlink(int root_fd, const MountStep& step) {
  auto parent = ensure_parent(root_fd, step.target);
  if (!parent) return std::move(parent).error();
  if (::symlinkat(step.source.c_str(), parent->first.get(), parent->second.c_str()) != 0 && errno != EEXIST) {
    return Error::from_errno(errno, "create symlink " + gocker::quoted(step.target) + " -> " + gocker::quoted(step.source));
  }
  return ok();
}

Status apply_mask(int root_fd, const MountStep& step) {
  auto target = open_in_root(root_fd, step.target);
  if (!target) return target.error().sys_errno == ENOENT ? ok() : Status{std::move(target).error()};
  struct stat target_stat {};
  if (::fstat(target->get(), &target_stat) != 0) return Error::from_errno(errno, "stat " + gocker::quoted(step.target));
  if (S_ISDIR(target_stat.st_mode)) {
    return do_mount("tmpfs", fd_path(*target), step.target, "tmpfs", MS_RDONLY, "");
  }
  return do_mount("/dev/null", fd_path(*target), step.target, "", MS_BIND, "");
}

Status apply_readonly(int root_fd, const MountStep& step) {
  auto target = open_in_root(root_fd, step.target);
  if (!target) return target.error().sys_errno == ENOENT ? ok() : Status{std::move(target).error()};
  GOCKER_TRY(do_mount(fd_path(*target), fd_path(*target), step.target, "", MS_BIND | MS_REC, ""));
  auto mounted = open_in_root(root_fd, step.target);
  if (!mounted) return std::move(mounted).error();
  return bind_remount(fd_path(*mounted), step.target, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC);
}

// A "cgroup" mount (cgroup_mount.hpp): the container's own cgroup in each hierarchy, bound from
// the host's tree with the mount's flags; on a v1 or hybrid host inside a tmpfs, as the host has.
Status apply_cgroup_mount(int root_fd, const MountStep& step) {
  const std::string cgroup_root = "/sys/fs/cgroup";
  auto mountinfo = read_file("/proc/self/mountinfo");
  if (!mountinfo) return std::move(mountinfo).error();
  auto self_cgroup = read_file("/proc/self/cgroup");
  if (!self_cgroup) return std::move(self_cgroup).error();
  auto plan = plan_cgroup_mount(*mountinfo, *self_cgroup, cgroup_root);
  if (!plan) return std::move(plan).error();
  const unsigned long flags = step.options.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
  auto bind = [&](const std::string& source, const std::string& target) -> Status {
    auto opened = ensure_target(root_fd, target, TargetKind::kDirectory);
    if (!opened) return std::move(opened).error();
    GOCKER_TRY(do_mount(source, fd_path(*opened), target, "", MS_BIND, ""));
    auto mounted = open_in_root(root_fd, target);
    if (!mounted) return std::move(mounted).error();
    return do_mount("", fd_path(*mounted), target, "", MS_BIND | MS_REMOUNT | flags, "");
  };
  if (plan->unified_root) return bind(plan->binds.front().source, step.target);

  auto target = ensure_target(root_fd, step.target, TargetKind::kDirectory);
  if (!target) return std::move(target).error();
  // Filled while writable; the mount's own flags (ro) come with a remount once it is complete.
  GOCKER_TRY(do_mount("tmpfs", fd_path(*target), step.target, "tmpfs", flags & ~MS_RDONLY, "mode=755"));
  for (const CgroupBind& hierarchy : plan->binds) GOCKER_TRY(bind(hierarchy.source, step.target + "/" + hierarchy.name));
  // The host's links between co-mounted controllers ("cpu -> cpu,cpuacct"): names only, nothing
  // that leads elsewhere.
  auto mounted = open_in_root(root_fd, step.target);
  if (!mounted) return std::move(mounted).error();
  if (DIR* directory = ::opendir(cgroup_root.c_str())) {
    while (struct dirent* entry = ::readdir(directory)) {
      if (entry->d_type != DT_LNK) continue;
      char link[256];
      const ssize_t length = ::readlinkat(::dirfd(directory), entry->d_name, link, sizeof link - 1);
      if (length <= 0 || std::string_view(link, static_cast<size_t>(length)).find('/') != std::string_view::npos) continue;
      link[length] = '\0';
      if (::symlinkat(link, mounted->get(), entry->d_name) != 0 && errno != EEXIST) {
        ::closedir(directory);
        return Error::from_errno(errno, "create symlink " + gocker::quoted(step.target + "/" + entry->d_name));
      }
    }
    ::closedir(directory);
  }
  if (!(flags & MS_RDONLY)) return ok();
  return do_mount("", fd_path(*mounted), step.target, "", MS_REMOUNT | flags, "mode=755");
}

}  // namespace

Status make_rprivate() { return do_mount("", "/", "/", "", MS_REC | MS_PRIVATE, ""); }

Status bind_rootfs(const std::string& root) { return do_mount(root, root, root, "", MS_BIND | MS_REC, ""); }

Result<std::vector<UniqueFd>> pre_open_bind_sources(std::vector<MountStep>& plan) {
  std::vector<UniqueFd> opened;
  for (MountStep& step : plan) {
    if (step.kind != MountStepKind::kMount || !step.is_bind()) continue;
    UniqueFd source{::open(step.source.c_str(), O_PATH | O_CLOEXEC)};
    if (!source) return Error::from_errno(errno, "bind mount source " + gocker::quoted(step.source));
    step.source_fd = source.get();
    opened.push_back(std::move(source));
  }
  return opened;
}

Result<UniqueFd> open_rootfs(const std::string& root) {
  UniqueFd root_fd{::open(root.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC)};
  if (!root_fd) return Error::from_errno(errno, "open rootfs " + gocker::quoted(root));
  return root_fd;
}

Status apply_mount_plan(const UniqueFd& root_fd, const std::vector<MountStep>& plan) {
  for (const MountStep& step : plan) {
    switch (step.kind) {
      case MountStepKind::kMount: GOCKER_TRY(apply_mount(root_fd.get(), step)); break;
      case MountStepKind::kDevice: GOCKER_TRY(apply_device(root_fd.get(), step)); break;
      case MountStepKind::kSymlink: GOCKER_TRY(apply_symlink(root_fd.get(), step)); break;
      case MountStepKind::kMaskPath: GOCKER_TRY(apply_mask(root_fd.get(), step)); break;
      case MountStepKind::kReadonlyPath: GOCKER_TRY(apply_readonly(root_fd.get(), step)); break;
    }
  }
  return ok();
}

Status pivot_into(const UniqueFd& root_fd) {
  // runc's trick: pivot_root(".", ".") stacks the old root on top of the new one at "/", so no
  // put_old directory is needed inside the image; unmounting "." then removes the old root.
  if (::fchdir(root_fd.get()) != 0) return Error::from_errno(errno, "chdir to rootfs");
  if (sys::pivot_root(".", ".") != 0) return Error::from_errno(errno, "pivot_root to rootfs");
  if (::umount2(".", MNT_DETACH) != 0) return Error::from_errno(errno, "unmount old root");
  if (::chdir("/") != 0) return Error::from_errno(errno, "chdir to new root");
  return ok();
}

Status set_root_propagation(unsigned long propagation) { return do_mount("", "/", "/", "", propagation, ""); }

Status remount_root_readonly() { return bind_remount("/", "/", MS_BIND | MS_REMOUNT | MS_RDONLY); }

}  // namespace gocker::runtime
