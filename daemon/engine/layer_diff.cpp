#include "engine/layer_diff.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "engine/contained_path.hpp"
#include "engine/whiteout.hpp"

namespace gocker::engine {
namespace {

struct ReadDiskFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using EntryPtr = std::unique_ptr<archive_entry, EntryFree>;

std::string archive_message(archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : "unknown libarchive error";
}

// Drops overlay's bookkeeping xattrs; returns whether the directory was marked opaque.
bool filter_overlay_xattrs(archive_entry* entry) {
  struct Xattr {
    std::string name;
    std::string value;
  };
  std::vector<Xattr> kept;
  bool opaque = false;
  archive_entry_xattr_reset(entry);
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
    std::string_view key(name != nullptr ? name : "");
    std::string text(static_cast<const char*>(value), size);
    if (key == kOverlayOpaqueXattr) opaque = text == "y";
    if (starts_with(key, kOverlayXattrPrefix)) continue;
    kept.push_back({std::string(key), std::move(text)});
  }
  archive_entry_xattr_clear(entry);
  for (const Xattr& xattr : kept) archive_entry_xattr_add_entry(entry, xattr.name.c_str(), xattr.value.data(), xattr.value.size());
  return opaque;
}

// An empty regular file entry named `name`, owned and timed like `like`: the tar form of a
// whiteout or an opaque marker.
EntryPtr marker_entry(const std::string& name, archive_entry* like) {
  EntryPtr marker(archive_entry_new());
  archive_entry_set_pathname(marker.get(), name.c_str());
  archive_entry_set_filetype(marker.get(), AE_IFREG);
  archive_entry_set_perm(marker.get(), 0600);
  archive_entry_set_size(marker.get(), 0);
  archive_entry_set_uid(marker.get(), archive_entry_uid(like));
  archive_entry_set_gid(marker.get(), archive_entry_gid(like));
  archive_entry_set_mtime(marker.get(), archive_entry_mtime(like), archive_entry_mtime_nsec(like));
  return marker;
}

class DiffWriter {
 public:
  DiffWriter(archive* writer, int upper_fd) : writer_(writer), upper_fd_(upper_fd) {}

  Status write_header(archive_entry* entry, const std::string& name) {
    if (archive_write_header(writer_, entry) < ARCHIVE_WARN)
      return Error::internal("write tar header of " + quoted(name) + ": " + archive_message(writer_));
    return ok();
  }

  // Copies exactly `size` bytes of the file `name`, padding with zeros if it shrank meanwhile.
  Status write_contents(const std::string& name, int64_t size) {
    auto file = open_in_root(upper_fd_, name, O_RDONLY | O_NOFOLLOW);
    if (!file) return std::move(file).error().context("read " + quoted(name));
    std::vector<char> buffer(128 * 1024);
    int64_t remaining = size;
    while (remaining > 0) {
      size_t want = static_cast<size_t>(std::min<int64_t>(remaining, static_cast<int64_t>(buffer.size())));
      ssize_t got = ::read(file->get(), buffer.data(), want);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return Error::from_errno(errno, "read " + quoted(name));
      if (got == 0) {  // shrank: zeros keep the tar consistent with its header
        std::fill(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(want), 0);
        got = static_cast<ssize_t>(want);
      }
      if (archive_write_data(writer_, buffer.data(), static_cast<size_t>(got)) < 0)
        return Error::internal("write tar data of " + quoted(name) + ": " + archive_message(writer_));
      remaining -= got;
    }
    return ok();
  }

 private:
  archive* writer_;
  int upper_fd_;
};

}  // namespace

Result<LayerDiffStats> write_layer_diff(const std::string& upper_dir, int out_fd, const IdRemap* remap) {
  const std::string what = "diff " + quoted(upper_dir);
  auto upper = open_root_directory(upper_dir);
  if (!upper) return std::move(upper).error().context(what);

  std::unique_ptr<archive, ReadDiskFree> disk(archive_read_disk_new());
  std::unique_ptr<archive, WriteFree> writer(archive_write_new());
  if (!disk || !writer) return Error::internal(what + ": libarchive: out of memory");
  // Never follow a symlink, read xattrs (security.capability survives a commit), skip nothing.
  // No sparse maps: contents are copied whole by write_contents, holes as zeros.
  archive_read_disk_set_symlink_physical(disk.get());
  archive_read_disk_set_behavior(disk.get(), ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS | ARCHIVE_READDISK_NO_SPARSE);
  if (archive_read_disk_open(disk.get(), upper_dir.c_str()) != ARCHIVE_OK)
    return Error::internal(what + ": open: " + archive_message(disk.get()));
  if (archive_write_set_format_pax_restricted(writer.get()) != ARCHIVE_OK ||
      archive_write_open_fd(writer.get(), out_fd) != ARCHIVE_OK)
    return Error::internal(what + ": open tar writer: " + archive_message(writer.get()));

  DiffWriter diff(writer.get(), upper->get());
  LayerDiffStats stats;
  std::map<std::pair<dev_t, ino_t>, std::string> first_links;  // multiply linked files already written
  const std::string prefix = upper_dir + "/";
  while (true) {
    EntryPtr entry(archive_entry_new());
    int status = archive_read_next_header2(disk.get(), entry.get());
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) return Error::internal(what + ": walk: " + archive_message(disk.get()));
    if (archive_entry_filetype(entry.get()) == AE_IFDIR) archive_read_disk_descend(disk.get());

    const char* source = archive_entry_sourcepath(entry.get());
    std::string path = source != nullptr ? source : "";
    if (path == upper_dir) continue;  // the top: the image's "/" keeps its own mode
    if (!starts_with(path, prefix)) return Error::internal(what + ": walk left the directory at " + quoted(path));
    const std::string name = path.substr(prefix.size());
    archive_entry_set_pathname(entry.get(), name.c_str());
    // Numeric ids only: names from the host's user database mean nothing in an image.
    archive_entry_set_uname(entry.get(), nullptr);
    archive_entry_set_gname(entry.get(), nullptr);
    if (remap) {
      archive_entry_set_uid(entry.get(), remap->container_uid(static_cast<uid_t>(archive_entry_uid(entry.get()))));
      archive_entry_set_gid(entry.get(), remap->container_gid(static_cast<gid_t>(archive_entry_gid(entry.get()))));
    }
    const bool opaque = filter_overlay_xattrs(entry.get());
    ++stats.entries;

    const size_t slash = name.rfind('/');
    const std::string directory = slash == std::string::npos ? "" : name.substr(0, slash);
    const std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
    const mode_t type = archive_entry_filetype(entry.get());
    // A tar cannot hold a socket, and one left by a process is no part of an image (dockerd's
    // diff skips them too).
    if (type == AE_IFSOCK) {
      --stats.entries;
      continue;
    }

    if (type == AE_IFCHR && archive_entry_rdev(entry.get()) == 0) {
      auto marker = marker_entry(whiteout_entry_name(directory, base), entry.get());
      GOCKER_TRY(diff.write_header(marker.get(), name));
      ++stats.whiteouts;
      continue;
    }
    if (type == AE_IFREG && archive_entry_nlink(entry.get()) > 1) {
      auto key = std::make_pair(static_cast<dev_t>(archive_entry_dev(entry.get())),
                                static_cast<ino_t>(archive_entry_ino64(entry.get())));
      auto [found, inserted] = first_links.emplace(key, name);
      if (!inserted) {
        archive_entry_set_hardlink(entry.get(), found->second.c_str());
        archive_entry_set_size(entry.get(), 0);
        GOCKER_TRY(diff.write_header(entry.get(), name));
        continue;
      }
    }
    GOCKER_TRY(diff.write_header(entry.get(), name));
    if (type == AE_IFREG && archive_entry_size(entry.get()) > 0)
      GOCKER_TRY(diff.write_contents(name, archive_entry_size(entry.get())));
    if (type == AE_IFDIR && opaque) {
      auto marker = marker_entry(opaque_entry_name(name), entry.get());
      GOCKER_TRY(diff.write_header(marker.get(), name));
    }
  }
  if (archive_write_close(writer.get()) != ARCHIVE_OK)
    return Error::internal(what + ": finish tar: " + archive_message(writer.get()));
  return stats;
}

}  // namespace gocker::engine
