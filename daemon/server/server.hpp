#pragma once
// The daemon's HTTP server: one io_context run by a small fixed pool of threads, an acceptor on the
// listening unix socket (and one per TLS listener, tls_listener.hpp), and one coroutine session per
// connection on its own strand (so a connection's handlers never run concurrently, while different
// connections use all threads). No thread is ever started per connection.
//
// Lifecycle, as systemd sees it (Type=notify):
//   start()        adopt the listening socket, begin accepting
//   notify READY=1 (the caller, once start() succeeded: the socket accepts from here on)
//   run()          serve until SIGTERM/SIGINT: then STOPPING=1, stop accepting,
//                  engine.shutdown() (containers keep running), stop the io_context, return
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "engine/engine.hpp"
#include "server/idle_heap_trim.hpp"
#include "server/router.hpp"
#include "server/session.hpp"

namespace gocker::server {

struct ServerOptions {
  std::string server_version;  // "Server: gocker/<version>"
  SessionOptions session;
  unsigned threads = 4;  // the whole pool, including the thread that calls run()
};

class Server {
 public:
  Server(boost::asio::io_context& io_context, engine::Engine& engine, ServerOptions options);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Takes over a bound, listening AF_UNIX stream socket and starts accepting on it.
  Status start(UniqueFd listen_socket);
  // Takes over a bound, listening TCP socket and serves the API on it over TLS with `context`
  // (tls_listener.hpp). Call after start(), as often as there are TCP listeners.
  Status start_tls(UniqueFd listen_socket, std::shared_ptr<boost::asio::ssl::context> context);
  // Runs the pool until a SIGTERM or SIGINT has been handled (see above).
  void run();
  // Closes the acceptor: connections already open are served on.
  void stop_accepting();

  const Router& router() const { return router_; }

 private:
  engine::Task<void> accept_connections();
  engine::Task<void> accept_tls_connections(boost::asio::ip::tcp::acceptor& acceptor,
                                            std::shared_ptr<boost::asio::ssl::context> context);
  void serve_unix_connection(engine::UnixSocket socket);
  void on_stop_signal(int signal_number);

  boost::asio::io_context& io_context_;
  engine::Engine& engine_;
  ServerOptions options_;
  Router router_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  IdleHeapTrimmer heap_trimmer_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> tls_acceptors_;
};

}  // namespace gocker::server
