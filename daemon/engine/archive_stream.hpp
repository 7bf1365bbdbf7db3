#pragma once
// Tar streams for docker cp, built on libarchive and on fds resolved inside a container's rootfs
// (engine/contained_path.hpp):
//
//   TarProducer   walks a file or directory tree from an already resolved (parent fd, name) and
//                 yields the tar piece by piece, so the engine can write each piece to the client
//                 with co_await between them instead of building the whole archive in memory.
//                 Every open below the start is openat(dir_fd, name, O_NOFOLLOW): symlinks are
//                 archived as symlinks, never followed.
//   extract_tar   unpacks a tar into a directory of the container. Each entry's parent directory
//                 is resolved with openat2(RESOLVE_IN_ROOT) from the rootfs fd, and the entry is
//                 created with *at() calls on that fd (O_EXCL | O_NOFOLLOW after removing what was
//                 there), so neither a symlink already in the container nor one planted by an
//                 earlier entry of the same tar can redirect a write outside the rootfs.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "engine/contained_path.hpp"
#include "engine/userns_remap.hpp"

struct archive;

namespace gocker::engine {

class TarProducer {
 public:
  // `top_name` is the name of the first entry; entries below it are "top_name/relative/path".
  // With `remap` (a remapped container's), owners are written as the container sees them.
  static Result<std::unique_ptr<TarProducer>> open(ResolvedPath source, std::string top_name,
                                                   const std::optional<IdRemap>& remap = std::nullopt);
  ~TarProducer();
  TarProducer(const TarProducer&) = delete;
  TarProducer& operator=(const TarProducer&) = delete;

  // Appends the next piece of the archive to `out` (an entry header or up to kChunkSize bytes of
  // file content). Returns false once the archive, end-of-archive blocks included, is complete.
  Result<bool> next(std::string& out);

  static constexpr size_t kChunkSize = 128 * 1024;

 private:
  struct Directory;
  TarProducer() = default;
  Status emit_entry(int dir_fd, const std::string& name, const std::string& tar_name);

  archive* writer_ = nullptr;
  std::string* out_ = nullptr;  // where the write callback appends; set during next()
  ResolvedPath root_;
  std::string top_name_;
  bool root_pending_ = true;
  bool closed_ = false;
  std::vector<std::unique_ptr<Directory>> stack_;
  UniqueFd file_;
  int64_t file_remaining_ = 0;
  std::map<std::pair<dev_t, ino_t>, std::string> hard_links_;  // first name of multiply linked files
  std::optional<IdRemap> remap_;

};

struct ExtractOptions {
  // The API's noOverwriteDirNonDir: refuse to replace a directory by a non-directory or the other
  // way round (else the old one is removed, as tar does).
  bool no_overwrite_dir_non_dir = false;
  // Keep the archive's uid/gid; otherwise everything is created owned by root (0:0).
  bool keep_owners = true;
  // A remapped container's maps: the archive's ids (or root) are the container's, stored on the
  // host as the ids they map to.
  std::optional<IdRemap> remap = std::nullopt;
};

// Extracts `tar` (optionally compressed) into `directory`, a container path resolved in `root_fd`.
// NotFound if the directory does not exist, InvalidArgument if it is not a directory or the
// archive is malformed or tries to leave it.
Status extract_tar(int root_fd, std::string_view directory, std::string_view tar, const ExtractOptions& options);

}  // namespace gocker::engine
