#pragma once
// What a route handler sees, and each resource's route table. Handlers stay thin: validate the
// request, call the engine, serialize the result.
#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/engine.hpp"
#include "server/http_types.hpp"
#include "server/query.hpp"

namespace gocker::server {

// Values captured by "{name}" segments of a route's path, percent-decoded.
class PathParams {
 public:
  void add(std::string name, std::string value) { values_.emplace_back(std::move(name), std::move(value)); }
  // The value of a parameter the route's path declares ("" for any other name).
  const std::string& get(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

struct RequestContext {
  engine::Engine& engine;
  const Request& request;
  const PathParams& params;
  const QueryParams& query;
  std::string_view api_version;     // from the /v1.NN/ prefix, else the maximum we serve
  std::string_view server_version;  // for heads written by hand (hijack)
  // How long a streamed upload's body (load, import) may pause: SessionOptions::request_timeout.
  std::chrono::steady_clock::duration upload_stall_timeout = std::chrono::seconds(30);
};

using Handler = engine::Task<Reply> (*)(const RequestContext& context);

struct Route {
  http::verb method;
  std::string_view path;  // unversioned, "{id}" for a path parameter
  Handler handler;
};

// One table per resource, defined next to its handlers.
std::span<const Route> system_routes();
std::span<const Route> image_routes();
std::span<const Route> container_routes();
std::span<const Route> container_resource_routes();   // stats, top, pause, unpause, update
std::span<const Route> container_manage_routes();     // restart, rename
std::span<const Route> exec_routes();                 // /containers/{id}/exec, /exec/...
std::span<const Route> event_routes();                // /events
std::span<const Route> archive_routes();              // /containers/{id}/archive
std::span<const Route> volume_routes();               // /volumes
std::span<const Route> network_routes();              // /networks
std::span<const Route> prune_routes();                // /images/prune, /containers/prune, /system/df

// Docker's rule for container names, [a-zA-Z0-9][a-zA-Z0-9_.-]+ with an optional leading "/",
// relaxed to allow a single character.
Status validate_container_name(std::string_view name);

}  // namespace gocker::server
