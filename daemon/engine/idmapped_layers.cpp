#include "engine/idmapped_layers.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "runtime/sys/syscalls.hpp"
#include "runtime/user_namespace.hpp"

namespace gocker::engine {

Result<UniqueFd> create_mapping_user_namespace(const IdRemap& remap) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Error::from_errno(errno, "create a user namespace for the remap: pipe");
  UniqueFd hold_read{pipe_fds[0]};
  UniqueFd hold_write{pipe_fds[1]};
  // The child only exists to be in the new namespace while its maps are written and the namespace
  // file is opened; it waits for the pipe to close and exits. Raw syscalls only: the daemon has
  // other threads, whose locks a forked child must never touch.
  struct clone_args args {};
  args.flags = CLONE_NEWUSER;
  args.exit_signal = SIGCHLD;
  pid_t child = runtime::sys::clone3(&args);
  if (child < 0) return Error::from_errno(errno, "create a user namespace for the remap");
  if (child == 0) {
    ::close(pipe_fds[1]);
    char byte;
    while (::read(pipe_fds[0], &byte, 1) < 0 && errno == EINTR) {
    }
    ::_exit(0);
  }
  hold_read.reset();
  ScopeGuard reap([&] {
    hold_write.reset();
    while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
    }
  });
  GOCKER_TRY(runtime::write_id_maps(child, remap.uids, remap.gids));
  const std::string path = "/proc/" + std::to_string(child) + "/ns/user";
  UniqueFd userns{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!userns) return Error::from_errno(errno, "open " + path);
  return userns;
}

Result<IdmappedLayerBinds> IdmappedLayerBinds::create(const std::vector<std::string>& layers, int userns_fd,
                                                      const std::string& scratch_dir) {
  if (::mkdir(scratch_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Error::from_errno(errno, "mkdir " + quoted(scratch_dir));
  IdmappedLayerBinds binds(scratch_dir);
  for (size_t index = 0; index < layers.size(); ++index) {
    const std::string& layer = layers[index];
    const std::string target = scratch_dir + "/" + std::to_string(index);
    if (::mkdir(target.c_str(), 0700) != 0 && errno != EEXIST) return Error::from_errno(errno, "mkdir " + quoted(target));
    binds.paths_.push_back(target);
    binds.mounted_.push_back(false);
    UniqueFd tree{::open_tree(AT_FDCWD, layer.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)};
    if (!tree) return Error::from_errno(errno, "clone the mount of layer " + quoted(layer));
    struct mount_attr attributes {};
    attributes.attr_set = MOUNT_ATTR_IDMAP;
    attributes.userns_fd = static_cast<uint64_t>(userns_fd);
    if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attributes, sizeof attributes) != 0) {
      return Error::from_errno(errno, "idmap layer " + quoted(layer) +
                                          " (the filesystem under the daemon root must support idmapped mounts)");
    }
    if (::move_mount(tree.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
      return Error::from_errno(errno, "mount idmapped layer " + quoted(layer) + " on " + quoted(target));
    binds.mounted_.back() = true;
  }
  return binds;
}

IdmappedLayerBinds::IdmappedLayerBinds(IdmappedLayerBinds&& other) noexcept
    : scratch_dir_(std::move(other.scratch_dir_)), paths_(std::move(other.paths_)), mounted_(std::move(other.mounted_)) {
  other.scratch_dir_.clear();
  other.paths_.clear();
  other.mounted_.clear();
}

IdmappedLayerBinds::~IdmappedLayerBinds() {
  for (size_t index = 0; index < paths_.size(); ++index) {
    if (mounted_[index]) (void)::umount2(paths_[index].c_str(), MNT_DETACH);
    (void)::rmdir(paths_[index].c_str());
  }
  if (!scratch_dir_.empty()) (void)::rmdir(scratch_dir_.c_str());
}

}  // namespace gocker::engine
