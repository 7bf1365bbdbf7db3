#include "server/server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <exception>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "engine/adopted_socket.hpp"
#include "server/systemd_daemon.hpp"
#include "server/tls_listener.hpp"

namespace gocker::server {

namespace net = boost::asio;

namespace {

// EMFILE/ENFILE: the pending connection stays queued; retrying at once would spin. A short pause
// lets in-flight connections finish and free descriptors.
engine::Task<void> pause_after_accept_error(const boost::system::error_code& error) {
  spdlog::error("accept: {}", error.message());
  net::steady_timer pause(co_await net::this_coro::executor, std::chrono::milliseconds(100));
  co_await pause.async_wait(net::as_tuple(net::use_awaitable));
}

void log_session_end(std::exception_ptr failure) {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    spdlog::error("connection ended by an exception: {}", e.what());
  } catch (...) {
    spdlog::error("connection ended by an unknown exception");
  }
}

}  // namespace

Server::Server(net::io_context& io_context, engine::Engine& engine, ServerOptions options)
    : io_context_(io_context),
      engine_(engine),
      options_(std::move(options)),
      router_(engine, options_.server_version, options_.session.request_timeout),
      acceptor_(io_context),
      heap_trimmer_(io_context.get_executor(), std::chrono::seconds(1), [&engine] { engine.release_idle_memory(); }) {}

Status Server::start(UniqueFd listen_socket) {
  boost::system::error_code error;
  acceptor_.assign(net::local::stream_protocol(), listen_socket.get(), error);
  if (!error) acceptor_.non_blocking(true, error);  // accept_adopted accepts itself, between waits
  if (error) return Error::internal("adopt the listening socket: " + error.message());
  listen_socket.release();  // the acceptor owns it now
  net::co_spawn(io_context_, accept_connections(), log_session_end);
  return ok();
}

Status Server::start_tls(UniqueFd listen_socket, std::shared_ptr<net::ssl::context> context) {
  boost::system::error_code error;
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getsockname(listen_socket.get(), reinterpret_cast<sockaddr*>(&address), &length) < 0)
    return Error::from_errno(errno, "adopt the TCP listening socket: getsockname");
  auto acceptor = std::make_unique<net::ip::tcp::acceptor>(io_context_);
  acceptor->assign(address.ss_family == AF_INET6 ? net::ip::tcp::v6() : net::ip::tcp::v4(), listen_socket.get(), error);
  if (!error) acceptor->non_blocking(true, error);
  if (error) return Error::internal("adopt the TCP listening socket: " + error.message());
  listen_socket.release();  // the acceptor owns it now
  net::co_spawn(io_context_, accept_tls_connections(*acceptor, std::move(context)), log_session_end);
  tls_acceptors_.push_back(std::move(acceptor));
  return ok();
}

void Server::serve_unix_connection(engine::UnixSocket socket) {
  heap_trimmer_.note_activity();
  auto executor = socket.get_executor();
  net::co_spawn(executor, serve_connection(UnixStream(std::move(socket)), router_, options_.session),
                [this](std::exception_ptr failure) {
                  heap_trimmer_.note_activity();
                  log_session_end(failure);
                });
}

engine::Task<void> Server::accept_connections() {
  for (;;) {
    // Each connection gets its own strand: its session's steps never overlap, and no lock is needed
    // for per-connection state.
    auto [error, socket] = co_await engine::accept_adopted(acceptor_, net::local::stream_protocol(), net::make_strand(io_context_));
    if (error == net::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (error) {
      co_await pause_after_accept_error(error);
      continue;
    }
    serve_unix_connection(std::move(socket));
  }
}

engine::Task<void> Server::accept_tls_connections(net::ip::tcp::acceptor& acceptor,
                                                  std::shared_ptr<net::ssl::context> context) {
  const net::ip::tcp protocol = acceptor.local_endpoint().protocol();
  for (;;) {
    auto [error, socket] = co_await engine::accept_adopted(acceptor, protocol, net::make_strand(io_context_));
    if (error == net::error::operation_aborted || !acceptor.is_open()) co_return;
    if (error) {
      co_await pause_after_accept_error(error);
      continue;
    }
    // The relay runs on the TCP connection's strand; the session behind it gets a strand of its own,
    // as a connection accepted on the unix socket does.
    auto executor = socket.get_executor();
    net::co_spawn(executor,
                  relay_tls_connection(std::move(socket), context, net::make_strand(io_context_),
                                       [this](engine::UnixSocket plaintext) { serve_unix_connection(std::move(plaintext)); }),
                  log_session_end);
  }
}

void Server::stop_accepting() {
  boost::system::error_code ignored;  // closing only fails for an already closed acceptor
  acceptor_.close(ignored);
  for (auto& acceptor : tls_acceptors_) acceptor->close(ignored);
}

void Server::on_stop_signal(int signal_number) {
  spdlog::info("received signal {}, shutting down (containers keep running)", signal_number);
  notify_systemd("STOPPING=1");
  stop_accepting();
  engine_.shutdown();
  io_context_.stop();
}

void Server::run() {
  net::signal_set signals(io_context_, SIGTERM, SIGINT);
  signals.async_wait([this](const boost::system::error_code& error, int signal_number) {
    if (!error) on_stop_signal(signal_number);
  });
  auto run_io_context = [this] {
    // A handler that throws unwinds out of run(); log it and keep the thread serving.
    for (;;) {
      try {
        io_context_.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("event loop: unhandled exception: {}", e.what());
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < options_.threads; ++i) pool.emplace_back(run_io_context);
  run_io_context();
  for (std::thread& thread : pool) thread.join();
}

}  // namespace gocker::server
