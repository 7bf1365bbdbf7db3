// Routes for stats, top, pause, unpause and update of a container (moby's
// daemon/server/router/container: stats 200 (streamed by default), top 200, pause and unpause 204,
// update 200 with {"Warnings": [...]}).
#include <array>
#include <chrono>
#include <cstdio>
#include <span>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "api/stats_types.hpp"
#include "base/strings.hpp"
#include "server/client_hangup.hpp"
#include "server/error_status.hpp"
#include "server/route.hpp"

namespace gocker::server {

namespace {

namespace asio = boost::asio;

// dockerd samples every second; the CLI's CPU % is the change between two samples.
constexpr std::chrono::seconds kStatsInterval{1};

// A sample paired with the one before it, as dockerd sends them.
void pair_with_previous(api::ContainerStats& current, const api::ContainerStats& previous) {
  current.precpu_stats = previous.cpu_stats;
  current.preread = previous.read;
}

// A sample of a container that is not running carries no read time (dockerd's empty stats).
bool is_stopped_sample(const api::ContainerStats& stats) { return stats.read == api::kZeroStatsTime; }

std::string http_chunk(const std::string& data) {
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

// stream=true: one JSON document per second, each its own HTTP chunk, until the client closes the
// connection (seen at once: the socket turns readable at EOF) or the container is removed (then
// the last chunk ends the body).
engine::Task<void> pump_stats(engine::Engine* engine, std::string id, api::ContainerStats current,
                              engine::UnixSocket client) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(client.get_executor());
  std::optional<api::ContainerStats> previous;
  while (true) {
    if (previous) pair_with_previous(current, *previous);
    const std::string chunk = http_chunk(json_text(current));
    auto [write_error, written] = co_await asio::async_write(client, asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    (void)written;
    if (write_error) co_return;
    previous = current;
    timer.expires_after(kStatsInterval);
    auto woke = co_await (timer.async_wait(asio::as_tuple(asio::use_awaitable)) ||
                          client.async_wait(engine::UnixSocket::wait_read, asio::as_tuple(asio::use_awaitable)));
    // The client went away (or spoke out of turn); a stale readiness edge only brings the sample on.
    if (woke.index() == 1 && client_hung_up(client.native_handle())) co_return;
    auto next = engine->container_stats(id);
    if (!next) {
      std::string last = "0\r\n\r\n";
      (void)co_await asio::async_write(client, asio::buffer(last), asio::as_tuple(asio::use_awaitable));
      co_return;
    }
    current = std::move(*next);
  }
}

engine::Task<Reply> container_stats(const RequestContext& context) {
  const std::string id = context.params.get("id");
  const bool stream = context.query.get_bool("stream", true);
  const bool one_shot = context.query.get_bool("one-shot", false);
  if (one_shot && stream) co_return error_response(Error::invalid("cannot have stream=true and one-shot=true"));
  auto first = context.engine.container_stats(id);
  if (!first) co_return error_response(first.error());
  if (!stream) {
    if (one_shot || is_stopped_sample(*first)) co_return json_response(http::status::ok, *first);
    // Two samples a second apart, so precpu_stats is filled and the CLI can compute CPU %.
    asio::steady_timer timer(co_await asio::this_coro::executor, kStatsInterval);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    auto second = context.engine.container_stats(id);
    if (!second) co_return error_response(second.error());
    pair_with_previous(*second, *first);
    co_return json_response(http::status::ok, *second);
  }
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                     "Connection: close\r\n" +
                     common_header_lines(context.server_version) + "\r\n";
  engine::Engine* engine = &context.engine;
  co_return HijackReply{std::move(head), [engine, id, sample = std::move(*first)](engine::UnixSocket client,
                                                                                  std::string /*buffered_input*/) {
                          return pump_stats(engine, id, sample, std::move(client));
                        }};
}

engine::Task<Reply> container_top(const RequestContext& context) {
  auto top = context.engine.top_container(context.params.get("id"), context.query.get_or("ps_args", ""));
  if (!top) co_return error_response(top.error());
  co_return json_response(http::status::ok, *top);
}

engine::Task<Reply> pause_container(const RequestContext& context) {
  Status paused = context.engine.pause_container(context.params.get("id"));
  if (!paused) co_return error_response(paused.error());
  co_return empty_response(http::status::no_content);
}

engine::Task<Reply> unpause_container(const RequestContext& context) {
  Status resumed = context.engine.unpause_container(context.params.get("id"));
  if (!resumed) co_return error_response(resumed.error());
  co_return empty_response(http::status::no_content);
}

Result<api::ContainerUpdateRequest> parse_update_request(const std::string& body) {
  if (trim(body).empty()) return Error::invalid("malformed JSON: the request body is empty");
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Error::invalid("malformed JSON in the update request");
  try {
    return parsed.get<api::ContainerUpdateRequest>();
  } catch (const nlohmann::json::exception& e) {
    return Error::invalid(std::string("invalid update config: ") + e.what());
  }
}

engine::Task<Reply> update_container(const RequestContext& context) {
  auto request = parse_update_request(context.request.body());
  if (!request) co_return error_response(request.error());
  auto updated = context.engine.update_container(context.params.get("id"), *request);
  if (!updated) co_return error_response(updated.error());
  co_return json_response(http::status::ok, *updated);
}

constexpr std::array kContainerResourceRoutes{
    Route{http::verb::get, "/containers/{id}/stats", container_stats},
    Route{http::verb::get, "/containers/{id}/top", container_top},
    Route{http::verb::post, "/containers/{id}/pause", pause_container},
    Route{http::verb::post, "/containers/{id}/unpause", unpause_container},
    Route{http::verb::post, "/containers/{id}/update", update_container},
};

}  // namespace

std::span<const Route> container_resource_routes() { return kContainerResourceRoutes; }

}  // namespace gocker::server
