// The Server end to end on a real listening socket: acceptor, per-connection strand, UnixStream.
#include "server/server.hpp"

#include <cstdlib>
#include <filesystem>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <doctest/doctest.h>

#include "fake_engine.hpp"
#include "server/listener.hpp"

namespace net = boost::asio;
using namespace gocker::server;

namespace {

net::awaitable<void> ping_twice(net::local::stream_protocol::socket& socket, std::string path, std::string& received,
                                Server& server) {
  co_await socket.async_connect(net::local::stream_protocol::endpoint(path), net::use_awaitable);
  std::string requests = "GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\nGET /v1.41/info HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";
  co_await net::async_write(socket, net::buffer(requests), net::use_awaitable);
  for (;;) {
    char bytes[4096];
    auto [error, count] = co_await socket.async_read_some(net::buffer(bytes), net::as_tuple(net::use_awaitable));
    if (error) break;
    received.append(bytes, count);
  }
  server.stop_accepting();  // lets the io_context run out of work
}

}  // namespace

TEST_CASE("Server accepts on its socket and serves kept-alive requests") {
  char pattern[] = "/tmp/gocker-server-XXXXXX";
  REQUIRE(::mkdtemp(pattern) != nullptr);
  std::string directory = pattern;
  std::string path = directory + "/gocker.sock";

  net::io_context io_context;
  gocker::server::testing::FakeEngine engine(io_context.get_executor());
  Server server(io_context, engine, ServerOptions{"0.1.0", {}, 1});
  auto listen_socket = open_listen_socket(path);
  REQUIRE(listen_socket);
  REQUIRE(server.start(std::move(*listen_socket)));

  net::local::stream_protocol::socket client(io_context);
  std::string received;
  net::co_spawn(io_context, ping_twice(client, path, received, server), net::detached);
  io_context.run_for(std::chrono::seconds(5));

  CHECK(received.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(received.find("\r\n\r\nOK") != std::string::npos);
  CHECK(received.find("\"Containers\":3") != std::string::npos);
  CHECK(received.find("Server: gocker/0.1.0\r\n") != std::string::npos);
  CHECK(io_context.stopped());  // every coroutine finished once the acceptor closed
  std::filesystem::remove_all(directory);
}
