#pragma once
// Unnamed temporary files for layer tars on their way into the store (commit's diff, an import's
// upload): O_TMPFILE in the layer store's tmp dir, so the data is bounded by disk, not memory, and
// no crash or failure can leave the file behind: it disappears with its last fd.
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace gocker::engine {

// A read-write unnamed file in `directory` (same filesystem as the layers).
Result<UniqueFd> open_anonymous_file(const std::string& directory);

// A path that opens the file behind `fd` afresh (its own offset): "/proc/self/fd/<fd>".
std::string reopen_path(int fd);

}  // namespace gocker::engine
