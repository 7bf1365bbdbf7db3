#pragma once
// The outer tar of an image archive (save/load, images issue 5), handled without libarchive
// because its members are used in place:
//   - save writes ustar headers itself and streams each member's bytes from the layer store;
//   - load indexes an uploaded archive file (names -> offset and size of each member's data), so a
//     layer is imported straight from its range of the upload (ImageStore::import_layer), whatever
//     the order of the members; nothing is extracted to a second copy.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace gocker::engine {

// A 512-byte ustar header (plus nothing else) for a regular file ('0') or a directory ('5').
// Names up to 100 bytes (all that save writes); sizes of any length (base-256 above 8 GiB).
std::string ustar_header(std::string_view name, char type, int64_t size, int64_t mtime, uint32_t mode);
// The zero bytes that pad a member of `size` bytes to a 512-byte boundary.
std::string tar_padding(int64_t size);
// The two zero blocks that end an archive.
std::string tar_end();

struct TarMember {
  char type = '0';  // '0' file, '5' directory, '2' symlink, '1' hard link
  int64_t offset = 0;  // of the data in the archive file
  int64_t size = 0;
  std::string link;  // symlink or hard link target
};

class TarIndex {
 public:
  // Reads every header of the plain tar in `fd` (ustar, GNU long names, pax path/size/linkpath).
  // InvalidArgument for a malformed or truncated archive.
  static Result<TarIndex> build(int fd);

  // The regular file `name` is (names are normalized: no "./" or "/" prefix; symlinks and hard
  // links are followed, symlinks relative to their directory). NotFound when missing.
  Result<TarMember> file(std::string_view name) const;
  bool contains(std::string_view name) const;
  // The member's bytes; InvalidArgument if it is larger than `limit` (JSON documents).
  Result<std::string> read(int fd, std::string_view name, int64_t limit = 64 << 20) const;

 private:
  std::map<std::string, TarMember, std::less<>> members_;
};

// "./a//b/" -> "a/b"
std::string normalize_member_name(std::string_view name);

}  // namespace gocker::engine
