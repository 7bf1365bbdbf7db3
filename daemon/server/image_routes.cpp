// Image routes: the listing and inspect. Images are imported by the engine (the built-in busybox);
// pull, tag and remove belong to the images issue.
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

// {name} is one path segment here: "busybox", "busybox:latest", "sha256:<hex>", an id prefix.
// Docker's router takes a name with slashes too ("library/busybox"); ours matches single segments.
engine::Task<Reply> inspect_image(const RequestContext& context) {
  auto image = context.engine.inspect_image(context.params.get("name"));
  if (!image) co_return error_response(image.error());
  co_return json_response(http::status::ok, *image);
}

constexpr std::array kRoutes{
    Route{http::verb::get, "/images/json", list_images},
    Route{http::verb::get, "/images/{name}/json", inspect_image},
};

}  // namespace

std::span<const Route> image_routes() { return kRoutes; }

}  // namespace gocker::server
