// Volume routes (moby's daemon/server/router/volume): create 201, list/inspect 200, delete 204
// (409 while a container uses the volume), prune 200.
#include <array>

#include <nlohmann/json.hpp>

#include "api/volume_types.hpp"
#include "base/strings.hpp"
#include "server/error_status.hpp"
#include "server/route.hpp"

namespace gocker::server {

namespace {

Result<api::VolumeCreateRequest> parse_volume_create(const std::string& body) {
  if (trim(body).empty()) return api::VolumeCreateRequest{};
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return Error::invalid("malformed JSON in the volume create request");
  try {
    return parsed.get<api::VolumeCreateRequest>();
  } catch (const nlohmann::json::exception& e) {
    return Error::invalid(std::string("invalid volume create request: ") + e.what());
  }
}

engine::Task<Reply> create_volume(const RequestContext& context) {
  auto request = parse_volume_create(context.request.body());
  if (!request) co_return error_response(request.error());
  auto volume = context.engine.create_volume(*request);
  if (!volume) co_return error_response(volume.error());
  co_return json_response(http::status::created, *volume);
}

engine::Task<Reply> list_volumes(const RequestContext& context) {
  auto filters = decode_filters(context.query.get_or("filters", ""));
  if (!filters) co_return error_response(filters.error());
  auto volumes = context.engine.list_volumes(*filters);
  if (!volumes) co_return error_response(volumes.error());
  co_return json_response(http::status::ok, *volumes);
}

engine::Task<Reply> inspect_volume(const RequestContext& context) {
  auto volume = context.engine.inspect_volume(context.params.get("name"));
  if (!volume) co_return error_response(volume.error());
  co_return json_response(http::status::ok, *volume);
}

engine::Task<Reply> remove_volume(const RequestContext& context) {
  Status removed = context.engine.remove_volume(context.params.get("name"), context.query.get_bool("force"));
  if (!removed) co_return error_response(removed.error());
  co_return empty_response(http::status::no_content);
}

engine::Task<Reply> prune_volumes(const RequestContext& context) {
  auto filters = decode_filters(context.query.get_or("filters", ""));
  if (!filters) co_return error_response(filters.error());
  auto pruned = context.engine.prune_volumes(*filters);
  if (!pruned) co_return error_response(pruned.error());
  co_return json_response(http::status::ok, *pruned);
}

constexpr std::array kVolumeRoutes{
    Route{http::verb::post, "/volumes/create", create_volume},
    Route{http::verb::get, "/volumes", list_volumes},
    Route{http::verb::post, "/volumes/prune", prune_volumes},
    Route{http::verb::get, "/volumes/{name}", inspect_volume},
    Route{http::verb::delete_, "/volumes/{name}", remove_volume},
};

}  // namespace

std::span<const Route> volume_routes() { return kVolumeRoutes; }

}  // namespace gocker::server
