#include "engine/shifted_layers.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <utility>

#include "base/filesystem.hpp"
#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "engine/tree_copy.hpp"

namespace gocker::engine {
namespace {

// FNV-1a: a stable short name for a remap's ranges (not a security boundary: the directory also
// carries the root ids, and only the daemon writes there).
uint64_t fnv1a(const std::string& text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

}  // namespace

Status copy_tree_shifted(const std::string& source, const std::string& target, const IdRemap& remap) {
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) return Error::from_errno(errno, "stat " + quoted(source));
  if (!S_ISDIR(st.st_mode)) return Error::invalid("shift " + quoted(source) + ": not a directory");
  if (::mkdir(target.c_str(), 0700) != 0) return Error::from_errno(errno, "mkdir " + quoted(target));
  UniqueFd source_fd{::open(source.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  UniqueFd target_fd{::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (!source_fd || !target_fd) return Error::from_errno(errno, "open " + quoted(source) + " or " + quoted(target));
  if (auto copied = copy_tree(source_fd.get(), target_fd.get(), &remap); !copied)
    return std::move(copied).error().context("copy layer " + quoted(source) + " with shifted owners");
  return ok();
}

std::string shifted_layers_dir(const std::string& copies_root, const IdRemap& remap) {
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a(remap.key())));
  return copies_root + "/" + std::to_string(remap.root_uid()) + "." + std::to_string(remap.root_gid()) + "-" + hash;
}

Result<std::string> ensure_shifted_layer(const std::string& layer, const std::string& dir, const IdRemap& remap) {
  const std::string name = std::filesystem::path(layer).filename().string();
  if (name.empty() || name == "." || name == "..") return Error::invalid("shift layer " + quoted(layer) + ": no directory name");
  const std::string copy = dir + "/" + name;
  if (::access(copy.c_str(), F_OK) == 0) return copy;
  if (errno != ENOENT) return Error::from_errno(errno, "look for " + quoted(copy));
  GOCKER_TRY(make_directory(std::filesystem::path(dir).parent_path().string(), 0700));
  GOCKER_TRY(make_directory(dir, 0700));
  const std::string partial = dir + "/.partial-" + name;
  std::error_code error;
  std::filesystem::remove_all(partial, error);  // what a crash mid-copy left
  if (error) return Error::from_errno(error.value(), "remove " + quoted(partial));
  if (auto copied = copy_tree_shifted(layer, partial, remap); !copied) {
    std::filesystem::remove_all(partial, error);
    return std::move(copied).error();
  }
  if (::rename(partial.c_str(), copy.c_str()) != 0) {
    const int rename_errno = errno;
    std::filesystem::remove_all(partial, error);
    return Error::from_errno(rename_errno, "rename " + quoted(partial) + " to " + quoted(copy));
  }
  return copy;
}

}  // namespace gocker::engine
