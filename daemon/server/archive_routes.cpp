// Routes for docker cp: GET, PUT and HEAD /containers/{id}/archive.
#include <span>

#include "server/route.hpp"

namespace gocker::server {

std::span<const Route> archive_routes() { return {}; }

}  // namespace gocker::server
