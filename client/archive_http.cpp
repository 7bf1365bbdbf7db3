#include "archive_http.hpp"

#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "api_client.hpp"
#include "messages.hpp"
#include "url.hpp"

#ifndef GOCKER_VERSION
#define GOCKER_VERSION "dev"
#endif

namespace gocker::client {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using UnixSocket = asio::local::stream_protocol::socket;

namespace {

constexpr std::string_view kPathStatHeader = "X-Docker-Container-Path-Stat";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

Outcome<std::string> base64_decode(std::string_view text) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    int value = base64_value(c);
    if (value < 0) return Failure::transport("malformed " + std::string(kPathStatHeader) + " header");
    bits = (bits << 6) | static_cast<uint32_t>(value);
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xff);
      out += static_cast<char>((bits >> 8) & 0xff);
      out += static_cast<char>(bits & 0xff);
      bits = 0;
      count = 0;
    }
  }
  if (count == 2) out += static_cast<char>((bits >> 4) & 0xff);
  if (count == 3) {
    out += static_cast<char>((bits >> 10) & 0xff);
    out += static_cast<char>((bits >> 2) & 0xff);
  }
  return out;
}

struct Exchange {
  asio::io_context io;
  UnixSocket socket{io};
  boost::beast::flat_buffer buffer;
};

Outcome<std::unique_ptr<Exchange>> connect(const DaemonAddress& address) {
  auto exchange = std::make_unique<Exchange>();
  error_code error;
  exchange->socket.connect(asio::local::stream_protocol::endpoint(address.socket_path), error);
  if (error) {
    struct stat info {};
    SocketPresence presence = SocketPresence::Missing;
    if (::stat(address.socket_path.c_str(), &info) == 0)
      presence = S_ISSOCK(info.st_mode) ? SocketPresence::Socket : SocketPresence::NotASocket;
    return Failure{FailureKind::CannotConnect, 0, cannot_connect_line(address.url, presence, error.value())};
  }
  return exchange;
}

std::string archive_target(const std::string& container, const std::string& path,
                           std::vector<std::pair<std::string, std::string>> extra = {}) {
  std::vector<std::pair<std::string, std::string>> query{{"path", path}};
  for (auto& item : extra) query.push_back(std::move(item));
  return api_target(container_path(container, "/archive"), query);
}

Outcome<void> send_request(Exchange& exchange, http::verb method, const std::string& target, std::string body) {
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, "api.moby.localhost");
  request.set(http::field::user_agent, "gockerctl/" GOCKER_VERSION);
  if (method == http::verb::put) request.set(http::field::content_type, "application/x-tar");
  request.body() = std::move(body);
  request.prepare_payload();
  error_code error;
  http::write(exchange.socket, request, error);
  if (error) return Failure::transport("send " + std::string(request.method_string()) + " archive request: " + error.message());
  return {};
}

// Reads the head and then the body through `sink` (the whole body for errors).
Outcome<ContainerPathStat> read_reply(Exchange& exchange, bool head_only, const ArchiveSink* sink) {
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  parser.skip(head_only);
  error_code error;
  http::read_header(exchange.socket, exchange.buffer, parser, error);
  if (error) return Failure::transport("read archive response: " + error.message());
  const unsigned status = parser.get().result_int();
  const bool failed = status >= 400;
  std::string error_body;
  char chunk[64 * 1024];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    http::read(exchange.socket, exchange.buffer, parser, error);
    if (error == http::error::need_buffer) error = {};
    if (error && error != http::error::end_of_stream) return Failure::transport("read archive: " + error.message());
    std::string_view piece(chunk, sizeof chunk - parser.get().body().size);
    if (failed) {
      error_body.append(piece);
    } else if (sink != nullptr && !piece.empty()) {
      if (auto written = (*sink)(piece); !written) return std::move(written).error();
    }
    if (error == http::error::end_of_stream) break;
  }
  if (failed) return Failure{FailureKind::Daemon, status, daemon_error_line(status, error_body)};
  auto header = parser.get().find(kPathStatHeader);
  if (header == parser.get().end()) return ContainerPathStat{};
  return decode_path_stat(std::string_view(header->value().data(), header->value().size()));
}

}  // namespace

Outcome<ContainerPathStat> decode_path_stat(std::string_view header) {
  auto text = base64_decode(header);
  if (!text) return std::move(text).error();
  auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return Failure::transport("malformed " + std::string(kPathStatHeader) + " header");
  ContainerPathStat stat;
  stat.name = json.value("name", "");
  stat.size = json.value("size", int64_t{0});
  stat.mode = json.value("mode", uint32_t{0});
  stat.link_target = json.value("linkTarget", "");
  return stat;
}

Outcome<ContainerPathStat> stat_container_path(const DaemonAddress& address, const std::string& container,
                                               const std::string& path) {
  auto exchange = connect(address);
  if (!exchange) return std::move(exchange).error();
  if (auto sent = send_request(**exchange, http::verb::head, archive_target(container, path), {}); !sent)
    return std::move(sent).error();
  auto stat = read_reply(**exchange, /*head_only=*/true, nullptr);
  if (stat || stat.error().kind != FailureKind::Daemon) return stat;
  // A HEAD error has no body to tell why; a GET of the same path does (and fails the same way).
  unsigned status = stat.error().http_status;
  auto again = connect(address);
  if (!again) return std::move(again).error();
  if (auto sent = send_request(**again, http::verb::get, archive_target(container, path), {}); !sent)
    return std::move(sent).error();
  auto explained = read_reply(**again, false, nullptr);
  if (!explained) {
    Failure failure = std::move(explained).error();
    failure.http_status = status;
    return failure;
  }
  return stat;
}

Outcome<ContainerPathStat> get_container_archive(const DaemonAddress& address, const std::string& container,
                                                 const std::string& path, const ArchiveSink& sink) {
  auto exchange = connect(address);
  if (!exchange) return std::move(exchange).error();
  if (auto sent = send_request(**exchange, http::verb::get, archive_target(container, path), {}); !sent)
    return std::move(sent).error();
  return read_reply(**exchange, false, &sink);
}

Outcome<void> put_container_archive(const DaemonAddress& address, const std::string& container, const std::string& path,
                                    bool copy_uid_gid, std::string tar) {
  auto exchange = connect(address);
  if (!exchange) return std::move(exchange).error();
  auto target = archive_target(container, path, {{"noOverwriteDirNonDir", "true"}, {"copyUIDGID", copy_uid_gid ? "true" : ""}});
  if (auto sent = send_request(**exchange, http::verb::put, target, std::move(tar)); !sent) return std::move(sent).error();
  auto reply = read_reply(**exchange, false, nullptr);
  if (!reply) return std::move(reply).error();
  return {};
}

}  // namespace gocker::client
