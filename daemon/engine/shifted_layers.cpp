#include "engine/shifted_layers.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "base/filesystem.hpp"
#include "base/strings.hpp"
#include "base/unique_fd.hpp"

namespace gocker::engine {
namespace {

// One copy of a tree: the target's root fd (hard links are made relative to it) and the inodes
// already copied, by source identity.
struct CopyState {
  const IdRemap& remap;
  int target_root = -1;
  std::map<std::pair<dev_t, ino_t>, std::string> copied_inodes;  // -> path relative to the target root
};

std::string child_path(const std::string& dir, const char* name) { return dir.empty() ? name : dir + "/" + name; }

Status copy_xattrs(int source_fd, int target_fd, const std::string& path) {
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
    if (::fsetxattr(target_fd, name, value.data(), static_cast<size_t>(length), 0) != 0)
      return Error::from_errno(errno, "copy attribute " + std::string(name) + " of " + quoted(path));
  }
  return ok();
}

// Owner, then mode (a chown clears set-id bits), then times: the order the kernel needs.
Status apply_metadata(int fd, const struct stat& st, const CopyState& state, const std::string& path) {
  if (::fchown(fd, state.remap.host_uid(st.st_uid), state.remap.host_gid(st.st_gid)) != 0)
    return Error::from_errno(errno, "chown the shifted copy of " + quoted(path));
  if (::fchmod(fd, st.st_mode & 07777) != 0) return Error::from_errno(errno, "chmod the shifted copy of " + quoted(path));
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(fd, times) != 0) return Error::from_errno(errno, "set the times of the shifted copy of " + quoted(path));
  return ok();
}

Status copy_file_data(int source_fd, int target_fd, off_t size, const std::string& path) {
  off_t copied = 0;
  while (copied < size) {
    ssize_t moved = ::copy_file_range(source_fd, nullptr, target_fd, nullptr, static_cast<size_t>(size - copied), 0);
    if (moved < 0 && errno == EINTR) continue;
    if (moved < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) break;
    if (moved < 0) return Error::from_errno(errno, "copy " + quoted(path));
    if (moved == 0) return ok();  // the file shrank under us: what was there is copied
    copied += moved;
  }
  std::vector<char> buffer(1 << 16);
  for (;;) {
    ssize_t got = ::read(source_fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Error::from_errno(errno, "read " + quoted(path));
    if (got == 0) return ok();
    for (ssize_t written = 0; written < got;) {
      ssize_t put = ::write(target_fd, buffer.data() + written, static_cast<size_t>(got - written));
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) return Error::from_errno(errno, "write the shifted copy of " + quoted(path));
      written += put;
    }
  }
}

Status copy_directory(int source_dir, int target_dir, const std::string& relative, CopyState& state);

Status copy_entry(int source_dir, int target_dir, const char* name, const std::string& relative, CopyState& state) {
  struct stat st {};
  if (::fstatat(source_dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return Error::from_errno(errno, "stat " + quoted(relative));
  const auto identity = std::make_pair(st.st_dev, st.st_ino);
  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
    if (auto linked = state.copied_inodes.find(identity); linked != state.copied_inodes.end()) {
      if (::linkat(state.target_root, linked->second.c_str(), target_dir, name, 0) != 0)
        return Error::from_errno(errno, "hard-link the shifted copy of " + quoted(relative));
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
      GOCKER_TRY(copy_directory(source.get(), target.get(), relative, state));
      GOCKER_TRY(copy_xattrs(source.get(), target.get(), relative));
      return apply_metadata(target.get(), st, state, relative);  // last: the entries changed its times
    }
    case S_IFREG: {
      UniqueFd source{::openat(source_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
      if (!source) return Error::from_errno(errno, "open " + quoted(relative));
      UniqueFd target{::openat(target_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
      if (!target) return Error::from_errno(errno, "create the shifted copy of " + quoted(relative));
      GOCKER_TRY(copy_file_data(source.get(), target.get(), st.st_size, relative));
      GOCKER_TRY(copy_xattrs(source.get(), target.get(), relative));
      return apply_metadata(target.get(), st, state, relative);
    }
    case S_IFLNK: {
      std::vector<char> link(static_cast<size_t>(st.st_size) + 1);
      ssize_t length = ::readlinkat(source_dir, name, link.data(), link.size());
      if (length < 0) return Error::from_errno(errno, "read link " + quoted(relative));
      link.resize(static_cast<size_t>(length));
      link.push_back('\0');
      if (::symlinkat(link.data(), target_dir, name) != 0) return Error::from_errno(errno, "symlink " + quoted(relative));
      if (::fchownat(target_dir, name, state.remap.host_uid(st.st_uid), state.remap.host_gid(st.st_gid), AT_SYMLINK_NOFOLLOW) != 0)
        return Error::from_errno(errno, "chown the shifted copy of " + quoted(relative));
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
      if (::chown(node.c_str(), state.remap.host_uid(st.st_uid), state.remap.host_gid(st.st_gid)) != 0 ||
          ::chmod(node.c_str(), st.st_mode & 07777) != 0)
        return Error::from_errno(errno, "set the owner and mode of " + quoted(relative));
      const struct timespec times[2] = {st.st_atim, st.st_mtim};
      if (::utimensat(target_dir, name, times, AT_SYMLINK_NOFOLLOW) != 0)
        return Error::from_errno(errno, "set the times of " + quoted(relative));
      return ok();
    }
  }
}

Status copy_directory(int source_dir, int target_dir, const std::string& relative, CopyState& state) {
  UniqueFd listing_fd{::dup(source_dir)};
  if (!listing_fd) return Error::from_errno(errno, "dup");
  DIR* listing = ::fdopendir(listing_fd.get());
  if (!listing) return Error::from_errno(errno, "list " + quoted(relative));
  (void)listing_fd.release();  // closedir closes it
  std::unique_ptr<DIR, int (*)(DIR*)> owned(listing, ::closedir);
  ::rewinddir(listing);
  for (;;) {
    errno = 0;
    struct dirent* entry = ::readdir(listing);
    if (!entry) {
      if (errno != 0) return Error::from_errno(errno, "list " + quoted(relative));
      return ok();
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    GOCKER_TRY(copy_entry(source_dir, target_dir, entry->d_name, child_path(relative, entry->d_name), state));
  }
}

// FNV-1a: a stable short name for a remap's ranges (not a security boundary: the directory also
// carries the root ids, and only the daemon writes there).
uint64_t fnv1a(const std::string& text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

}  // namespace

Status copy_tree_shifted(const std::string& source, const std::string& target, const IdRemap& remap) {
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) return Error::from_errno(errno, "stat " + quoted(source));
  if (!S_ISDIR(st.st_mode)) return Error::invalid("shift " + quoted(source) + ": not a directory");
  if (::mkdir(target.c_str(), 0700) != 0) return Error::from_errno(errno, "mkdir " + quoted(target));
  UniqueFd source_fd{::open(source.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  UniqueFd target_fd{::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (!source_fd || !target_fd) return Error::from_errno(errno, "open " + quoted(source) + " or " + quoted(target));
  CopyState state{remap, target_fd.get(), {}};
  if (auto copied = copy_directory(source_fd.get(), target_fd.get(), "", state); !copied)
    return std::move(copied).error().context("copy layer " + quoted(source) + " with shifted owners");
  GOCKER_TRY(copy_xattrs(source_fd.get(), target_fd.get(), source));
  return apply_metadata(target_fd.get(), st, state, source);
}

std::string shifted_layers_dir(const std::string& copies_root, const IdRemap& remap) {
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a(remap.key())));
  return copies_root + "/" + std::to_string(remap.root_uid()) + "." + std::to_string(remap.root_gid()) + "-" + hash;
}

Result<std::string> ensure_shifted_layer(const std::string& layer, const std::string& dir, const IdRemap& remap) {
  const std::string name = std::filesystem::path(layer).filename().string();
  if (name.empty() || name == "." || name == "..") return Error::invalid("shift layer " + quoted(layer) + ": no directory name");
  const std::string copy = dir + "/" + name;
  if (::access(copy.c_str(), F_OK) == 0) return copy;
  if (errno != ENOENT) return Error::from_errno(errno, "look for " + quoted(copy));
  GOCKER_TRY(make_directory(std::filesystem::path(dir).parent_path().string(), 0700));
  GOCKER_TRY(make_directory(dir, 0700));
  const std::string partial = dir + "/.partial-" + name;
  std::error_code error;
  std::filesystem::remove_all(partial, error);  // what a crash mid-copy left
  if (error) return Error::from_errno(error.value(), "remove " + quoted(partial));
  if (auto copied = copy_tree_shifted(layer, partial, remap); !copied) {
    std::filesystem::remove_all(partial, error);
    return std::move(copied).error();
  }
  if (::rename(partial.c_str(), copy.c_str()) != 0) {
    const int rename_errno = errno;
    std::filesystem::remove_all(partial, error);
    return Error::from_errno(rename_errno, "rename " + quoted(partial) + " to " + quoted(copy));
  }
  return copy;
}

}  // namespace gocker::engine
