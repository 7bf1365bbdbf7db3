// The pure parts of the TLS listener: -H tcp:// parsing and the refusals of make_tls_server_context.
// The handshake and the relay are exercised end to end by tests/integration/daemon_surface_test.
#include "server/tls_listener.hpp"

#include <doctest/doctest.h>

using gocker::ErrorKind;
using namespace gocker::server;

TEST_CASE("tcp_endpoint_from_host takes numeric addresses with an optional port") {
  auto v4 = tcp_endpoint_from_host("tcp://127.0.0.1:2377");
  REQUIRE(v4);
  CHECK(v4->address().to_string() == "127.0.0.1");
  CHECK(v4->port() == 2377);

  auto default_port = tcp_endpoint_from_host("tcp://10.1.2.3");
  REQUIRE(default_port);
  CHECK(default_port->port() == kDefaultTlsPort);

  auto any = tcp_endpoint_from_host("tcp://:2376");
  REQUIRE(any);
  CHECK(any->address().to_string() == "0.0.0.0");

  auto v6 = tcp_endpoint_from_host("tcp://[::1]:2376");
  REQUIRE(v6);
  CHECK(v6->address().is_v6());
  CHECK(v6->address().to_string() == "::1");

  for (const char* host : {"tcp://localhost:2376", "tcp://127.0.0.1:0", "tcp://127.0.0.1:65536", "tcp://127.0.0.1:x",
                           "tcp://[::1", "tcp://[::1]2376", "unix:///run/x.sock", "tcp://1.2.3.4:2376/path"}) {
    auto endpoint = tcp_endpoint_from_host(host);
    REQUIRE_MESSAGE(!endpoint, host);
    CHECK(endpoint.error().kind == ErrorKind::InvalidArgument);
    CHECK(endpoint.error().message.find(host) != std::string::npos);
  }
}

TEST_CASE("make_tls_server_context names the flag and the file it cannot use") {
  auto missing = make_tls_server_context({"/nonexistent/ca.pem", "/nonexistent/cert.pem", "/nonexistent/key.pem"});
  REQUIRE(!missing);
  CHECK(missing.error().message == "--tlscacert \"/nonexistent/ca.pem\": No such file or directory");

  // A readable file that holds no certificate.
  auto not_pem = make_tls_server_context({"/dev/null", "/dev/null", "/dev/null"});
  REQUIRE(!not_pem);
  CHECK(not_pem.error().message.rfind("--tlscert \"/dev/null\": ", 0) == 0);
}
