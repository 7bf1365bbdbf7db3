// Routes for exec: create, start (hijacked like attach), resize, inspect. Status codes as moby's
// router (daemon/server/router/container/exec.go): create 201, start 200 (101 when upgraded),
// resize 200, inspect 200.
#include <array>
#include <span>

#include <nlohmann/json.hpp>

#include "api/exec_types.hpp"
#include "base/strings.hpp"
#include "server/error_status.hpp"
#include "server/exec_request.hpp"
#include "server/route.hpp"
#include "server/stream_head.hpp"

namespace gocker::server {

namespace {

template <typename T>
Result<T> parse_body(std::string_view body, const char* what) {
  nlohmann::json document = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return Error::invalid("malformed JSON in the " + std::string(what) + " body");
  if (!document.is_object()) return Error::invalid(std::string(what) + ": the body must be a JSON object");
  try {
    return document.get<T>();
  } catch (const nlohmann::json::exception& error) {
    return Error::invalid(std::string(what) + ": " + error.what());
  }
}

}  // namespace

Result<api::ExecCreateRequest> parse_exec_create_request(std::string_view body) {
  if (trim(body).empty()) return Error::invalid("malformed JSON: the request body is empty");
  return parse_body<api::ExecCreateRequest>(body, "exec config");
}

Result<api::ExecStartRequest> parse_exec_start_request(std::string_view body) {
  if (trim(body).empty()) return api::ExecStartRequest{};
  return parse_body<api::ExecStartRequest>(body, "exec start");
}

namespace {

engine::Task<Reply> create_exec(const RequestContext& context) {
  auto request = parse_exec_create_request(context.request.body());
  if (!request) co_return error_response(request.error());
  auto created = context.engine.create_exec(context.params.get("id"), *request);
  if (!created) co_return error_response(created.error());
  co_return json_response(http::status::created, *created);
}

engine::Task<Reply> start_exec(const RequestContext& context) {
  auto request = parse_exec_start_request(context.request.body());
  if (!request) co_return error_response(request.error());
  std::string id = context.params.get("id");
  // Everything that can be refused is refused before a head commits us to a stream.
  auto claimed = context.engine.claim_exec_start(id);
  if (!claimed) co_return error_response(claimed.error());
  if (request->detach) {
    Status started = co_await context.engine.run_exec_detached(id);
    if (!started) co_return error_response(started.error());
    co_return empty_response(http::status::ok);
  }
  engine::Engine* engine = &context.engine;
  const bool tty_stream = request->tty;
  co_return HijackReply{stream_head(context, wants_upgrade(context), tty_stream),
                        [engine, id, tty_stream](engine::UnixSocket client, std::string buffered_input) {
                          return engine->run_exec_attached(id, tty_stream, std::move(client), std::move(buffered_input));
                        }};
}

engine::Task<Reply> resize_exec(const RequestContext& context) {
  auto height = context.query.get_int("h");
  if (!height) co_return error_response(height.error());
  auto width = context.query.get_int("w");
  if (!width) co_return error_response(width.error());
  if (!*height || !*width) co_return error_response(Error::invalid("resize needs both \"h\" and \"w\""));
  Status resized =
      context.engine.resize_exec(context.params.get("id"), static_cast<int>(**height), static_cast<int>(**width));
  if (!resized) co_return error_response(resized.error());
  co_return empty_response(http::status::ok);
}

engine::Task<Reply> inspect_exec(const RequestContext& context) {
  auto inspect = context.engine.inspect_exec(context.params.get("id"));
  if (!inspect) co_return error_response(inspect.error());
  co_return json_response(http::status::ok, *inspect);
}

constexpr std::array kExecRoutes{
    Route{http::verb::post, "/containers/{id}/exec", create_exec},
    Route{http::verb::post, "/exec/{id}/start", start_exec},
    Route{http::verb::post, "/exec/{id}/resize", resize_exec},
    Route{http::verb::get, "/exec/{id}/json", inspect_exec},
};

}  // namespace

std::span<const Route> exec_routes() { return kExecRoutes; }

}  // namespace gocker::server
