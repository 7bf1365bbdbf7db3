#pragma once
// Paths inside a container's root filesystem, resolved from the host without ever leaving it.
//
// The rootfs is an overlay mounted on the host (engine/container_rootfs.hpp). A path that a user
// names in `docker cp` is a path *inside the container*: "/evil/etc/hostname", where the container
// may have made /evil a symlink to "/" or "../../..". Resolving that string on the host with
// open(2) would follow the link to the host's /etc/hostname. Instead every lookup is
// openat2(2) relative to an O_PATH fd of the rootfs with RESOLVE_IN_ROOT (absolute links and ".."
// are resolved as if the rootfs were "/", as a chroot would) and RESOLVE_NO_MAGICLINKS (no
// /proc/<pid>/fd style jumps). Everything after the lookup uses *at() calls on the fds obtained
// this way, with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW on the last component.
// See https://man7.org/linux/man-pages/man2/openat2.2.html
#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace gocker::engine {

// O_PATH | O_DIRECTORY fd of a rootfs directory (a host path the engine owns).
Result<UniqueFd> open_root_directory(const std::string& host_path);

// openat2(root_fd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS). `path` is a container
// path: absolute or relative, both taken from the container's "/". O_CLOEXEC is always added.
// The error carries errno (ENOENT, ENOTDIR...) so callers can map it.
Result<UniqueFd> open_in_root(int root_fd, std::string_view path, int flags, mode_t mode = 0);

// How a path given to the archive endpoints is looked up, as moby's container.ResolvePath: the
// directory part is resolved (symlinks followed, inside the root), the last component is not,
// unless it is empty or "." ("/etc/", "/link/."), where the whole path is followed.
struct ContainerPathParts {
  std::string absolute;  // "/" + path, cleaned of "//", keeping a trailing "/" or "/."
  std::string directory; // everything before the last component ("/" at least)
  std::string base;      // the last component; "" or "." when the whole path is to be followed
  bool follow_last() const { return base.empty() || base == "."; }
  // The name the stat header and tar entries carry: Go's filepath.Base of the absolute path.
  std::string display_name() const;
};
ContainerPathParts split_container_path(std::string_view path);

// A resolved, not-followed path: `name` inside the directory `parent` ("." when the path itself
// was followed, then `parent` is the object itself, always a directory).
struct ResolvedPath {
  UniqueFd parent;
  std::string name;
};
Result<ResolvedPath> resolve_container_path(int root_fd, const ContainerPathParts& parts);

// Go's os.FileMode bits for a stat mode (what the CLI decodes from the path-stat header).
uint32_t go_file_mode(mode_t mode);

// The components of a tar entry name, relative to the extraction directory. Leading "/" and "./"
// are dropped (as GNU tar and moby do); "." components vanish; ".." is refused, since even a
// ".." that stays below the extraction point after cleaning is a sign of a crafted archive.
// An empty result is the extraction directory itself.
Result<std::vector<std::string>> entry_components(std::string_view entry_name);

}  // namespace gocker::engine
