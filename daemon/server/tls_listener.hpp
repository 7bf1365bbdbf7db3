#pragma once
// The API over TCP, served only with TLS and verified client certificates (dockerd's -H tcp://
// with --tlsverify --tlscacert --tlscert --tlskey). Whoever holds a certificate the CA signed may
// do anything the unix socket allows, so there is no TCP without it.
//
// TLS ends in a relay per connection, and the HTTP session behind it is the one the unix socket
// uses, hijacked streams (attach, exec, image uploads) included:
//
//   client ══TLS over TCP══▶ TlsRelay ── plaintext ── socketpair(AF_UNIX) ──▶ Session<UnixStream>
//
//   accept ─▶ handshake, bounded by kHandshakeTimeout (no certificate, or one the CA did not
//             sign: the handshake fails and nothing else happens)
//          ─▶ socketpair: one end goes to the session exactly as an accepted unix connection
//             would; the relay copies between the other end and the TLS stream, both ways at once
//   client → session: the client's end of input (close_notify, or a TCP FIN) becomes
//             shutdown(SHUT_WR) of the relay's end, so the session or an attach pump sees EOF on
//             its input while its output still flows back (docker's CloseWrite after stdin ends)
//   session → client: the session closed its end (Connection: close, its timeouts, a finished
//             stream): stop reading from the client, send close_notify (bounded), close
// A write to a client that does not read is bounded by kWriteTimeout; reading from the client has
// no limit (an attached terminal may be idle for hours): the session's own timeouts decide.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "engine/engine.hpp"

namespace gocker::server {

// dockerd's default port for the API over TLS.
inline constexpr std::uint16_t kDefaultTlsPort = 2376;

struct TlsFiles {
  std::string ca_certificate;  // --tlscacert: the CA that signs client certificates (PEM)
  std::string certificate;     // --tlscert: the server's certificate chain (PEM)
  std::string private_key;     // --tlskey: its key (PEM)
};

// "tcp://127.0.0.1:2376", "tcp://[::1]:2376", "tcp://:2376" (every address), "tcp://10.0.0.1"
// (port 2376) -> the endpoint. Only numeric addresses: the daemon resolves no names.
Result<boost::asio::ip::tcp::endpoint> tcp_endpoint_from_host(std::string_view host);

// A bound, listening TCP socket (SO_REUSEADDR, CLOEXEC).
Result<UniqueFd> open_tcp_listen_socket(const boost::asio::ip::tcp::endpoint& endpoint);

// A server context for TLS 1.2 and later that requires a client certificate signed by the CA
// (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT). Errors name the flag and the file.
Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_server_context(const TlsFiles& files);

// Serves one accepted TCP connection as drawn above. After the handshake, `serve` receives the
// session's end of the socketpair, created on `session_executor`. Returns once both directions
// are done and the TCP connection is closed. Never throws.
engine::Task<void> relay_tls_connection(boost::asio::ip::tcp::socket client,
                                        std::shared_ptr<boost::asio::ssl::context> context,
                                        boost::asio::any_io_executor session_executor,
                                        std::function<void(engine::UnixSocket)> serve);

}  // namespace gocker::server
