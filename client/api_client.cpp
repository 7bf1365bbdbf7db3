#include "api_client.hpp"

#include <sys/socket.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "messages.hpp"

#ifndef GOCKER_VERSION
#define GOCKER_VERSION "dev"
#endif

namespace gocker::client {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using UnixSocket = asio::local::stream_protocol::socket;

struct Connection {
  asio::io_context io;
  UnixSocket socket{io};
  boost::beast::flat_buffer buffer;
};

namespace {

http::verb to_verb(Method method) {
  switch (method) {
    case Method::Get: return http::verb::get;
    case Method::Post: return http::verb::post;
    case Method::Delete: return http::verb::delete_;
    case Method::Head: return http::verb::head;
  }
  return http::verb::get;
}

Failure transport_failure(const std::string& what, const error_code& error) {
  return Failure::transport(what + ": " + error.message());
}

http::request<http::string_body> make_request(Method method, const std::string& target,
                                              const nlohmann::json* json_body) {
  http::request<http::string_body> request{to_verb(method), target, 11};
  // The Host is meaningless on a unix socket but required by HTTP/1.1; docker's client sends
  // "api.moby.localhost" for the same reason.
  request.set(http::field::host, "api.moby.localhost");
  request.set(http::field::user_agent, "gockerctl/" GOCKER_VERSION);
  if (json_body != nullptr) {
    request.set(http::field::content_type, "application/json");
    request.body() = json_body->dump();
  }
  request.prepare_payload();
  return request;
}

Outcome<void> send(Connection& connection, http::request<http::string_body>& request) {
  error_code error;
  http::write(connection.socket, request, error);
  if (error) return transport_failure(std::string(request.method_string()) + " " + std::string(request.target()), error);
  return {};
}

}  // namespace

Failure daemon_failure(const HttpReply& reply) {
  return Failure{FailureKind::Daemon, reply.status, daemon_error_line(reply.status, reply.body)};
}

// --- PendingReply ---------------------------------------------------------------------------------

struct PendingReply::State {
  std::unique_ptr<Connection> connection;
  http::response_parser<http::string_body> parser;
};

PendingReply::PendingReply(std::unique_ptr<State> state) : state_(std::move(state)) {}
PendingReply::PendingReply(PendingReply&&) noexcept = default;
PendingReply& PendingReply::operator=(PendingReply&&) noexcept = default;
PendingReply::~PendingReply() = default;

unsigned PendingReply::status() const { return state_->parser.get().result_int(); }

Outcome<HttpReply> PendingReply::finish() {
  error_code error;
  http::read(state_->connection->socket, state_->connection->buffer, state_->parser, error);
  if (error) return transport_failure("read response", error);
  return HttpReply{state_->parser.get().result_int(), std::move(state_->parser.get().body())};
}

// --- HijackedStream -------------------------------------------------------------------------------

HijackedStream::HijackedStream(std::unique_ptr<Connection> connection) : connection_(std::move(connection)) {}
HijackedStream::HijackedStream(HijackedStream&&) noexcept = default;
HijackedStream& HijackedStream::operator=(HijackedStream&&) noexcept = default;
HijackedStream::~HijackedStream() = default;

int HijackedStream::fd() const { return connection_->socket.native_handle(); }

std::string HijackedStream::take_buffered() {
  auto data = connection_->buffer.data();
  std::string bytes(static_cast<const char*>(data.data()), data.size());
  connection_->buffer.consume(data.size());
  return bytes;
}

Outcome<void> HijackedStream::close_write() {
  error_code error;
  connection_->socket.shutdown(UnixSocket::shutdown_send, error);
  if (error) return Failure::transport("close the container's stdin: " + error.message());
  return {};
}

// --- ApiClient ------------------------------------------------------------------------------------

Outcome<std::unique_ptr<Connection>> ApiClient::connect() const {
  auto connection = std::make_unique<Connection>();
  error_code error;
  connection->socket.connect(asio::local::stream_protocol::endpoint(address_.socket_path), error);
  if (error) {
    struct stat info {};
    SocketPresence presence = SocketPresence::Missing;
    if (::stat(address_.socket_path.c_str(), &info) == 0) {
      presence = S_ISSOCK(info.st_mode) ? SocketPresence::Socket : SocketPresence::NotASocket;
    }
    return Failure{FailureKind::CannotConnect, 0, cannot_connect_line(address_.url, presence, error.value())};
  }
  return connection;
}

Outcome<HttpReply> ApiClient::call(Method method, const std::string& target, const nlohmann::json* json_body) {
  auto connection = connect();
  if (!connection) return std::move(connection).error();
  auto request = make_request(method, target, json_body);
  if (auto sent = send(**connection, request); !sent) return std::move(sent).error();

  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);  // `inspect` of many containers can exceed Beast's 8 MB default
  if (method == Method::Head) parser.skip(true);
  error_code error;
  http::read((*connection)->socket, (*connection)->buffer, parser, error);
  if (error) return transport_failure("read response to " + target, error);
  return HttpReply{parser.get().result_int(), std::move(parser.get().body())};
}

Outcome<HttpReply> ApiClient::call_expecting_success(Method method, const std::string& target,
                                                     const nlohmann::json* json_body) {
  auto reply = call(method, target, json_body);
  if (reply && reply->is_error()) return daemon_failure(*reply);
  return reply;
}

Outcome<nlohmann::json> ApiClient::get_json(const std::string& target) {
  auto reply = call_expecting_success(Method::Get, target);
  if (!reply) return std::move(reply).error();
  auto parsed = nlohmann::json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Failure::transport("malformed JSON from the daemon for " + target);
  return parsed;
}

Outcome<PendingReply> ApiClient::begin(Method method, const std::string& target) {
  auto connection = connect();
  if (!connection) return std::move(connection).error();
  auto request = make_request(method, target, nullptr);
  if (auto sent = send(**connection, request); !sent) return std::move(sent).error();

  auto state = std::make_unique<PendingReply::State>();
  state->connection = std::move(*connection);
  state->parser.body_limit(boost::none);
  error_code error;
  http::read_header(state->connection->socket, state->connection->buffer, state->parser, error);
  if (error) return transport_failure("read response to " + target, error);
  PendingReply pending(std::move(state));
  if (pending.status() >= 400) {
    auto reply = pending.finish();
    if (!reply) return std::move(reply).error();
    return daemon_failure(*reply);
  }
  return pending;
}

Outcome<void> ApiClient::stream(Method method, const std::string& target, const BodySink& on_body,
                                const std::vector<std::pair<std::string, std::string>>& headers) {
  auto connection = connect();
  if (!connection) return std::move(connection).error();
  auto request = make_request(method, target, nullptr);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (auto sent = send(**connection, request); !sent) return std::move(sent).error();

  Connection& open = **connection;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);  // logs -f never ends on its own
  error_code error;
  http::read_header(open.socket, open.buffer, parser, error);
  if (error) return transport_failure("read response to " + target, error);
  const unsigned status = parser.get().result_int();
  std::string error_body;  // an error reply is collected, not streamed

  // buffer_body with read_some: each piece is handed on as soon as it arrives (http::read would
  // wait until the chunk is full or the body ends, holding `logs -f` output back); need_buffer
  // only says the chunk is full.
  char chunk[64 * 1024];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    http::read_some(open.socket, open.buffer, parser, error);
    if (error == http::error::need_buffer) error = {};
    size_t filled = sizeof chunk - parser.get().body().size;
    if (filled > 0) {
      std::string_view piece(chunk, filled);
      if (status >= 400) {
        error_body.append(piece);
      } else if (auto delivered = on_body(piece); !delivered) {
        return delivered;
      }
    }
    if (error) return transport_failure("read response to " + target, error);
  }
  if (status >= 400) return daemon_failure(HttpReply{status, std::move(error_body)});
  return {};
}

Outcome<HijackedStream> ApiClient::hijack(const std::string& target, const nlohmann::json* json_body) {
  auto connection = connect();
  if (!connection) return std::move(connection).error();
  auto request = make_request(Method::Post, target, json_body);
  request.set(http::field::connection, "Upgrade");
  request.set(http::field::upgrade, "tcp");
  if (auto sent = send(**connection, request); !sent) return std::move(sent).error();

  Connection& open = **connection;
  http::response_parser<http::string_body> parser;
  error_code error;
  http::read_header(open.socket, open.buffer, parser, error);
  if (error) return transport_failure("read response to " + target, error);
  const unsigned status = parser.get().result_int();
  if (status == 101 || status == 200) return HijackedStream(std::move(*connection));

  // An error: the body is an ordinary {"message": ...}.
  http::read(open.socket, open.buffer, parser, error);
  if (error) return transport_failure("read response to " + target, error);
  if (status < 400) {
    return Failure::transport("unable to upgrade to tcp, received " + std::to_string(status));
  }
  return daemon_failure(HttpReply{status, std::move(parser.get().body())});
}

}  // namespace gocker::client
