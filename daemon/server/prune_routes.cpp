// The prune routes of images and containers and GET /system/df (moby's image, container and
// system routers): filters decoded here, checked by the engine (400 before anything is removed).
#include <array>

#include "api/usage_types.hpp"
#include "server/error_status.hpp"
#include "server/route.hpp"

namespace gocker::server {

namespace {

engine::Task<Reply> prune_images(const RequestContext& context) {
  auto filters = decode_filters(context.query.get_or("filters", ""));
  if (!filters) co_return error_response(filters.error());
  auto pruned = context.engine.prune_images(*filters);
  if (!pruned) co_return error_response(pruned.error());
  co_return json_response(http::status::ok, *pruned);
}

engine::Task<Reply> prune_containers(const RequestContext& context) {
  auto filters = decode_filters(context.query.get_or("filters", ""));
  if (!filters) co_return error_response(filters.error());
  auto pruned = context.engine.prune_containers(*filters);
  if (!pruned) co_return error_response(pruned.error());
  co_return json_response(http::status::ok, *pruned);
}

// `type` (API 1.42+, a subset of the answer) is not read: at 1.41 the answer is always whole.
engine::Task<Reply> disk_usage(const RequestContext& context) {
  auto usage = context.engine.disk_usage();
  if (!usage) co_return error_response(usage.error());
  co_return json_response(http::status::ok, *usage);
}

constexpr std::array kPruneRoutes{
    Route{http::verb::post, "/images/prune", prune_images},
    Route{http::verb::post, "/containers/prune", prune_containers},
    Route{http::verb::get, "/system/df", disk_usage},
};

}  // namespace

std::span<const Route> prune_routes() { return kPruneRoutes; }

}  // namespace gocker::server
