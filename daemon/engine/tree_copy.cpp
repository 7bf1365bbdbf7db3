#include "engine/tree_copy.hpp"

#include <dirent.h>
#include <endian.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"

namespace gocker::engine {
namespace {

// Deep enough for any real image, shallow enough that a hostile tree cannot exhaust the stack.
constexpr int kMaxDepth = 256;

// One copy of a tree: the target's root fd (hard links are made relative to it), the owner
// mapping, and the inodes already copied, by source identity.
struct CopyState {
  const IdRemap* shift = nullptr;
  int target_root = -1;
  std::map<std::pair<dev_t, ino_t>, std::string> copied_inodes;  // -> path relative to the target root

  uid_t owner(uid_t uid) const { return shift ? shift->host_uid(uid) : uid; }
  gid_t group(gid_t gid) const { return shift ? shift->host_gid(gid) : gid; }
};

std::string child_path(const std::string& dir, const char* name) { return dir.empty() ? name : dir + "/" + name; }

// File capabilities belong to a root: v3 names its uid, v2 means the host's. The kernel honours
// them only in a user namespace that root owns, so in a shifted copy they must name the remap's
// root (ping's cap_net_raw would do nothing in the container otherwise). Other forms are copied
// as they are.
void shift_file_capabilities(std::vector<char>& value, const IdRemap& shift) {
  uint32_t magic = 0;
  if (value.size() < sizeof magic) return;
  std::memcpy(&magic, value.data(), sizeof magic);
  magic = le32toh(magic);
  uint32_t root = 0;
  if ((magic & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_3 && value.size() == XATTR_CAPS_SZ_3) {
    std::memcpy(&root, value.data() + XATTR_CAPS_SZ_2, sizeof root);
    root = le32toh(root);
  } else if ((magic & VFS_CAP_REVISION_MASK) != VFS_CAP_REVISION_2 || value.size() != XATTR_CAPS_SZ_2) {
    return;
  }
  value.resize(XATTR_CAPS_SZ_3);
  const uint32_t shifted_magic = htole32((magic & ~VFS_CAP_REVISION_MASK) | VFS_CAP_REVISION_3);
  const uint32_t shifted_root = htole32(shift.host_uid(root));
  std::memcpy(value.data(), &shifted_magic, sizeof shifted_magic);
  std::memcpy(value.data() + XATTR_CAPS_SZ_2, &shifted_root, sizeof shifted_root);
}

Status copy_xattrs(int source_fd, int target_fd, const std::string& path, const IdRemap* shift) {
  ssize_t size = ::flistxattr(source_fd, nullptr, 0);
  if (size < 0) {
    if (errno == ENOTSUP) return ok();
    return Error::from_errno(errno, "list extended attributes of " + quoted(path));
  }
  std::vector<char> names(static_cast<size_t>(size));
  size = ::flistxattr(source_fd, names.data(), names.size());
  if (size < 0) return Error::from_errno(errno, "list extended attributes of " + quoted(path));
  std::vector<char> value;
  for (size_t at = 0; at < static_cast<size_t>(size); at += std::char_traits<char>::length(names.data() + at) + 1) {
    const char* name = names.data() + at;
    ssize_t length = ::fgetxattr(source_fd, name, nullptr, 0);
    if (length < 0) return Error::from_errno(errno, "read attribute " + std::string(name) + " of " + quoted(path));
    value.resize(static_cast<size_t>(length));
    length = ::fgetxattr(source_fd, name, value.data(), value.size());
    if (length < 0) return Error::from_errno(errno, "read attribute " + std::string(name) + " of " + quoted(path));
    value.resize(static_cast<size_t>(length));
    if (shift && std::strcmp(name, "security.capability") == 0) shift_file_capabilities(value, *shift);
    if (::fsetxattr(target_fd, name, value.data(), value.size(), 0) != 0)
      return Error::from_errno(errno, "copy attribute " + std::string(name) + " of " + quoted(path));
  }
  return ok();
}

// Owner, then extended attributes (a chown drops file capabilities), then mode (a chown clears
// set-id bits), then times: the order the kernel needs.
Status copy_metadata(int source_fd, int target_fd, const struct stat& st, const CopyState& state, const std::string& path) {
  if (::fchown(target_fd, state.owner(st.st_uid), state.group(st.st_gid)) != 0)
    return Error::from_errno(errno, "chown the copy of " + quoted(path));
  GOCKER_TRY(copy_xattrs(source_fd, target_fd, path, state.shift));
  if (::fchmod(target_fd, st.st_mode & 07777) != 0) return Error::from_errno(errno, "chmod the copy of " + quoted(path));
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(target_fd, times) != 0) return Error::from_errno(errno, "set the times of the copy of " + quoted(path));
  return ok();
}

// copy_file_range shares extents where the filesystem can (reflinks); across filesystems, e.g.
// from a container's overlay into a volume, the kernel refuses it and sendfile does the copy.
Status copy_file_data(int source_fd, int target_fd, off_t size, const std::string& path) {
  off_t copied = 0;
  bool in_kernel_copy = true;
  while (copied < size) {
    ssize_t moved = in_kernel_copy
                        ? ::copy_file_range(source_fd, nullptr, target_fd, nullptr, static_cast<size_t>(size - copied), 0)
                        : ::sendfile(target_fd, source_fd, nullptr, static_cast<size_t>(std::min<off_t>(size - copied, 1 << 30)));
    if (moved < 0 && errno == EINTR) continue;
    if (moved < 0 && in_kernel_copy && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
      in_kernel_copy = false;
      continue;
    }
    if (moved < 0) return Error::from_errno(errno, "copy " + quoted(path));
    if (moved == 0) return ok();  // the file shrank under us: what was there is copied
    copied += moved;
  }
  return ok();
}

Status copy_directory(int source_dir, int target_dir, const std::string& relative, int depth, CopyState& state);

Status copy_entry(int source_dir, int target_dir, const char* name, const std::string& relative, int depth,
                  CopyState& state) {
  struct stat st {};
  if (::fstatat(source_dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return Error::from_errno(errno, "stat " + quoted(relative));
  const auto identity = std::make_pair(st.st_dev, st.st_ino);
  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
    if (auto linked = state.copied_inodes.find(identity); linked != state.copied_inodes.end()) {
      if (::linkat(state.target_root, linked->second.c_str(), target_dir, name, 0) != 0)
        return Error::from_errno(errno, "hard-link the copy of " + quoted(relative));
      return ok();
    }
    state.copied_inodes.emplace(identity, relative);
  }

  switch (st.st_mode & S_IFMT) {
    case S_IFDIR: {
      if (::mkdirat(target_dir, name, 0700) != 0) return Error::from_errno(errno, "mkdir " + quoted(relative));
      UniqueFd source{::openat(source_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
      UniqueFd target{::openat(target_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
      if (!source || !target) return Error::from_errno(errno, "open directory " + quoted(relative));
      GOCKER_TRY(copy_directory(source.get(), target.get(), relative, depth + 1, state));
      return copy_metadata(source.get(), target.get(), st, state, relative);  // last: the entries changed its times
    }
    case S_IFREG: {
      UniqueFd source{::openat(source_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
      if (!source) return Error::from_errno(errno, "open " + quoted(relative));
      UniqueFd target{::openat(target_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
      if (!target) return Error::from_errno(errno, "create the copy of " + quoted(relative));
      GOCKER_TRY(copy_file_data(source.get(), target.get(), st.st_size, relative));
      return copy_metadata(source.get(), target.get(), st, state, relative);
    }
    case S_IFLNK: {
      std::vector<char> link(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4096) + 1);
      ssize_t length = ::readlinkat(source_dir, name, link.data(), link.size());
      if (length < 0) return Error::from_errno(errno, "read link " + quoted(relative));
      link.resize(static_cast<size_t>(length));
      link.push_back('\0');
      if (::symlinkat(link.data(), target_dir, name) != 0) return Error::from_errno(errno, "symlink " + quoted(relative));
      if (::fchownat(target_dir, name, state.owner(st.st_uid), state.group(st.st_gid), AT_SYMLINK_NOFOLLOW) != 0)
        return Error::from_errno(errno, "chown the copy of " + quoted(relative));
      const struct timespec times[2] = {st.st_atim, st.st_mtim};
      if (::utimensat(target_dir, name, times, AT_SYMLINK_NOFOLLOW) != 0)
        return Error::from_errno(errno, "set the times of " + quoted(relative));
      return ok();
    }
    default: {
      // Devices, fifos and sockets; overlay whiteouts are character devices 0:0.
      if (::mknodat(target_dir, name, st.st_mode, st.st_rdev) != 0) return Error::from_errno(errno, "mknod " + quoted(relative));
      UniqueFd target{::openat(target_dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)};
      if (!target) return Error::from_errno(errno, "open " + quoted(relative));
      // fchown/fchmod do not take O_PATH fds; the /proc path of the fd names this very node.
      const std::string node = "/proc/self/fd/" + std::to_string(target.get());
      if (::chown(node.c_str(), state.owner(st.st_uid), state.group(st.st_gid)) != 0 ||
          ::chmod(node.c_str(), st.st_mode & 07777) != 0)
        return Error::from_errno(errno, "set the owner and mode of " + quoted(relative));
      const struct timespec times[2] = {st.st_atim, st.st_mtim};
      if (::utimensat(target_dir, name, times, AT_SYMLINK_NOFOLLOW) != 0)
        return Error::from_errno(errno, "set the times of " + quoted(relative));
      return ok();
    }
  }
}

Status copy_directory(int source_dir, int target_dir, const std::string& relative, int depth, CopyState& state) {
  if (depth > kMaxDepth) return Error::invalid("copy " + quoted(relative) + ": directory tree too deep");
  UniqueFd listing_fd{::openat(source_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (!listing_fd) return Error::from_errno(errno, "open " + quoted(relative.empty() ? "." : relative));
  DIR* listing = ::fdopendir(listing_fd.get());
  if (!listing) return Error::from_errno(errno, "list " + quoted(relative));
  (void)listing_fd.release();  // closedir closes it
  std::unique_ptr<DIR, int (*)(DIR*)> owned(listing, ::closedir);
  for (;;) {
    errno = 0;
    struct dirent* entry = ::readdir(listing);
    if (!entry) {
      if (errno != 0) return Error::from_errno(errno, "list " + quoted(relative));
      return ok();
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    GOCKER_TRY(copy_entry(source_dir, target_dir, entry->d_name, child_path(relative, entry->d_name), depth, state));
  }
}

}  // namespace

Status copy_tree(int source_dir, int target_dir, const IdRemap* shift) {
  CopyState state{shift, target_dir, {}};
  GOCKER_TRY(copy_directory(source_dir, target_dir, "", 0, state));
  struct stat st {};
  if (::fstat(source_dir, &st) != 0) return Error::from_errno(errno, "stat the copy's source directory");
  return copy_metadata(source_dir, target_dir, st, state, ".");
}

}  // namespace gocker::engine
