// Routes for GET /events, streamed.
#include <span>

#include "server/route.hpp"

namespace gocker::server {

std::span<const Route> event_routes() { return {}; }

}  // namespace gocker::server
