#pragma once
// Request routing: the API version prefix, the route tables, path parameters, and the last-resort
// catch around handlers.
//
// Every route is served unversioned and under /v1.NN/ for api::kMinApiVersion <= 1.NN <=
// api::kMaxApiVersion, as dockerd does (clients pin the version they negotiated via /_ping).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "engine/engine.hpp"
#include "server/http_types.hpp"
#include "server/route.hpp"

namespace gocker::server {

// One served (method, path) pair: the data openapi.yaml is checked against.
struct RouteSpec {
  std::string method;  // "GET", "HEAD", "POST", "DELETE"
  std::string path;    // "/containers/{id}/json"
  bool operator==(const RouteSpec&) const = default;
};
std::vector<RouteSpec> route_specs();

struct ApiPath {
  std::string path;         // without the version prefix
  std::string api_version;  // "" when the request was unversioned
};
// "/v1.41/containers/json" -> {"/containers/json", "1.41"}. InvalidArgument (400) for a version
// outside the served range, with dockerd's wording.
Result<ApiPath> split_api_version(std::string_view path);
// Compares dotted versions numerically: <0, 0, >0.
int compare_api_versions(std::string_view a, std::string_view b);

struct RouteMatch {
  const Route* route = nullptr;             // null: no route for this method
  std::vector<http::verb> allowed_methods;  // of the routes with this path (non-empty: 405, not 404)
  PathParams params;
};
RouteMatch match_route(http::verb method, std::string_view path);

class Router {
 public:
  Router(engine::Engine& engine, std::string server_version,
         std::chrono::steady_clock::duration upload_stall_timeout = std::chrono::seconds(30))
      : engine_(engine), server_version_(std::move(server_version)), upload_stall_timeout_(upload_stall_timeout) {}

  // Never throws: errors become JSON error responses; a handler that throws is logged and answered
  // with 500.
  engine::Task<Reply> dispatch(const Request& request) const;

  const std::string& server_version() const { return server_version_; }

 private:
  engine::Engine& engine_;
  std::string server_version_;
  std::chrono::steady_clock::duration upload_stall_timeout_;
};

}  // namespace gocker::server
