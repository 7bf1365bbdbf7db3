#include "engine/directory_size.hpp"

#include <fts.h>
#include <sys/stat.h>

#include <set>
#include <utility>

namespace gocker::engine {

int64_t directory_size(const std::string& path) {
  std::string root = path;
  char* roots[] = {root.data(), nullptr};
  // FTS_PHYSICAL: symlinks are not followed; FTS_XDEV: mount points are not crossed.
  FTS* walk = ::fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, nullptr);
  if (walk == nullptr) return 0;
  int64_t total = 0;
  std::set<std::pair<dev_t, ino_t>> seen_links;
  while (FTSENT* entry = ::fts_read(walk)) {
    if (entry->fts_info != FTS_F) continue;
    const struct stat& info = *entry->fts_statp;
    if (info.st_nlink > 1 && !seen_links.emplace(info.st_dev, info.st_ino).second) continue;
    total += info.st_size;
  }
  ::fts_close(walk);
  return total;
}

}  // namespace gocker::engine
