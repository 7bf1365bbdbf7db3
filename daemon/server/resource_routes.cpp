// Routes for stats, top, pause, unpause and update of a container.
#include <span>

#include "server/route.hpp"

namespace gocker::server {

std::span<const Route> container_resource_routes() { return {}; }

}  // namespace gocker::server
