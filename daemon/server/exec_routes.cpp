// Routes for exec: create, start (hijacked), resize, inspect.
#include <span>

#include "server/route.hpp"

namespace gocker::server {

std::span<const Route> exec_routes() { return {}; }

}  // namespace gocker::server
