#pragma once
// The tag a commit, import or tag request asks for, from the API's separate `repo` and `tag`
// parameters (the docker CLI splits "name:tag" itself; other clients put the tag in `repo`).
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace gocker::engine {

// The normalized reference to store ("docker.io/library/base:1"), nullopt for an empty repo (an
// untagged image). InvalidArgument for a bad name or tag, for a digest (a tag cannot be created
// from one), and for a tag given both in `repo` and in `tag`. Without a tag: "latest".
Result<std::optional<std::string>> tag_reference(std::string_view repo, std::string_view tag);

}  // namespace gocker::engine
