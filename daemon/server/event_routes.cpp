// GET /events: a 200 response whose chunked body is one JSON event per line, written as events
// happen, until `until` is reached or the client goes away (moby's getEvents).
//
// The session writes the head and hands the connection over (HijackReply); the pump below writes
// each event as one HTTP chunk and, after the last, the terminating zero-length chunk. While it
// waits for an event it also waits for the socket to become readable: a client that hangs up (EOF)
// ends the subscription at once instead of at the next event.
#include <array>
#include <charconv>
#include <span>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "base/strings.hpp"
#include "base/time_math.hpp"
#include "engine/time_format.hpp"
#include "server/client_hangup.hpp"
#include "server/error_status.hpp"
#include "server/route.hpp"

namespace gocker::server {

namespace asio = boost::asio;

// "1700000000", "1700000000.123456789" (the docker CLI's form), or RFC 3339 -> unix nanoseconds.
Result<std::optional<int64_t>> parse_event_time(std::string_view key, std::string_view text) {
  if (text.empty()) return std::optional<int64_t>{};
  auto invalid = [&] {
    return Error::invalid("invalid value for " + gocker::quoted(key) + ": " + gocker::quoted(text) +
                          " is not a unix timestamp or an RFC 3339 time");
  };
  if (text.find('T') != std::string_view::npos) {
    auto parsed = engine::parse_rfc3339_nanos(text);
    if (!parsed) return invalid();
    return std::optional<int64_t>{*parsed};
  }
  std::string_view seconds_text = text.substr(0, text.find('.'));
  std::string_view fraction = text.size() > seconds_text.size() ? text.substr(seconds_text.size() + 1) : "";
  int64_t seconds = 0;
  auto [end, error] = std::from_chars(seconds_text.data(), seconds_text.data() + seconds_text.size(), seconds);
  if (error != std::errc{} || end != seconds_text.data() + seconds_text.size() || seconds_text.empty()) return invalid();
  if (fraction.size() > 9 || fraction.find_first_not_of("0123456789") != std::string_view::npos) return invalid();
  int64_t nanos = 0;
  for (size_t digit = 0; digit < 9; ++digit) nanos = nanos * 10 + (digit < fraction.size() ? fraction[digit] - '0' : 0);
  return std::optional<int64_t>{unix_nanos_saturated(seconds, nanos)};
}

namespace {

std::string chunk(const std::string& data) {
  char size[20];
  auto [end, error] = std::to_chars(size, size + sizeof size, data.size(), 16);
  (void)error;
  return std::string(size, end) + "\r\n" + data + "\r\n";
}

engine::Task<void> pump_events(std::shared_ptr<engine::Engine::EventStream> stream, engine::UnixSocket client) {
  using namespace asio::experimental::awaitable_operators;
  for (;;) {
    auto outcome = co_await (stream->next() ||
                             client.async_wait(engine::UnixSocket::wait_read, asio::as_tuple(asio::use_awaitable)));
    // Readable while we only write: the client hung up (or broke protocol); either way, done.
    if (outcome.index() == 1) {
      if (client_hung_up(client.native_handle())) co_return;
      continue;  // a stale readiness edge; a pending receive of next() was cancelled, losing nothing
    }
    auto event = std::get<0>(std::move(outcome));
    if (!event) break;
    auto [error, written] = co_await asio::async_write(client, asio::buffer(chunk(json_text(*event))),
                                                       asio::as_tuple(asio::use_awaitable));
    if (error) co_return;
  }
  static constexpr std::string_view kLastChunk = "0\r\n\r\n";
  co_await asio::async_write(client, asio::buffer(kLastChunk), asio::as_tuple(asio::use_awaitable));
  boost::system::error_code ignored;
  client.shutdown(engine::UnixSocket::shutdown_send, ignored);
}

engine::Task<Reply> get_events(const RequestContext& context) {
  engine::Engine::EventQuery query;
  auto since = parse_event_time("since", context.query.get_or("since", ""));
  if (!since) co_return error_response(since.error());
  query.since_nanos = *since;
  auto until = parse_event_time("until", context.query.get_or("until", ""));
  if (!until) co_return error_response(until.error());
  query.until_nanos = *until;
  auto filters = decode_filters(context.query.get_or("filters", ""));
  if (!filters) co_return error_response(filters.error());
  query.filters = std::move(*filters);
  // Subscribed before the head goes out: an event right after the client sees the 200 is not lost.
  auto subscribed = context.engine.subscribe_events(query);
  if (!subscribed) co_return error_response(subscribed.error());
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                     "Connection: close\r\n" +
                     common_header_lines(context.server_version) + "\r\n";
  // HijackReply's pump is a std::function (copyable), hence the shared_ptr.
  std::shared_ptr<engine::Engine::EventStream> stream = std::move(*subscribed);
  co_return HijackReply{std::move(head), [stream](engine::UnixSocket client, std::string /*buffered_input*/) {
                          return pump_events(stream, std::move(client));
                        }};
}

constexpr std::array kEventRoutes{
    Route{http::verb::get, "/events", get_events},
};

}  // namespace

std::span<const Route> event_routes() { return kEventRoutes; }

}  // namespace gocker::server
