// Image routes. Only the listing exists so far: the built-in image is imported by the engine.
#include <array>

#include "server/error_status.hpp"
#include "server/route.hpp"

namespace gocker::server {

namespace {

engine::Task<Reply> list_images(const RequestContext& context) {
  auto images = context.engine.list_images();
  if (!images) co_return error_response(images.error());
  co_return json_response(http::status::ok, *images);
}

constexpr std::array kRoutes{
    Route{http::verb::get, "/images/json", list_images},
};

}  // namespace

std::span<const Route> image_routes() { return kRoutes; }

}  // namespace gocker::server
