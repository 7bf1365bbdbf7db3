#include "server/tls_listener.hpp"

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "base/strings.hpp"

namespace gocker::server {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

// A client gets this long to complete its handshake after connecting.
constexpr auto kHandshakeTimeout = std::chrono::seconds(30);
// A client that stops reading while the daemon writes to it is dropped after this long, as the
// session drops one on the unix socket (SessionOptions::write_timeout).
constexpr auto kWriteTimeout = std::chrono::seconds(120);
// Sending close_notify and waiting for the client's own (RFC 8446 6.1) at the end.
constexpr auto kShutdownTimeout = std::chrono::seconds(5);
// One TLS record's worth of plaintext per direction.
constexpr std::size_t kRelayBufferSize = 16 * 1024;

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(endpoint.port());
}

// The relay of one connection. Every step runs on the connection's strand (the executor of the
// accepted socket), so the two copy loops, the timer's handler and the final shutdown never
// overlap. The object is shared with the deadline timer's handler, which may run after the relay
// moved on (see arm_deadline).
class TlsRelay : public std::enable_shared_from_this<TlsRelay> {
 public:
  TlsRelay(tcp::socket client, ssl::context& context)
      : tls_(std::move(client), context), plaintext_(tls_.get_executor()), deadline_(tls_.get_executor()) {
    boost::system::error_code error;
    tcp::endpoint peer = tls_.next_layer().remote_endpoint(error);
    peer_ = error ? std::string("a client") : endpoint_text(peer);
  }

  engine::Task<void> run(net::any_io_executor session_executor, std::function<void(engine::UnixSocket)> serve) {
    using namespace net::experimental::awaitable_operators;
    arm_deadline(kHandshakeTimeout);
    auto [handshake_error] = co_await tls_.async_handshake(ssl::stream_base::server, net::as_tuple(net::use_awaitable));
    disarm_deadline();
    if (handshake_error) {
      // Expected for clients without a valid certificate: info, not an error of the daemon.
      spdlog::info("TLS handshake with {} failed: {}", peer_, describe(handshake_error));
      close_client();
      co_return;
    }
    engine::UnixSocket session_end(session_executor);
    boost::system::error_code pair_error;
    net::local::connect_pair(plaintext_, session_end, pair_error);
    if (pair_error) {
      spdlog::error("TLS connection from {}: socketpair: {}", peer_, pair_error.message());
      close_client();
      co_return;
    }
    spdlog::debug("TLS connection from {} ({})", peer_, SSL_get_version(tls_.native_handle()));
    serve(std::move(session_end));
    co_await (copy_client_to_session() && copy_session_to_client());
    co_await finish();
  }

 private:
  static std::string describe(const boost::system::error_code& error) {
    if (error == net::error::eof || error == ssl::error::stream_truncated) return "the client closed the connection";
    if (error == net::error::operation_aborted) return "timed out";
    return error.message();
  }

  // The timer closes the TCP socket when the step it guards takes too long; the pending operation
  // then fails. Handlers the cancel of disarm_deadline() cannot reach any more (already queued)
  // are told apart by the generation.
  void arm_deadline(std::chrono::steady_clock::duration timeout) {
    const std::uint64_t generation = ++deadline_generation_;
    deadline_.expires_after(timeout);
    deadline_.async_wait([self = shared_from_this(), generation](const boost::system::error_code& error) {
      if (error || generation != self->deadline_generation_) return;
      self->close_client();
    });
  }
  void disarm_deadline() {
    ++deadline_generation_;
    deadline_.cancel();
  }

  void close_client() {
    boost::system::error_code ignored;  // fails only for a socket that is already closed
    tls_.next_layer().close(ignored);
  }

  engine::Task<void> copy_client_to_session() {
    for (;;) {
      if (client_done_) break;
      auto [read_error, count] = co_await tls_.async_read_some(
          net::buffer(from_client_), net::bind_cancellation_slot(stop_client_read_.slot(), net::as_tuple(net::use_awaitable)));
      if (read_error) break;  // close_notify (eof), a bare FIN, a reset, or cancelled below
      auto [write_error, written] =
          co_await net::async_write(plaintext_, net::buffer(from_client_.data(), count), net::as_tuple(net::use_awaitable));
      (void)written;
      if (write_error) break;  // the session has gone
    }
    client_done_ = true;
    boost::system::error_code ignored;  // ENOTCONN once the session end is closed: nothing to tell
    plaintext_.shutdown(net::socket_base::shutdown_send, ignored);
  }

  engine::Task<void> copy_session_to_client() {
    for (;;) {
      auto [read_error, count] =
          co_await plaintext_.async_read_some(net::buffer(to_client_), net::as_tuple(net::use_awaitable));
      if (read_error) break;  // the session closed its end
      arm_deadline(kWriteTimeout);
      auto [write_error, written] =
          co_await net::async_write(tls_, net::buffer(to_client_.data(), count), net::as_tuple(net::use_awaitable));
      (void)written;
      disarm_deadline();
      if (write_error) break;  // the client has gone
    }
    // Whatever the client still sends has nowhere to go. The cancellation reaches the TLS read
    // even between two of its steps (Asio's SSL operations check it before each).
    client_done_ = true;
    stop_client_read_.emit(net::cancellation_type::terminal);
    boost::system::error_code ignored;
    plaintext_.shutdown(net::socket_base::shutdown_both, ignored);
  }

  engine::Task<void> finish() {
    if (tls_.next_layer().is_open()) {
      // close_notify tells the client the stream ended here and was not cut (curl and Go both
      // check); the wait for its answer is bounded.
      arm_deadline(kShutdownTimeout);
      auto [shutdown_error] = co_await tls_.async_shutdown(net::as_tuple(net::use_awaitable));
      (void)shutdown_error;  // the client may close first: it has everything it asked for
      disarm_deadline();
    }
    close_client();
    boost::system::error_code ignored;
    plaintext_.close(ignored);
  }

  ssl::stream<tcp::socket> tls_;
  engine::UnixSocket plaintext_;
  net::steady_timer deadline_;
  std::uint64_t deadline_generation_ = 0;
  net::cancellation_signal stop_client_read_;
  bool client_done_ = false;
  std::string peer_;
  std::array<char, kRelayBufferSize> from_client_{};
  std::array<char, kRelayBufferSize> to_client_{};
};

// "the file named by --tlscert (/x.pem)" for errors.
std::string flag_file(std::string_view flag, const std::string& path) {
  return std::string(flag) + " " + gocker::quoted(path);
}

Status check_readable(std::string_view flag, const std::string& path) {
  if (path.empty()) return Error::invalid(std::string(flag) + " is empty");
  if (::access(path.c_str(), R_OK) < 0) return Error::from_errno(errno, flag_file(flag, path));
  return ok();
}

}  // namespace

Result<tcp::endpoint> tcp_endpoint_from_host(std::string_view host) {
  constexpr std::string_view kTcpScheme = "tcp://";
  const auto invalid = [host](const std::string& why) {
    return Error::invalid("host " + gocker::quoted(host) + ": " + why);
  };
  if (!starts_with(host, kTcpScheme)) return invalid("not a tcp:// address");
  std::string_view rest = host.substr(kTcpScheme.size());
  std::string_view address_text;
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return invalid("no closing ] after the IPv6 address");
    address_text = rest.substr(1, close - 1);
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return invalid("expected :PORT after the IPv6 address");
      port_text = rest.substr(1);
    }
  } else {
    const size_t colon = rest.find(':');
    address_text = rest.substr(0, colon);
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  std::uint16_t port = kDefaultTlsPort;
  if (!port_text.empty()) {
    auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc{} || end != port_text.data() + port_text.size() || port == 0)
      return invalid("the port must be a number from 1 to 65535");
  }
  net::ip::address address = net::ip::address_v4::any();
  if (!address_text.empty()) {
    boost::system::error_code error;
    address = net::ip::make_address(address_text, error);
    if (error) return invalid("the address must be a numeric IPv4 or [IPv6] address");
  }
  return tcp::endpoint(address, port);
}

Result<UniqueFd> open_tcp_listen_socket(const tcp::endpoint& endpoint) {
  const std::string what = "listen on tcp://" + endpoint_text(endpoint);
  UniqueFd socket{::socket(endpoint.address().is_v6() ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!socket) return Error::from_errno(errno, what + ": create socket");
  // A restarted daemon binds again while connections of the previous one are in TIME_WAIT.
  int enable = 1;
  if (::setsockopt(socket.get(), SOL_SOCKET, SO_REUSEADDR, &enable, sizeof(enable)) < 0)
    return Error::from_errno(errno, what + ": SO_REUSEADDR");
  if (::bind(socket.get(), endpoint.data(), static_cast<socklen_t>(endpoint.size())) < 0)
    return Error::from_errno(errno, what + ": bind");
  if (::listen(socket.get(), SOMAXCONN) < 0) return Error::from_errno(errno, what + ": listen");
  return socket;
}

Result<std::shared_ptr<ssl::context>> make_tls_server_context(const TlsFiles& files) {
  GOCKER_TRY(check_readable("--tlscacert", files.ca_certificate));
  GOCKER_TRY(check_readable("--tlscert", files.certificate));
  GOCKER_TRY(check_readable("--tlskey", files.private_key));

  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  // TLS 1.0 and 1.1 are deprecated (RFC 8996); dockerd's minimum is 1.2 as well.
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) return Error::internal("TLS: set the minimum version 1.2");
  boost::system::error_code error;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression, error);
  if (error) return Error::internal("TLS: set options: " + error.message());

  context->use_certificate_chain_file(files.certificate, error);
  if (error) return Error::invalid(flag_file("--tlscert", files.certificate) + ": " + error.message());
  context->use_private_key_file(files.private_key, ssl::context::pem, error);
  if (error) return Error::invalid(flag_file("--tlskey", files.private_key) + ": " + error.message());
  if (SSL_CTX_check_private_key(native) != 1)
    return Error::invalid(flag_file("--tlskey", files.private_key) + ": does not match the certificate of --tlscert");

  context->load_verify_file(files.ca_certificate, error);
  if (error) return Error::invalid(flag_file("--tlscacert", files.ca_certificate) + ": " + error.message());
  // The CA names go into the certificate request, so a client holding several certificates
  // (Go's crypto/tls) picks the one this CA signed.
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca_certificate.c_str()))
    SSL_CTX_set_client_CA_list(native, names);
  context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, error);
  if (error) return Error::internal("TLS: set the verify mode: " + error.message());
  return context;
}

engine::Task<void> relay_tls_connection(tcp::socket client, std::shared_ptr<ssl::context> context,
                                        net::any_io_executor session_executor,
                                        std::function<void(engine::UnixSocket)> serve) {
  auto relay = std::make_shared<TlsRelay>(std::move(client), *context);
  co_await relay->run(std::move(session_executor), std::move(serve));
}

}  // namespace gocker::server
