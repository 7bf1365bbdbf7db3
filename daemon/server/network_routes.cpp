// Routes for /networks (moby: getNetworksList, getNetwork, postNetworkCreate, deleteNetwork,
// postNetworksPrune, postNetworkConnect, postNetworkDisconnect).
#include <array>
#include <span>

#include "base/strings.hpp"
#include "server/error_status.hpp"
#include "server/query.hpp"
#include "server/route.hpp"

namespace gocker::server {

namespace {

Result<nlohmann::json> parse_body(const std::string& body, bool required) {
  if (trim(body).empty()) {
    if (required) return Error::invalid("malformed JSON: the request body is empty");
    return nlohmann::json::object();
  }
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return Error::invalid("malformed JSON: the request body is not a JSON object");
  return parsed;
}

engine::Task<Reply> list_networks(const RequestContext& context) {
  auto filters = decode_filters(context.query.get_or("filters", ""));
  if (!filters) co_return error_response(filters.error());
  auto networks = context.engine.list_networks(*filters);
  if (!networks) co_return error_response(networks.error());
  co_return json_response(http::status::ok, *networks);
}

engine::Task<Reply> inspect_network(const RequestContext& context) {
  auto network = context.engine.inspect_network(context.params.get("id"));
  if (!network) co_return error_response(network.error());
  co_return json_response(http::status::ok, *network);
}

engine::Task<Reply> create_network(const RequestContext& context) {
  auto body = parse_body(context.request.body(), true);
  if (!body) co_return error_response(body.error());
  api::NetworkCreateRequest request;
  try {
    request = body->get<api::NetworkCreateRequest>();
  } catch (const nlohmann::json::exception& e) {
    co_return error_response(Error::invalid(std::string("invalid network config: ") + e.what()));
  }
  auto id = context.engine.create_network(request);
  if (!id) co_return error_response(id.error());
  co_return json_response(http::status::created, nlohmann::json{{"Id", *id}, {"Warning", ""}});
}

engine::Task<Reply> remove_network(const RequestContext& context) {
  Status removed = context.engine.remove_network(context.params.get("id"));
  if (!removed) co_return error_response(removed.error());
  co_return empty_response(http::status::no_content);
}

engine::Task<Reply> prune_networks(const RequestContext& context) {
  auto removed = context.engine.prune_networks();
  if (!removed) co_return error_response(removed.error());
  co_return json_response(http::status::ok, nlohmann::json{{"NetworksDeleted", *removed}});
}

engine::Task<Reply> connect_network(const RequestContext& context) {
  auto body = parse_body(context.request.body(), true);
  if (!body) co_return error_response(body.error());
  std::string container = body->value("Container", "");
  if (container.empty()) co_return error_response(Error::invalid("Container is required"));
  api::EndpointRequest endpoint;
  if (auto it = body->find("EndpointConfig"); it != body->end() && it->is_object()) {
    try {
      endpoint = it->get<api::EndpointRequest>();
    } catch (const nlohmann::json::exception& e) {
      co_return error_response(Error::invalid(std::string("invalid EndpointConfig: ") + e.what()));
    }
  }
  Status connected = context.engine.connect_network(context.params.get("id"), container, endpoint);
  if (!connected) co_return error_response(connected.error());
  co_return empty_response(http::status::ok);
}

engine::Task<Reply> disconnect_network(const RequestContext& context) {
  auto body = parse_body(context.request.body(), true);
  if (!body) co_return error_response(body.error());
  std::string container = body->value("Container", "");
  if (container.empty()) co_return error_response(Error::invalid("Container is required"));
  const auto force = body->find("Force");
  Status disconnected = context.engine.disconnect_network(context.params.get("id"), container,
                                                          force != body->end() && force->is_boolean() && force->get<bool>());
  if (!disconnected) co_return error_response(disconnected.error());
  co_return empty_response(http::status::ok);
}

constexpr std::array kNetworkRoutes{
    Route{http::verb::get, "/networks", list_networks},
    Route{http::verb::post, "/networks/create", create_network},
    Route{http::verb::post, "/networks/prune", prune_networks},
    Route{http::verb::get, "/networks/{id}", inspect_network},
    Route{http::verb::delete_, "/networks/{id}", remove_network},
    Route{http::verb::post, "/networks/{id}/connect", connect_network},
    Route{http::verb::post, "/networks/{id}/disconnect", disconnect_network},
};

}  // namespace

std::span<const Route> network_routes() { return kNetworkRoutes; }

}  // namespace gocker::server
