#pragma once
// Resolves a container's `-u` spec (uid[:gid], name[:group]) against the image's own /etc/passwd
// and /etc/group, as runc's libcontainer/user does: never the host's NSS, which would load host
// libraries and answer with host accounts.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace gocker::engine {

struct ResolvedUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  std::string home = "/";
};

// passwd and group are the files' contents (empty when the image has none).
Result<ResolvedUser> resolve_user(std::string_view spec, std::string_view passwd, std::string_view group);

}  // namespace gocker::engine
