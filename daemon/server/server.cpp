#include "server/server.hpp"

#include <systemd/sd-daemon.h>
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

namespace gocker::server {

namespace net = boost::asio;

namespace {

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

void notify_systemd(const std::string& state) {
  int result = sd_notify(/*unset_environment=*/0, state.c_str());
  if (result < 0) spdlog::warn("sd_notify {}: {}", state, std::strerror(-result));
}

Server::Server(net::io_context& io_context, engine::Engine& engine, ServerOptions options)
    : io_context_(io_context),
      engine_(engine),
      options_(std::move(options)),
      router_(engine, options_.server_version),
      acceptor_(io_context) {}

Status Server::start(UniqueFd listen_socket) {
  boost::system::error_code error;
  acceptor_.assign(net::local::stream_protocol(), listen_socket.get(), error);
  if (error) return Error::internal("adopt the listening socket: " + error.message());
  listen_socket.release();  // the acceptor owns it now
  net::co_spawn(io_context_, accept_connections(), log_session_end);
  return ok();
}

engine::Task<void> Server::accept_connections() {
  for (;;) {
    // Each connection gets its own strand: its session's steps never overlap, and no lock is needed
    // for per-connection state.
    auto [error, socket] = co_await acceptor_.async_accept(net::make_strand(io_context_), net::as_tuple(net::use_awaitable));
    if (error == net::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (error) {
      // EMFILE/ENFILE: the pending connection stays queued; retrying at once would spin. A short
      // pause lets in-flight connections finish and free descriptors.
      spdlog::error("accept: {}", error.message());
      net::steady_timer pause(io_context_, std::chrono::milliseconds(100));
      co_await pause.async_wait(net::as_tuple(net::use_awaitable));
      continue;
    }
    auto executor = socket.get_executor();
    net::co_spawn(executor, serve_connection(UnixStream(std::move(socket)), router_, options_.session), log_session_end);
  }
}

void Server::stop_accepting() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);  // only fails for an already closed acceptor
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
