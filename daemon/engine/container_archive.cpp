// docker cp: stat a path of a container, stream it out as a tar, extract a tar into it, for
// running and stopped containers alike. A running container's paths are looked up in its own view
// (/proc/<init>/root: its volumes, binds and tmpfs mounts included, read-only ones refusing
// writes); a stopped one's in the rootfs overlay the engine keeps mounted from create to removal
// (container_rootfs.hpp), with paths under a volume or bind mount sent to that mount's source.
// Every path is resolved inside its root (contained_path.hpp), so a symlink inside the container
// never leads to a host file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "base/strings.hpp"
#include "engine/archive_stream.hpp"
#include "engine/contained_path.hpp"
#include "engine/container_rootfs.hpp"
#include "engine/engine_impl.hpp"
#include "engine/mount_spec.hpp"
#include "engine/time_format.hpp"
#include "runtime/monitor_launch.hpp"

namespace gocker::engine {

namespace asio = boost::asio;

namespace {

// Where a container path is looked up: `parts` resolved inside `root`. `root_host_path` is how the
// daemon's /proc/self/fd names the root ("" when it is the container's own "/"); `shown_name` is
// what the stat header and the tar entries call the path (that of the path as the user gave it).
struct ContainerView {
  UniqueFd root;
  std::string root_host_path;
  ContainerPathParts parts;
  std::string shown_name;
};

// The volume or bind mount a stopped container has at `path` (the one deepest in the tree), if any.
const state::MountRecord* mount_holding(const std::vector<state::MountRecord>& mounts, const std::string& path) {
  const state::MountRecord* holder = nullptr;
  for (const auto& mount : mounts) {
    if (mount.type != "volume" && mount.type != "bind") continue;
    const std::string& destination = mount.destination;
    const bool inside = path == destination || destination == "/" || starts_with(path, destination + "/");
    if (inside && (holder == nullptr || destination.size() > holder->destination.size())) holder = &mount;
  }
  return holder;
}

// The container's view of `path`. The root fd keeps that filesystem alive even if the container
// is removed (or exits) while a copy is in flight.
// The whole rootfs (`rootfs_only`, export) is always the overlay the engine keeps mounted: no mount
// made inside the container is in it.
Result<ContainerView> open_container_view(const Container& container, const std::string& path, bool for_writing,
                                          bool rootfs_only = false) {
  ContainerView view;
  view.parts = split_container_path(path);
  view.shown_name = view.parts.display_name();
  bool readonly_rootfs = false;
  {
    std::lock_guard lock(container.mutex);
    readonly_rootfs = container.host_config.readonly_rootfs;
    if (container.removing) return Error::conflict("container " + container.record.id + " is being removed");
    if (!rootfs_only && container.is_running() && container.init_pidfd) {
      const std::string proc_root = "/proc/" + std::to_string(container.record.pid) + "/root";
      UniqueFd root{::open(proc_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)};
      // Still alive after the open: the pid was not reused, the root is the container's.
      if (root && runtime::send_signal(container.init_pidfd, 0)) {
        view.root = std::move(root);
        return view;
      }
    }
  }
  // Stopped (or ending right now): the rootfs, and the sources of its volumes and binds.
  RootfsLayout layout{container.dir};
  view.root_host_path = layout.rootfs();
  const std::string cleaned = clean_container_path(view.parts.absolute);
  if (const auto* mount = rootfs_only ? nullptr : mount_holding(container.mounts, cleaned)) {
    if (for_writing && !mount->rw)
      return Error::invalid("mounted volume is marked read-only: " + mount->destination);
    view.root_host_path = mount->source;
    std::string inside = mount->destination == "/" ? cleaned : cleaned.substr(mount->destination.size());
    // Keep what the path's end asks for ("/data/" and "/data/." follow the last component).
    if (view.parts.base.empty() && !ends_with(inside, "/")) inside += "/";
    if (view.parts.base == ".") inside += inside.empty() || ends_with(inside, "/") ? "." : "/.";
    view.parts = split_container_path(inside.empty() ? "/" : inside);
  } else if (for_writing && readonly_rootfs) {
    return Error::invalid("container rootfs is marked read-only");
  } else if (!is_mount_point(layout.rootfs())) {
    return Error::internal("the root filesystem of container " + container.record.id + " is not mounted");
  }
  auto root = open_root_directory(view.root_host_path);
  if (!root) return std::move(root).error();
  view.root = std::move(*root);
  return view;
}

Error path_error(const Error& error, const std::string& path, const std::string& ref) {
  if (error.sys_errno == ENOENT)
    return Error::not_found("Could not find the file " + path + " in container " + ref);
  if (error.sys_errno == ENOTDIR) return Error::invalid("not a directory: " + path + " in container " + ref);
  if (error.sys_errno == ELOOP) return Error::invalid("too many levels of symbolic links: " + path);
  return error;
}

// A symlink's target fully resolved in the container (moby resolves it with FollowSymlinkInScope):
// the path of what the link leads to, as an absolute container path.
std::string resolve_link_target(int root_fd, const std::string& root_host_path, const ContainerPathParts& parts,
                                int parent_fd) {
  if (auto target = open_in_root(root_fd, parts.absolute, O_PATH)) {
    char host_path[4096];
    std::string proc_link = "/proc/self/fd/" + std::to_string(target->get());
    ssize_t n = ::readlink(proc_link.c_str(), host_path, sizeof host_path - 1);
    if (n > 0) {
      std::string resolved(host_path, static_cast<size_t>(n));
      if (resolved == root_host_path) return "/";
      if (starts_with(resolved, root_host_path + "/")) return resolved.substr(root_host_path.size());
    }
  }
  // A dangling link: its text, made absolute against its directory.
  char text[4096];
  ssize_t n = ::readlinkat(parent_fd, parts.base.c_str(), text, sizeof text - 1);
  if (n <= 0) return {};
  std::string target(text, static_cast<size_t>(n));
  if (!target.empty() && target.front() == '/') return target;
  return (parts.directory == "/" ? "/" : parts.directory + "/") + target;
}

Result<Engine::PathStat> stat_resolved(int root_fd, const std::string& root_host_path, const ContainerPathParts& parts,
                                       const ResolvedPath& resolved) {
  struct stat info {};
  if (::fstatat(resolved.parent.get(), resolved.name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0)
    return Error::from_errno(errno, "stat " + quoted(parts.absolute));
  Engine::PathStat stat;
  stat.name = parts.display_name();
  stat.size = info.st_size;
  stat.mode = go_file_mode(info.st_mode);
  stat.mtime = format_rfc3339_nanos(static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec);
  if (S_ISLNK(info.st_mode)) stat.link_target = resolve_link_target(root_fd, root_host_path, parts, resolved.parent.get());
  return stat;
}

class ContainerArchiveSource final : public Engine::ArchiveSource,
                                     public std::enable_shared_from_this<ContainerArchiveSource> {
 public:
  ContainerArchiveSource(UniqueFd root, Engine::PathStat stat, std::unique_ptr<TarProducer> producer)
      : root_(std::move(root)), stat_(std::move(stat)), producer_(std::move(producer)) {}

  const Engine::PathStat& stat() const override { return stat_; }

  Task<void> send(UnixSocket client) override {
    auto self = shared_from_this();  // the frame keeps the source alive while it streams
    constexpr size_t kFlushSize = 256 * 1024;
    std::string pending;
    bool more = true;
    while (more) {
      pending.clear();
      while (more && pending.size() < kFlushSize) {
        auto produced = producer_->next(pending);
        if (!produced) {
          spdlog::warn("archive of {}: {}", stat_.name, produced.error().message);
          pending.clear();
          more = false;
          failed_ = true;
        } else {
          more = *produced;
        }
      }
      if (pending.empty()) break;
      auto [error, written] = co_await asio::async_write(client, asio::buffer(pending), asio::as_tuple(asio::use_awaitable));
      (void)written;
      if (error) break;
    }
    boost::system::error_code ignored;
    client.shutdown(UnixSocket::shutdown_both, ignored);
    client.close(ignored);
  }

 private:
  UniqueFd root_;
  Engine::PathStat stat_;
  std::unique_ptr<TarProducer> producer_;
  bool failed_ = false;
};

// A path of a container looked up for reading: its root (kept open), the resolved path, its stat.
struct StattedPath {
  UniqueFd root;
  ResolvedPath resolved;
  Engine::PathStat stat;
};

Result<StattedPath> stat_container_path_in(const Container& container, const std::string& ref, const std::string& path,
                                           bool rootfs_only = false) {
  auto view = open_container_view(container, path, false, rootfs_only);
  if (!view) return std::move(view).error();
  auto resolved = resolve_container_path(view->root.get(), view->parts);
  if (!resolved) return path_error(resolved.error(), path, ref);
  auto stat = stat_resolved(view->root.get(), view->root_host_path, view->parts, *resolved);
  if (!stat) return path_error(stat.error(), path, ref);
  stat->name = view->shown_name;
  return StattedPath{std::move(view->root), std::move(*resolved), std::move(*stat)};
}

}  // namespace

Result<Engine::PathStat> EngineImpl::stat_container_path(const std::string& ref, const std::string& path) {
  auto container = find(ref);
  if (!container) return std::move(container).error();
  auto found = stat_container_path_in(**container, ref, path);
  if (!found) return std::move(found).error();
  return std::move(found->stat);
}

Result<std::shared_ptr<Engine::ArchiveSource>> EngineImpl::export_container(const std::string& ref) {
  return open_archive(ref, "/", true);
}

Result<std::shared_ptr<Engine::ArchiveSource>> EngineImpl::open_container_archive(const std::string& ref,
                                                                                  const std::string& path) {
  return open_archive(ref, path, false);
}

Result<std::shared_ptr<Engine::ArchiveSource>> EngineImpl::open_archive(const std::string& ref, const std::string& path,
                                                                        bool rootfs_only) {
  auto container = find(ref);
  if (!container) return std::move(container).error();
  auto found = stat_container_path_in(**container, ref, path, rootfs_only);
  if (!found) return std::move(found).error();
  // Entries are named after the path's last component, as moby's TarResourceRebase does; the root
  // directory's entries are relative ("./bin").
  std::string top_name = found->stat.name == "/" ? "." : found->stat.name;
  auto producer = TarProducer::open(std::move(found->resolved), top_name, (*container)->remap);
  if (!producer) return std::move(producer).error();
  return std::shared_ptr<ArchiveSource>(std::make_shared<ContainerArchiveSource>(
      std::move(found->root), std::move(found->stat), std::move(*producer)));
}

Status EngineImpl::extract_to_container(const std::string& ref, const std::string& path, bool no_overwrite_dir_non_dir,
                                        bool copy_uid_gid, std::string_view tar) {
  auto container = find(ref);
  if (!container) return std::move(container).error();
  auto view = open_container_view(**container, path, true);
  if (!view) return std::move(view).error();
  ExtractOptions options;
  options.no_overwrite_dir_non_dir = no_overwrite_dir_non_dir;
  // docker cp: files copied in belong to root, unless -a asks to keep ownership.
  options.keep_owners = copy_uid_gid;
  options.remap = (*container)->remap;
  Status extracted = extract_tar(view->root.get(), view->parts.absolute, tar, options);
  if (!extracted) {
    if (extracted.error().sys_errno == EROFS)
      return Error::invalid("extract archive into " + quoted(path) + " of container " + ref + ": read-only file system");
    if (extracted.error().kind == ErrorKind::NotFound)
      return Error::not_found("Could not find the file " + path + " in container " + ref);
    return std::move(extracted).error().context("extract archive into " + quoted(path) + " of container " + ref);
  }
  return ok();
}

}  // namespace gocker::engine
