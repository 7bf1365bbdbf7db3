#include "image_upload.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "messages.hpp"

#ifndef GOCKER_VERSION
#define GOCKER_VERSION "dev"
#endif

namespace gocker::client {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

Outcome<HttpReply> read_reply(asio::local::stream_protocol::socket& socket, boost::beast::flat_buffer& buffer) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  error_code error;
  http::read(socket, buffer, parser, error);
  if (error && !(error == http::error::end_of_stream && parser.is_done()))
    return Failure::transport("read the import response: " + error.message());
  return HttpReply{parser.get().result_int(), std::move(parser.get().body())};
}

}  // namespace

Outcome<HttpReply> post_streamed_body(const DaemonAddress& address, const std::string& target, int fd) {
  asio::io_context io;
  asio::local::stream_protocol::socket socket(io);
  error_code error;
  socket.connect(asio::local::stream_protocol::endpoint(address.socket_path), error);
  if (error) {
    struct stat info {};
    SocketPresence presence = SocketPresence::Missing;
    if (::stat(address.socket_path.c_str(), &info) == 0)
      presence = S_ISSOCK(info.st_mode) ? SocketPresence::Socket : SocketPresence::NotASocket;
    return Failure{FailureKind::CannotConnect, 0, cannot_connect_line(address.url, presence, error.value())};
  }
  std::string head = "POST " + target +
                     " HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: gockerctl/" GOCKER_VERSION
                     "\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n";
  boost::beast::flat_buffer buffer;
  asio::write(socket, asio::buffer(head), error);
  // A write error means the daemon answered early and closed: its answer says why.
  std::vector<char> chunk(256 * 1024);
  while (!error) {
    ssize_t got = ::read(fd, chunk.data(), chunk.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Failure::local(std::string("read the archive: ") + std::strerror(errno));
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", static_cast<size_t>(got));
    std::vector<asio::const_buffer> pieces{asio::buffer(size_line, std::strlen(size_line)),
                                           asio::buffer(chunk.data(), static_cast<size_t>(got)), asio::buffer("\r\n", 2)};
    // The last chunk, "0\r\n\r\n", ends the body.
    asio::write(socket, pieces, error);
    if (got == 0) break;
  }
  auto reply = read_reply(socket, buffer);
  if (!reply && error) return Failure::transport("send the archive: " + error.message());
  return reply;
}

Outcome<std::string> imported_image_id(const std::string& progress_stream) {
  std::string id;
  std::istringstream lines(progress_stream);
  std::string line;
  while (std::getline(lines, line)) {
    auto message = nlohmann::json::parse(line, nullptr, false);
    if (!message.is_object()) continue;
    if (auto error = message.find("errorMessage"); error != message.end() && error->is_string())
      return Failure{FailureKind::Daemon, 0, error->get<std::string>()};
    if (auto status = message.find("status"); status != message.end() && status->is_string()) id = status->get<std::string>();
  }
  if (id.empty()) return Failure::transport("the daemon's import answer holds no image id");
  return id;
}

}  // namespace gocker::client
