// Routes for restart and rename of a container (moby: postContainersRestart, postContainerRename).
// Both answer 204; restart takes `t` (seconds before SIGKILL) as stop does, rename takes `name`.
#include <array>
#include <span>

#include "server/error_status.hpp"
#include "server/route.hpp"

namespace gocker::server {

namespace {

engine::Task<Reply> restart_container(const RequestContext& context) {
  auto timeout = context.query.get_int("t");
  if (!timeout) co_return error_response(timeout.error());
  std::optional<int> timeout_seconds;
  if (*timeout) timeout_seconds = static_cast<int>(**timeout);
  Status restarted = co_await context.engine.restart_container(context.params.get("id"), timeout_seconds);
  if (!restarted) co_return error_response(restarted.error());
  co_return empty_response(http::status::no_content);
}

engine::Task<Reply> rename_container(const RequestContext& context) {
  std::string name = context.query.get_or("name", "");
  // An empty name passes validate_container_name (create picks one); the engine refuses it here.
  if (auto valid = validate_container_name(name); !valid) co_return error_response(valid.error());
  Status renamed = context.engine.rename_container(context.params.get("id"), name);
  if (!renamed) co_return error_response(renamed.error());
  co_return empty_response(http::status::no_content);
}

constexpr std::array kContainerManageRoutes{
    Route{http::verb::post, "/containers/{id}/restart", restart_container},
    Route{http::verb::post, "/containers/{id}/rename", rename_container},
};

}  // namespace

std::span<const Route> container_manage_routes() { return kContainerManageRoutes; }

}  // namespace gocker::server
