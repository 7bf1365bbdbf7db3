#include "engine/tree_removal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"

namespace gocker::engine {
namespace {

struct EntryInfo {
  uint64_t mount_id = 0;
  mode_t type = 0;
};

Result<EntryInfo> entry_info(int dir_fd, const char* name, const std::string& shown) {
  struct statx info {};
  // Path resolution crosses into what is mounted on `name`: a mount point shows its mount's id.
  if (::statx(dir_fd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (*name == '\0' ? AT_EMPTY_PATH : 0),
              STATX_TYPE | STATX_MNT_ID, &info) != 0)
    return Error::from_errno(errno, "stat " + quoted(shown));
  if (!(info.stx_mask & STATX_MNT_ID)) return Error::internal("stat " + quoted(shown) + ": the kernel gives no mount id");
  return EntryInfo{info.stx_mnt_id, static_cast<mode_t>(info.stx_mode & S_IFMT)};
}

Result<std::vector<std::string>> entry_names(int dir_fd, const std::string& shown) {
  // fdopendir takes ownership of the descriptor it is given: hand it a duplicate.
  int listing_fd = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (listing_fd < 0) return Error::from_errno(errno, "list " + quoted(shown));
  DIR* listing = ::fdopendir(listing_fd);
  if (listing == nullptr) {
    int saved = errno;
    ::close(listing_fd);
    return Error::from_errno(saved, "list " + quoted(shown));
  }
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(listing)) {
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) names.emplace_back(entry->d_name);
    errno = 0;
  }
  int saved = errno;
  ::closedir(listing);
  if (saved != 0) return Error::from_errno(saved, "list " + quoted(shown));
  return names;
}

// Walks the directory open as `dir_fd` (shown as `shown`), which is on mount `mount_id`. Deletes
// as it goes when `remove` is set; stops at the first entry on another mount and names it in
// `mount_found`.
Status walk(int dir_fd, const std::string& shown, uint64_t mount_id, bool remove, std::optional<std::string>& mount_found) {
  auto names = entry_names(dir_fd, shown);
  if (!names) return std::move(names).error();
  for (const auto& name : names.value()) {
    const std::string entry_shown = shown + "/" + name;
    auto info = entry_info(dir_fd, name.c_str(), entry_shown);
    if (!info) {
      if (info.error().sys_errno == ENOENT) continue;  // gone meanwhile
      return std::move(info).error();
    }
    if (info->mount_id != mount_id) {
      mount_found = entry_shown;
      return ok();
    }
    if (info->type == S_IFDIR) {
      UniqueFd child{::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
      if (!child) return Error::from_errno(errno, "open " + quoted(entry_shown));
      // Checked again on the open directory: nothing mounted between the stat and the open counts.
      auto opened = entry_info(child.get(), "", entry_shown);
      if (!opened) return std::move(opened).error();
      if (opened->mount_id != mount_id) {
        mount_found = entry_shown;
        return ok();
      }
      GOCKER_TRY(walk(child.get(), entry_shown, mount_id, remove, mount_found));
      if (mount_found) return ok();
      if (remove && ::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        return Error::from_errno(errno, "remove " + quoted(entry_shown));
    } else if (remove && ::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
      return Error::from_errno(errno, "remove " + quoted(entry_shown));
    }
  }
  return ok();
}

Result<std::optional<std::string>> walk_tree(const std::string& path, bool remove) {
  UniqueFd top{::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
  if (!top) return Error::from_errno(errno, "open " + quoted(path));
  auto info = entry_info(top.get(), "", path);
  if (!info) return std::move(info).error();
  std::optional<std::string> mount_found;
  GOCKER_TRY(walk(top.get(), path, info->mount_id, remove, mount_found));
  return mount_found;
}

}  // namespace

Result<std::optional<std::string>> find_mount_below(const std::string& path) { return walk_tree(path, /*remove=*/false); }

Status remove_tree_on_one_mount(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return ok();
    return Error::from_errno(errno, "stat " + quoted(path));
  }
  if (!S_ISDIR(info.st_mode)) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Error::from_errno(errno, "remove " + quoted(path));
    return ok();
  }
  auto mount_found = walk_tree(path, /*remove=*/true);
  if (!mount_found) return std::move(mount_found).error();
  if (mount_found.value()) return Error::from_errno(EBUSY, "remove " + quoted(path) + ": " + quoted(**mount_found) + " is a mount point");
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) return Error::from_errno(errno, "remove " + quoted(path));
  return ok();
}

}  // namespace gocker::engine
