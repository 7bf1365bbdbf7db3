#pragma once
// Request targets for the Docker API: the version prefix, escaped path segments, query strings.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gocker::client {

// The API version the client speaks; the daemon serves it (and older prefixes).
inline constexpr const char* kApiPrefix = "/v1.41";

// Percent-encodes everything but RFC 3986 unreserved characters, so a container reference can
// never add a path segment or a query ("a/b", "x?y").
std::string escape_component(std::string_view text);

// kApiPrefix + path + "?k=v&..." with every value escaped; parameters with an empty value are
// left out, as the Go client's url.Values does for unset options.
std::string api_target(std::string_view path, const std::vector<std::pair<std::string, std::string>>& query = {});

// "/containers/<escaped reference>" + suffix, the common shape of container routes.
std::string container_path(std::string_view reference, std::string_view suffix = {});

}  // namespace gocker::client
