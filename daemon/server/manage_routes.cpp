// Routes for restart and rename of a container.
#include <span>

#include "server/route.hpp"

namespace gocker::server {

std::span<const Route> container_manage_routes() { return {}; }

}  // namespace gocker::server
