// System routes: /_ping, /version, /info, /auth (login). The docker CLI calls /_ping first (HEAD, falling back to
// GET) and takes the highest API version it may use from the API-Version header.
#include <array>

#include "api/system_types.hpp"
#include "server/registry_routes.hpp"
#include "server/route.hpp"

namespace gocker::server {

namespace {

Response ping_response(const RequestContext& context) {
  Response response{http::status::ok, 11};
  response.set("API-Version", api::kMaxApiVersion);
  response.set("Docker-Experimental", "false");
  response.set("OSType", "linux");
  // dockerd marks /_ping uncacheable so a proxy never answers for a daemon that went away.
  response.set(http::field::cache_control, "no-cache, no-store, must-revalidate");
  response.set(http::field::pragma, "no-cache");
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  if (context.request.method() != http::verb::head) response.body() = "OK";
  response.prepare_payload();
  return response;
}

engine::Task<Reply> get_ping(const RequestContext& context) { co_return ping_response(context); }

engine::Task<Reply> get_version(const RequestContext& context) {
  co_return json_response(http::status::ok, context.engine.version());
}

engine::Task<Reply> get_info(const RequestContext& context) {
  co_return json_response(http::status::ok, context.engine.info());
}

constexpr std::array kSystemRoutes{
    Route{http::verb::get, "/_ping", get_ping},
    Route{http::verb::head, "/_ping", get_ping},
    Route{http::verb::get, "/version", get_version},
    Route{http::verb::get, "/info", get_info},
    Route{http::verb::post, "/auth", login},  // server/registry_routes.cpp
};

}  // namespace

std::span<const Route> system_routes() { return kSystemRoutes; }

}  // namespace gocker::server
