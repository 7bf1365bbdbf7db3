#include "attach_session.hpp"

#include <unistd.h>

#include <iostream>
#include <optional>

#include "api/container_types.hpp"
#include "detach_watch.hpp"
#include "messages.hpp"
#include "signal_relay.hpp"
#include "stream_pump.hpp"
#include "terminal.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

void send_window_size(ApiClient& client, const std::string& container_id) {
  auto size = window_size(STDOUT_FILENO);
  if (!size || size->rows == 0 || size->columns == 0) return;
  auto target = api_target(container_path(container_id, "/resize"),
                           {{"h", std::to_string(size->rows)}, {"w", std::to_string(size->columns)}});
  // A resize that fails (the container just exited) changes nothing the user could act on;
  // docker's CLI only logs it at debug level too.
  [[maybe_unused]] auto resized = client.call(Method::Post, target);
}

void forward_signal(ApiClient& client, const std::string& container_id, int signal_number) {
  const char* name = signal_name(signal_number);
  if (*name == '\0') return;
  auto target = api_target(container_path(container_id, "/kill"), {{"signal", name}});
  // As with docker's signal proxy, a failed forward (the container is already gone) is not an
  // error of the run: the output stream ends right after and the wait tells the outcome.
  [[maybe_unused]] auto forwarded = client.call(Method::Post, target);
}

int exit_status_from_wait(PendingReply& wait) {
  auto reply = wait.finish();
  if (!reply) {
    print_failure(reply.error());
    return kExitCliFailure;
  }
  if (reply->is_error()) {
    print_failure(daemon_failure(*reply));
    return kExitCliFailure;
  }
  auto body = nlohmann::json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) {
    std::cerr << "Error waiting for container: malformed wait response from the daemon\n";
    return kExitCliFailure;
  }
  api::WaitResponse status;
  try {
    api::from_json(body, status);
  } catch (const nlohmann::json::exception& error) {
    std::cerr << "Error waiting for container: " << error.what() << "\n";
    return kExitCliFailure;
  }
  if (status.error_message && !status.error_message->empty()) {
    std::cerr << "Error waiting for container: " << *status.error_message << "\n";
    return kExitCliFailure;
  }
  return status.status_code;
}

}  // namespace

void print_failure(const Failure& failure) { std::cerr << failure.message << std::endl; }

int attach_start_and_wait(ApiClient& client, const AttachPlan& plan) {
  const int failure_code = plan.run_exit_codes ? kExitCliFailure : kExitCommandFailure;
  const std::string& id = plan.container_id;

  auto attach_target = api_target(container_path(id, "/attach"), {{"stream", "1"},
                                                                  {"stdin", plan.attach_stdin ? "1" : ""},
                                                                  {"stdout", "1"},
                                                                  {"stderr", "1"}});
  auto stream = client.hijack(attach_target);
  if (!stream) {
    print_failure(stream.error());
    return failure_code;
  }

  auto wait_target = api_target(container_path(id, "/wait"), {{"condition", plan.auto_remove ? "removed" : "next-exit"}});
  auto wait = client.begin(Method::Post, wait_target);
  if (!wait) {
    print_failure(wait.error());
    return failure_code;
  }

  // Installed before start so a ^C right after start is forwarded, not fatal to the client.
  auto relay = SignalRelay::install();
  if (!relay) {
    print_failure(relay.error());
    return failure_code;
  }
  std::optional<RawTerminal> raw_terminal;
  if (plan.tty && plan.attach_stdin && is_terminal(STDIN_FILENO)) {
    auto entered = RawTerminal::enter(STDIN_FILENO);
    if (!entered) {
      print_failure(entered.error());
      return failure_code;
    }
    raw_terminal.emplace(std::move(*entered));
  }

  auto started = client.call_expecting_success(Method::Post, api_target(container_path(id, "/start")));
  if (!started) {
    if (raw_terminal) raw_terminal->restore();
    print_failure(started.error());
    // docker waits for the removal of an --rm container whose start failed, so that the
    // container is gone when the command returns.
    if (plan.auto_remove) {
      [[maybe_unused]] auto removed = wait->finish();
    }
    if (!plan.run_exit_codes) return kExitCommandFailure;
    if (started.error().kind != FailureKind::Daemon) return kExitCliFailure;
    return start_failure_exit_code(started.error().message);
  }

  const bool resize = plan.tty && is_terminal(STDOUT_FILENO);
  if (resize) send_window_size(client, id);

  PumpOptions options;
  options.tty = plan.tty;
  options.forward_stdin = plan.attach_stdin;
  // ctrl-p ctrl-q on a tty: the daemon ends the attach, the container runs on, and docker's
  // `run -it` then exits 0 without waiting (client/detach_watch.hpp).
  std::shared_ptr<DetachWatch> detach_watch;
  if (plan.tty && plan.attach_stdin) {
    if (auto watch = DetachWatch::start(detach_key_bytes("")); watch) {
      detach_watch = std::move(*watch);
      options.stdin_fd = detach_watch->read_fd();
    }
  }
  if (resize) options.on_window_change = [&client, &id] { send_window_size(client, id); };
  options.on_signal = [&client, &id](int signal_number) { forward_signal(client, id, signal_number); };
  auto pumped = pump_attach_stream(*stream, options, &*relay);
  if (raw_terminal) raw_terminal->restore();
  if (detach_watch && detach_watch->detached()) return 0;
  if (!pumped) print_failure(pumped.error());

  return exit_status_from_wait(*wait);
}

}  // namespace gocker::client
