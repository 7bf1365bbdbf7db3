// Fuzz target: the daemon's HTTP request handling. The input is whatever a client writes on its
// connection (one request or several pipelined, heads, bodies, chunked encoding, garbage). It
// goes through the real Session and Router (server/session.hpp) on a unix socketpair, with the
// scripted engine of the server's unit tests behind them, so the header/target/body limits, the
// version prefix, route matching, path and query decoding, filters, each handler's JSON body
// decoding and the hijack/streamed-upload hand-overs all see hostile bytes.
//
// Checked beyond "no crash, no sanitizer report": the session always finishes once the client has
// sent everything and half-closed its end (a request the daemon keeps waiting on forever would be
// a way to pin connections), within a generous bound.
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <spdlog/spdlog.h>

#include "fake_engine.hpp"
#include "server/session.hpp"

namespace {

namespace net = boost::asio;
using namespace gocker;

// The unit tests' engine, except that `wait` completes at once: the fuzzer cannot release it.
class ImmediateExitWaiter : public engine::ExitWaiter {
 public:
  engine::Task<api::WaitResponse> wait() override { co_return api::WaitResponse{0, std::nullopt}; }
};

class FuzzEngine : public server::testing::FakeEngine {
 public:
  using FakeEngine::FakeEngine;
  Result<std::shared_ptr<engine::ExitWaiter>> watch_exit(const std::string& ref, engine::WaitCondition) override {
    if (!server::testing::is_known_container(ref)) return server::testing::no_such_container(ref);
    return std::shared_ptr<engine::ExitWaiter>(std::make_shared<ImmediateExitWaiter>());
  }
};

net::awaitable<void> run_client(net::local::stream_protocol::socket& socket, std::string input) {
  auto [write_error, written] =
      co_await net::async_write(socket, net::buffer(input), net::as_tuple(net::use_awaitable));
  (void)written;
  (void)write_error;  // the server may close early (a 4xx closes the connection): not a finding
  boost::system::error_code ignored;
  socket.shutdown(net::socket_base::shutdown_send, ignored);
  // Drain what the server writes, so it never blocks on a full socket buffer.
  for (;;) {
    char bytes[16384];
    auto [error, count] = co_await socket.async_read_some(net::buffer(bytes), net::as_tuple(net::use_awaitable));
    (void)count;
    if (error) co_return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // "handler threw" and friends would flood the output
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  net::io_context io_context;
  FuzzEngine engine(io_context.get_executor());
  server::Router router(engine, "0.1.0");
  // Small limits, so that inputs of a few KiB reach the 413/414/431 paths too.
  server::SessionOptions options;
  options.body_limit = 2048;
  options.archive_body_limit = 4096;
  options.header_limit = 1024;
  options.target_limit = 512;

  net::local::stream_protocol::socket client(io_context);
  net::local::stream_protocol::socket server_side(io_context);
  net::local::connect_pair(client, server_side);
  net::co_spawn(io_context, server::serve_connection(server::UnixStream(std::move(server_side)), router, options),
                net::detached);
  net::co_spawn(io_context, run_client(client, std::string(reinterpret_cast<const char*>(data), size)), net::detached);
  io_context.run_for(std::chrono::seconds(20));
  if (!io_context.stopped()) {
    std::fprintf(stderr, "the session did not finish after the client half-closed its connection\n");
    std::abort();
  }
  return 0;
}
