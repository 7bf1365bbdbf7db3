#pragma once
// A small tar codec for the local side of `gockerctl cp`. gockerctl is linked statically, and
// libarchive's static dependencies (zstd, lz4, acl) are not all available as static libraries on
// Debian, so the client carries the subset it needs: ustar headers with pax extended records for
// long names and link targets, regular files, directories, symlinks and hard links (anything else
// is skipped). The daemon side uses libarchive.
//
// Extraction is contained in the destination directory: entry names with ".." are refused, a
// leading "/" is dropped, and every parent is opened with openat2(RESOLVE_BENEATH) from the
// destination's fd, so a symlink in the archive (or already there) cannot carry a write out of it.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "outcome.hpp"

namespace gocker::client {

struct TarEntry {
  std::string name;
  char type = '0';  // '0' file, '1' hard link, '2' symlink, '5' directory
  mode_t mode = 0644;
  uid_t uid = 0;
  gid_t gid = 0;
  int64_t mtime = 0;
  std::string link_name;  // symlink target or hard link's first name
  std::string_view content;
};

// Appends one entry (its header, a pax header first if needed, and its padded content).
void append_tar_entry(std::string& out, const TarEntry& entry);
// The two zero blocks that end an archive.
void append_tar_end(std::string& out);

// Adds `path` (recursively for a directory) as `name`: what `cp` sends. `follow` follows a symlink
// at the top; `keep_owners` keeps uid/gid (else 0:0, as docker's cp without -a).
Outcome<void> append_local_tree(std::string& out, const std::string& path, const std::string& name, bool follow,
                                bool keep_owners);

// Calls `on_entry` for each entry of `tar`; a malformed archive is a Local failure.
Outcome<void> read_tar(std::string_view tar, const std::function<Outcome<void>(const TarEntry&)>& on_entry);

// Extracts into `directory`, renaming a first component `from` to `to` (docker's rebase).
Outcome<void> extract_tar_locally(std::string_view tar, const std::string& directory, const std::string& from,
                                  const std::string& to, bool keep_owners);

// "data/x" with from "data", to "copy" -> "copy/x"; a name not under `from` is unchanged.
std::string rebase_entry_name(const std::string& name, const std::string& from, const std::string& to);

}  // namespace gocker::client
