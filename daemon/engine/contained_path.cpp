#include "engine/contained_path.hpp"

#include <fcntl.h>

#include <cerrno>

#include "base/strings.hpp"
#include "runtime/sys/syscalls.hpp"

namespace gocker::engine {

Result<UniqueFd> open_root_directory(const std::string& host_path) {
  int fd = ::open(host_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, "open rootfs " + quoted(host_path));
  return UniqueFd{fd};
}

Result<UniqueFd> open_in_root(int root_fd, std::string_view path, int flags, mode_t mode) {
  // openat2 refuses an empty path; "." names the root itself.
  std::string relative(path.empty() ? "." : path);
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = -1;
  do {
    fd = runtime::sys::openat2(root_fd, relative.c_str(), &how);
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  // EAGAIN: the kernel saw a concurrent rename while resolving under RESOLVE_IN_ROOT and asks
  // for a retry (openat2(2)); a container cannot keep that up forever without also racing itself.
  if (fd < 0) return Error::from_errno(errno, "open " + quoted(std::string(path)) + " in the container");
  return UniqueFd{fd};
}

std::string ContainerPathParts::display_name() const {
  if (base == "." ) return ".";
  if (!base.empty()) return base;
  // "/etc/" -> "etc"; "/" -> "/" (filepath.Base's answers).
  std::string trimmed = absolute;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  if (trimmed == "/") return "/";
  return trimmed.substr(trimmed.rfind('/') + 1);
}

ContainerPathParts split_container_path(std::string_view path) {
  std::string absolute = "/";
  for (char c : path) {
    if (c == '/' && absolute.back() == '/') continue;
    absolute += c;
  }
  ContainerPathParts parts;
  parts.absolute = absolute;
  size_t slash = absolute.rfind('/');
  parts.directory = slash == 0 ? "/" : absolute.substr(0, slash);
  parts.base = absolute.substr(slash + 1);
  return parts;
}

Result<ResolvedPath> resolve_container_path(int root_fd, const ContainerPathParts& parts) {
  if (parts.follow_last()) {
    auto whole = open_in_root(root_fd, parts.absolute, O_PATH | O_DIRECTORY);
    if (!whole) return std::move(whole).error();
    return ResolvedPath{std::move(*whole), "."};
  }
  auto parent = open_in_root(root_fd, parts.directory, O_PATH | O_DIRECTORY);
  if (!parent) return std::move(parent).error();
  if (parts.base == "..") {
    // "/a/.." : the parent's parent, resolved in the root like everything else.
    auto up = open_in_root(root_fd, parts.absolute, O_PATH | O_DIRECTORY);
    if (!up) return std::move(up).error();
    return ResolvedPath{std::move(*up), "."};
  }
  return ResolvedPath{std::move(*parent), parts.base};
}

uint32_t go_file_mode(mode_t mode) {
  // Bit positions of Go's io/fs.FileMode (ModeDir is the top bit, then the others downwards).
  constexpr uint32_t kModeDir = 1u << 31, kModeSymlink = 1u << 27, kModeDevice = 1u << 26,
                     kModeNamedPipe = 1u << 25, kModeSocket = 1u << 24, kModeSetuid = 1u << 23,
                     kModeSetgid = 1u << 22, kModeCharDevice = 1u << 21, kModeSticky = 1u << 20;
  uint32_t go_mode = mode & 0777;
  switch (mode & S_IFMT) {
    case S_IFDIR: go_mode |= kModeDir; break;
    case S_IFLNK: go_mode |= kModeSymlink; break;
    case S_IFBLK: go_mode |= kModeDevice; break;
    case S_IFCHR: go_mode |= kModeDevice | kModeCharDevice; break;
    case S_IFIFO: go_mode |= kModeNamedPipe; break;
    case S_IFSOCK: go_mode |= kModeSocket; break;
    default: break;
  }
  if (mode & S_ISUID) go_mode |= kModeSetuid;
  if (mode & S_ISGID) go_mode |= kModeSetgid;
  if (mode & S_ISVTX) go_mode |= kModeSticky;
  return go_mode;
}

Result<std::vector<std::string>> entry_components(std::string_view entry_name) {
  std::vector<std::string> components;
  for (std::string& component : split(entry_name, '/')) {
    if (component.empty() || component == ".") continue;
    if (component == "..")
      return Error::invalid("tar entry " + quoted(std::string(entry_name)) + " leaves the extraction directory");
    components.push_back(std::move(component));
  }
  return components;
}

}  // namespace gocker::engine
