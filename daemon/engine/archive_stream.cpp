#include "engine/archive_stream.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/strings.hpp"

namespace gocker::engine {

namespace {

std::string archive_message(archive* handle) {
  const char* text = archive_error_string(handle);
  return text != nullptr ? text : "unknown libarchive error";
}

struct EntryDeleter {
  void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};
using EntryPtr = std::unique_ptr<archive_entry, EntryDeleter>;

struct ReaderDeleter {
  void operator()(archive* handle) const { archive_read_free(handle); }
};
using ReaderPtr = std::unique_ptr<archive, ReaderDeleter>;

std::string read_link_at(int dir_fd, const std::string& name) {
  std::string target(256, '\0');
  while (true) {
    ssize_t n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
    if (n < 0) return {};
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

std::string join_path(std::string_view prefix, std::string_view name) {
  if (prefix.empty() || prefix == "/") return std::string(prefix) + std::string(name);
  return std::string(prefix) + "/" + std::string(name);
}

}  // namespace

// ---- TarProducer -----------------------------------------------------------------------------

struct TarProducer::Directory {
  DIR* stream = nullptr;
  std::string tar_name;
  ~Directory() {
    if (stream != nullptr) ::closedir(stream);
  }
};

namespace {

la_ssize_t append_to_output(archive* /*handle*/, void* client_data, const void* buffer, size_t length) {
  auto* out = *static_cast<std::string**>(client_data);
  if (out != nullptr) out->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

}  // namespace

Result<std::unique_ptr<TarProducer>> TarProducer::open(ResolvedPath source, std::string top_name,
                                                       const std::optional<IdRemap>& remap) {
  std::unique_ptr<TarProducer> producer(new TarProducer());
  producer->remap_ = remap;
  producer->root_ = std::move(source);
  producer->top_name_ = std::move(top_name);
  producer->writer_ = archive_write_new();
  if (producer->writer_ == nullptr) return Error::internal("libarchive: out of memory");
  // pax (ustar plus extended headers only where ustar's fields are too small: long names, big
  // files), which Go's archive/tar and every tar read.
  archive_write_set_format_pax_restricted(producer->writer_);
  // No blocking: each piece goes out as produced, and the end is not padded to 10 KiB.
  archive_write_set_bytes_per_block(producer->writer_, 0);
  if (archive_write_open(producer->writer_, &producer->out_, nullptr, append_to_output, nullptr) != ARCHIVE_OK)
    return Error::internal("open tar writer: " + archive_message(producer->writer_));
  return producer;
}

TarProducer::~TarProducer() {
  if (writer_ != nullptr) archive_write_free(writer_);
}

Status TarProducer::emit_entry(int dir_fd, const std::string& name, const std::string& tar_name) {
  struct stat info {};
  if (::fstatat(dir_fd, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return ok();  // removed while we walked: as tar, leave it out
    return Error::from_errno(errno, "stat " + quoted(tar_name));
  }
  if (S_ISSOCK(info.st_mode)) return ok();  // tar has no sockets

  EntryPtr entry(archive_entry_new());
  if (!entry) return Error::internal("libarchive: out of memory");
  archive_entry_set_pathname(entry.get(), tar_name.c_str());
  archive_entry_set_mode(entry.get(), info.st_mode);
  archive_entry_set_uid(entry.get(), remap_ ? remap_->container_uid(info.st_uid) : info.st_uid);
  archive_entry_set_gid(entry.get(), remap_ ? remap_->container_gid(info.st_gid) : info.st_gid);
  archive_entry_set_mtime(entry.get(), info.st_mtim.tv_sec, info.st_mtim.tv_nsec);
  archive_entry_set_size(entry.get(), 0);

  UniqueFd content;
  std::unique_ptr<Directory> directory;
  if (S_ISREG(info.st_mode)) {
    auto key = std::make_pair(info.st_dev, info.st_ino);
    auto known = info.st_nlink > 1 ? hard_links_.find(key) : hard_links_.end();
    if (known != hard_links_.end()) {
      archive_entry_set_hardlink(entry.get(), known->second.c_str());
    } else {
      if (info.st_nlink > 1) hard_links_.emplace(key, tar_name);
      content.reset(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
      if (!content) return Error::from_errno(errno, "open " + quoted(tar_name));
      archive_entry_set_size(entry.get(), info.st_size);
    }
  } else if (S_ISLNK(info.st_mode)) {
    archive_entry_set_symlink(entry.get(), read_link_at(dir_fd, name).c_str());
  } else if (S_ISDIR(info.st_mode)) {
    int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return Error::from_errno(errno, "open directory " + quoted(tar_name));
    directory = std::make_unique<Directory>();
    directory->stream = ::fdopendir(fd);
    if (directory->stream == nullptr) {
      int saved = errno;
      ::close(fd);
      return Error::from_errno(saved, "read directory " + quoted(tar_name));
    }
    directory->tar_name = tar_name;
  } else if (S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode)) {
    archive_entry_set_rdevmajor(entry.get(), major(info.st_rdev));
    archive_entry_set_rdevminor(entry.get(), minor(info.st_rdev));
  }

  if (archive_write_header(writer_, entry.get()) < ARCHIVE_WARN)
    return Error::internal("write tar header for " + quoted(tar_name) + ": " + archive_message(writer_));
  if (content) {
    file_ = std::move(content);
    file_remaining_ = info.st_size;
  }
  if (directory) stack_.push_back(std::move(directory));
  return ok();
}

Result<bool> TarProducer::next(std::string& out) {
  out_ = &out;
  struct ResetOutput {
    std::string** target;
    ~ResetOutput() { *target = nullptr; }
  } reset_output{&out_};

  while (true) {
    if (file_) {
      std::string chunk(static_cast<size_t>(std::min<int64_t>(file_remaining_, kChunkSize)), '\0');
      ssize_t n = chunk.empty() ? 0 : ::read(file_.get(), chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Error::from_errno(errno, "read file for the archive");
      if (n > 0) {
        if (archive_write_data(writer_, chunk.data(), static_cast<size_t>(n)) < 0)
          return Error::internal("write tar data: " + archive_message(writer_));
        file_remaining_ -= n;
      }
      // At the end, or if the file shrank while we read it: libarchive pads the entry to the size
      // its header announced when the next header (or the close) finishes it.
      if (n == 0 || file_remaining_ <= 0) file_.reset();
      if (n > 0) return true;
      continue;
    }
    if (root_pending_) {
      root_pending_ = false;
      GOCKER_TRY(emit_entry(root_.parent.get(), root_.name, top_name_));
      return true;
    }
    if (!stack_.empty()) {
      Directory& top = *stack_.back();
      errno = 0;
      dirent* item = ::readdir(top.stream);
      if (item == nullptr) {
        if (errno != 0) return Error::from_errno(errno, "read directory " + quoted(top.tar_name));
        stack_.pop_back();
        continue;
      }
      std::string name = item->d_name;
      if (name == "." || name == "..") continue;
      GOCKER_TRY(emit_entry(::dirfd(top.stream), name, join_path(top.tar_name, name)));
      return true;
    }
    if (!closed_) {
      closed_ = true;
      if (archive_write_close(writer_) != ARCHIVE_OK)
        return Error::internal("finish tar: " + archive_message(writer_));
      return !out.empty();
    }
    return false;
  }
}

// ---- extract_tar -----------------------------------------------------------------------------

namespace {

std::string join_components(const std::vector<std::string>& components, size_t count) {
  std::string path;
  for (size_t i = 0; i < count; ++i) path += (i ? "/" : "") + components[i];
  return path;
}

class Extractor {
 public:
  Extractor(int root_fd, std::string directory, const ExtractOptions& options)
      : root_fd_(root_fd), directory_(std::move(directory)), options_(options) {}

  Status extract_entry(archive* reader, archive_entry* entry);
  Status finish();

 private:
  uid_t owner(archive_entry* entry) const {
    const uid_t uid = options_.keep_owners ? static_cast<uid_t>(archive_entry_uid(entry)) : 0;
    return options_.remap ? options_.remap->host_uid(uid) : uid;
  }
  gid_t group(archive_entry* entry) const {
    const gid_t gid = options_.keep_owners ? static_cast<gid_t>(archive_entry_gid(entry)) : 0;
    return options_.remap ? options_.remap->host_gid(gid) : gid;
  }
  std::string container_path(const std::string& relative) const {
    return relative.empty() ? directory_ : join_path(directory_, relative);
  }
  // The directory holding components[0..count), created (0755, as tar does for missing parents)
  // where missing. Looked up from the rootfs each time, so a symlink an earlier entry created is
  // followed the way the container would follow it, and still never out of the root.
  Result<UniqueFd> open_parent(const std::vector<std::string>& components, size_t count);
  // Removes what is at `name` so the entry can take its place (a directory stays when the entry is
  // one too). Returns whether a directory is there and was kept.
  Result<bool> clear_place(int parent_fd, const std::string& name, bool entry_is_directory, const std::string& what);
  Status write_regular_file(archive* reader, archive_entry* entry, int parent_fd, const std::string& name,
                            const std::string& what);

  int root_fd_;
  std::string directory_;
  ExtractOptions options_;
  std::string cached_parent_path_;
  UniqueFd cached_parent_;
  struct DirectoryTimes {
    std::string relative;
    timespec mtime;
  };
  std::vector<DirectoryTimes> directory_times_;
};

Result<UniqueFd> Extractor::open_parent(const std::vector<std::string>& components, size_t count) {
  std::string relative = join_components(components, count);
  if (cached_parent_ && relative == cached_parent_path_) {
    int copy = ::fcntl(cached_parent_.get(), F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return Error::from_errno(errno, "dup directory fd");
    return UniqueFd{copy};
  }
  auto current = open_in_root(root_fd_, directory_, O_PATH | O_DIRECTORY);
  if (!current) return std::move(current).error();
  UniqueFd fd = std::move(*current);
  for (size_t i = 0; i < count; ++i) {
    std::string prefix = container_path(join_components(components, i + 1));
    auto next = open_in_root(root_fd_, prefix, O_PATH | O_DIRECTORY);
    if (!next && next.error().sys_errno == ENOENT) {
      if (::mkdirat(fd.get(), components[i].c_str(), 0755) != 0 && errno != EEXIST)
        return Error::from_errno(errno, "create directory " + quoted(prefix));
      next = open_in_root(root_fd_, prefix, O_PATH | O_DIRECTORY);
    }
    if (!next) return std::move(next).error();
    fd = std::move(*next);
  }
  int copy = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return Error::from_errno(errno, "dup directory fd");
  cached_parent_path_ = relative;
  cached_parent_.reset(copy);
  return fd;
}

Result<bool> Extractor::clear_place(int parent_fd, const std::string& name, bool entry_is_directory,
                                    const std::string& what) {
  struct stat existing {};
  if (::fstatat(parent_fd, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return false;
    return Error::from_errno(errno, "stat " + quoted(what));
  }
  bool is_directory = S_ISDIR(existing.st_mode);
  if (is_directory && entry_is_directory) return true;
  if (options_.no_overwrite_dir_non_dir && is_directory != entry_is_directory) {
    return Error::invalid(is_directory ? "cannot overwrite directory " + quoted(what) + " with non-directory"
                                       : "cannot overwrite non-directory " + quoted(what) + " with directory");
  }
  if (::unlinkat(parent_fd, name.c_str(), is_directory ? AT_REMOVEDIR : 0) != 0)
    return Error::from_errno(errno, "remove " + quoted(what) + " to replace it");
  return false;
}

Status Extractor::write_regular_file(archive* reader, archive_entry* entry, int parent_fd, const std::string& name,
                                     const std::string& what) {
  // O_EXCL | O_NOFOLLOW on a name just cleared: if the container raced a symlink into place, the
  // open fails instead of following it.
  UniqueFd file{::openat(parent_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
  if (!file) return Error::from_errno(errno, "create " + quoted(what));
  while (true) {
    const void* block = nullptr;
    size_t length = 0;
    la_int64_t offset = 0;
    int status = archive_read_data_block(reader, &block, &length, &offset);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) return Error::invalid("read tar data of " + quoted(what) + ": " + archive_message(reader));
    const char* bytes = static_cast<const char*>(block);
    while (length > 0) {
      ssize_t n = ::pwrite(file.get(), bytes, length, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Error::from_errno(errno, "write " + quoted(what));
      bytes += n;
      length -= static_cast<size_t>(n);
      offset += n;
    }
  }
  // Sparse entries may end in a hole.
  if (::ftruncate(file.get(), archive_entry_size(entry)) != 0) return Error::from_errno(errno, "truncate " + quoted(what));
  // Owner before mode: chown clears the set-id bits.
  if (::fchown(file.get(), owner(entry), group(entry)) != 0 && errno != EPERM)
    return Error::from_errno(errno, "chown " + quoted(what));
  if (::fchmod(file.get(), archive_entry_perm(entry)) != 0) return Error::from_errno(errno, "chmod " + quoted(what));
  timespec times[2] = {{archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)},
                       {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}};
  ::futimens(file.get(), times);  // best effort, as tar without -p
  return ok();
}

Status Extractor::extract_entry(archive* reader, archive_entry* entry) {
  const char* raw_name = archive_entry_pathname(entry);
  const std::string entry_name = raw_name != nullptr ? raw_name : "";
  auto components = entry_components(entry_name);
  if (!components) return std::move(components).error();
  // The "." entry (or "/") is the extraction directory itself: it exists, and its mode and owner
  // are the container's business, not the archive's.
  if (components->empty()) return ok();
  const std::string relative = join_components(*components, components->size());
  const std::string what = container_path(relative);
  const std::string& name = components->back();

  auto parent = open_parent(*components, components->size() - 1);
  if (!parent) return std::move(parent).error();
  const int parent_fd = parent->get();
  const mode_t type = archive_entry_filetype(entry);
  const char* hard_link = archive_entry_hardlink(entry);

  if (hard_link != nullptr) {
    auto target = entry_components(hard_link);
    if (!target) return std::move(target).error();
    if (target->empty()) return Error::invalid("tar entry " + quoted(entry_name) + " links to the extraction directory");
    auto target_parent = open_parent(*target, target->size() - 1);
    if (!target_parent) return std::move(target_parent).error();
    GOCKER_TRY(clear_place(parent_fd, name, false, what));
    // flags 0: a symlink named as the target is linked itself, not followed.
    if (::linkat(target_parent->get(), target->back().c_str(), parent_fd, name.c_str(), 0) != 0)
      return Error::from_errno(errno, "link " + quoted(what) + " to " + quoted(container_path(join_components(*target, target->size()))));
    return ok();
  }

  const bool is_directory = type == AE_IFDIR;
  auto kept = clear_place(parent_fd, name, is_directory, what);
  if (!kept) return std::move(kept).error();

  switch (type) {
    case AE_IFREG:
      return write_regular_file(reader, entry, parent_fd, name, what);
    case AE_IFDIR: {
      if (!*kept && ::mkdirat(parent_fd, name.c_str(), 0700) != 0)
        return Error::from_errno(errno, "create directory " + quoted(what));
      UniqueFd directory{::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
      if (!directory) return Error::from_errno(errno, "open directory " + quoted(what));
      if (::fchown(directory.get(), owner(entry), group(entry)) != 0 && errno != EPERM)
        return Error::from_errno(errno, "chown " + quoted(what));
      if (::fchmod(directory.get(), archive_entry_perm(entry)) != 0) return Error::from_errno(errno, "chmod " + quoted(what));
      // Applied at the end: creating the children changes a directory's mtime.
      directory_times_.push_back({relative, {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}});
      return ok();
    }
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(entry);
      // The target is stored verbatim: it is resolved by whoever follows it later, and everything
      // gocker itself does in the rootfs resolves in the root.
      if (::symlinkat(target != nullptr ? target : "", parent_fd, name.c_str()) != 0)
        return Error::from_errno(errno, "create symlink " + quoted(what));
      if (::fchownat(parent_fd, name.c_str(), owner(entry), group(entry), AT_SYMLINK_NOFOLLOW) != 0 &&
          errno != EPERM)
        return Error::from_errno(errno, "chown " + quoted(what));
      timespec times[2] = {{archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)},
                           {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}};
      ::utimensat(parent_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
      return ok();
    }
    case AE_IFIFO:
    case AE_IFCHR:
    case AE_IFBLK: {
      dev_t device = makedev(archive_entry_rdevmajor(entry), archive_entry_rdevminor(entry));
      if (::mknodat(parent_fd, name.c_str(), type | archive_entry_perm(entry), type == AE_IFIFO ? 0 : device) != 0)
        return Error::from_errno(errno, "create node " + quoted(what));
      if (::fchownat(parent_fd, name.c_str(), owner(entry), group(entry), AT_SYMLINK_NOFOLLOW) != 0 &&
          errno != EPERM)
        return Error::from_errno(errno, "chown " + quoted(what));
      return ok();
    }
    default:
      return Error::invalid("tar entry " + quoted(entry_name) + " has an unsupported type");
  }
}

Status Extractor::finish() {
  // Deepest first is not needed: setting a directory's times does not touch its parent's.
  for (const auto& item : directory_times_) {
    auto directory = open_in_root(root_fd_, container_path(item.relative), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (!directory) continue;  // replaced by a later entry: its times are that entry's
    timespec times[2] = {item.mtime, item.mtime};
    ::futimens(directory->get(), times);
  }
  return ok();
}

}  // namespace

Status extract_tar(int root_fd, std::string_view directory, std::string_view tar, const ExtractOptions& options) {
  auto target = open_in_root(root_fd, directory, O_PATH | O_DIRECTORY);
  if (!target) {
    if (target.error().sys_errno == ENOENT)
      return Error::not_found("Could not find the file " + std::string(directory) + " in container");
    if (target.error().sys_errno == ENOTDIR)
      return Error::invalid("extraction point is not a directory: " + std::string(directory));
    return std::move(target).error();
  }

  ReaderPtr reader(archive_read_new());
  if (!reader) return Error::internal("libarchive: out of memory");
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_tar(reader.get());
  archive_read_support_format_empty(reader.get());
  if (archive_read_open_memory(reader.get(), tar.data(), tar.size()) != ARCHIVE_OK)
    return Error::invalid("not a tar archive: " + archive_message(reader.get()));

  Extractor extractor(root_fd, std::string(directory), options);
  while (true) {
    archive_entry* entry = nullptr;
    int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) return Error::invalid("read tar header: " + archive_message(reader.get()));
    GOCKER_TRY(extractor.extract_entry(reader.get(), entry));
  }
  return extractor.finish();
}

}  // namespace gocker::engine
