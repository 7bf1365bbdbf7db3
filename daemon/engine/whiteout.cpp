#include "engine/whiteout.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "base/strings.hpp"

namespace gocker::engine {

Result<WhiteoutEntry> classify_whiteout(std::string_view entry_name) {
  std::string_view name = entry_name;
  while (name.size() > 1 && name.back() == '/') name.remove_suffix(1);
  WhiteoutEntry entry;
  std::string_view base = name;
  if (size_t slash = name.rfind('/'); slash != std::string_view::npos) {
    base = name.substr(slash + 1);
    entry.directory = std::string(name.substr(0, slash));
  }
  if (!starts_with(base, kWhiteoutPrefix)) return entry;
  if (base == kOpaqueWhiteoutName) {
    entry.kind = WhiteoutKind::Opaque;
  } else if (starts_with(base, kWhiteoutMetaPrefix)) {
    entry.kind = WhiteoutKind::Meta;
  } else {
    entry.kind = WhiteoutKind::Remove;
    entry.target = std::string(base.substr(kWhiteoutPrefix.size()));
    if (entry.target.empty() || entry.target == "." || entry.target == "..")
      return Error::invalid("whiteout " + quoted(std::string(entry_name)) + " names no file");
  }
  return entry;
}

std::string whiteout_entry_name(std::string_view directory, std::string_view name) {
  std::string out(directory);
  if (!out.empty() && out.back() != '/') out += '/';
  return out.append(kWhiteoutPrefix).append(name);
}

std::string opaque_entry_name(std::string_view directory) {
  std::string out(directory);
  if (!out.empty() && out.back() != '/') out += '/';
  return out.append(kOpaqueWhiteoutName);
}

bool is_overlay_whiteout(const struct stat& info) { return S_ISCHR(info.st_mode) && info.st_rdev == makedev(0, 0); }

Status make_overlay_whiteout(int dir_fd, const std::string& name) {
  struct stat existing {};
  if (::fstatat(dir_fd, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISDIR(existing.st_mode))
      return Error::invalid("whiteout of " + quoted(name) + ": the same layer made it a directory");
    if (::unlinkat(dir_fd, name.c_str(), 0) != 0) return Error::from_errno(errno, "whiteout: remove " + quoted(name));
  } else if (errno != ENOENT) {
    return Error::from_errno(errno, "whiteout: stat " + quoted(name));
  }
  // mknod of a 0/0 character device is allowed without CAP_MKNOD since Linux 5.8, for exactly this.
  if (::mknodat(dir_fd, name.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
    return Error::from_errno(errno, "whiteout: mknod " + quoted(name));
  return ok();
}

Status set_overlay_opaque(int dir_fd) {
  if (::fsetxattr(dir_fd, kOverlayOpaqueXattr, "y", 1, 0) != 0)
    return Error::from_errno(errno, std::string("set ") + kOverlayOpaqueXattr);
  return ok();
}

bool is_overlay_opaque(const std::string& path) {
  char value[2] = {};
  ssize_t length = ::lgetxattr(path.c_str(), kOverlayOpaqueXattr, value, sizeof value);
  return length == 1 && value[0] == 'y';
}

}  // namespace gocker::engine
