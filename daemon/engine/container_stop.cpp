// Stopping, signalling and waiting for containers, and what happens when a monitor ends.
#include <csignal>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "engine/engine_impl.hpp"
#include "engine/monitor_attach.hpp"
#include "engine/process_exit_watch.hpp"
#include "engine/signals.hpp"
#include "engine/time_format.hpp"
#include "runtime/monitor_launch.hpp"

namespace gocker::engine {

namespace asio = boost::asio;

namespace {

class ExitWaiterImpl final : public ExitWaiter {
 public:
  explicit ExitWaiterImpl(api::WaitResponse immediate) : immediate_(std::move(immediate)) {}
  explicit ExitWaiterImpl(Notifier<api::WaitResponse> notifier) : notifier_(std::move(notifier)) {}

  Task<api::WaitResponse> wait() override {
    if (immediate_) co_return *immediate_;
    auto [error, response] = co_await notifier_->channel().async_receive(asio::as_tuple(asio::use_awaitable));
    if (error) co_return api::WaitResponse{-1, "wait interrupted: " + error.message()};
    co_return response;
  }

 private:
  std::optional<api::WaitResponse> immediate_;
  std::optional<Notifier<api::WaitResponse>> notifier_;
};

Task<void> wait_for(const Notifier<api::WaitResponse>& waiter) {
  co_await waiter.channel().async_receive(asio::as_tuple(asio::use_awaitable));
}

}  // namespace

void EngineImpl::watch_monitor(const std::shared_ptr<Container>& container, UniqueFd monitor_pidfd) {
  auto descriptor = std::make_unique<asio::posix::stream_descriptor>(executor_, monitor_pidfd.release());
  auto* watched = descriptor.get();
  {
    std::lock_guard lock(container->mutex);
    container->monitor_watch = std::move(descriptor);
  }
  // A pidfd becomes readable when its process exits: no polling, no SIGCHLD games, and it works
  // for monitors started by an earlier daemon (they are not our children).
  wait_for_process_exit(*watched, [this, container] { on_monitor_exit(container); });
}

void EngineImpl::on_monitor_exit(const std::shared_ptr<Container>& container) {
  // Its published ports go with the run (its veth went with its network namespace).
  networks_->detach(container->record.id);
  auto exit_status = runtime::read_exit_status(container->dir);
  std::vector<Notifier<api::WaitResponse>> waiters;
  api::WaitResponse response;
  bool auto_remove = false;
  {
    std::lock_guard lock(container->mutex);
    auto& record = container->record;
    if (exit_status) {
      record.exit_code = exit_status->exit_code;
      record.oom_killed = exit_status->oom_killed;
      record.finished_at = exit_status->finished_at;
    } else {
      // The monitor died without recording an exit (killed by hand?): the init cannot be trusted to
      // be supervised any more, so end it rather than leave it running unwatched.
      if (container->init_pidfd) (void)runtime::send_signal(container->init_pidfd, SIGKILL);
      record.exit_code = 255;
      record.error = "the container's monitor ended without recording an exit status";
      record.finished_at = format_rfc3339_nanos(now_unix_nanos());
      spdlog::warn("container {}: {}", record.id.substr(0, 12), record.error);
    }
    record.status = "exited";
    record.pid = 0;
    record.pid_start_time = 0;
    record.monitor_pid = 0;
    record.monitor_start_time = 0;
    container->init_pidfd.reset();
    container->monitor_watch.reset();
    container->paused = false;
    auto_remove = container->host_config.auto_remove && !container->removing;
    if (auto_remove) container->removing = true;
    // An auto-removed container's row is deleted next: writing "exited" first would be a transaction
    // on every `run --rm`'s path for a state nobody reads (a removal that fails records "dead").
    if (!auto_remove) {
      if (auto saved = persist_state(*container); !saved) spdlog::error("{}", saved.error().message);
    }
    publish_container_event(*container, "die", {{"exitCode", std::to_string(record.exit_code)}});
    waiters.swap(container->exit_waiters);
    response.status_code = record.exit_code;
  }
  for (const auto& waiter : waiters) waiter.notify(response);
  if (!auto_remove) apply_restart_policy(container);
  if (auto_remove) {
    // On the blocking pool, as a removal requested through the API (container_remove.cpp).
    boost::asio::post(blocking_pool_, [this, container] {
      if (auto removed = destroy_container(container); !removed)
        spdlog::error("auto-remove container {}: {}", container->record.id.substr(0, 12), removed.error().message);
    });
  }
}

Task<Status> EngineImpl::stop_container(std::string ref, std::optional<int> timeout_seconds) {
  auto found = find(ref);
  if (!found) co_return std::move(found).error();
  auto container = std::move(found).value();
  const std::string short_id = container->record.id.substr(0, 12);

  int stop_signal = SIGTERM;
  int timeout = 10;
  std::optional<Notifier<api::WaitResponse>> waiter;
  {
    std::lock_guard lock(container->mutex);
    if (note_manual_stop(*container)) co_return ok();  // it was waiting to restart: now stopped
    if (!container->is_running()) co_return Error{ErrorKind::NotModified, 0, "container " + short_id + " is not running"};
    if (!container->config.stop_signal.empty()) {
      auto parsed = parse_signal(container->config.stop_signal);
      if (parsed) stop_signal = parsed.value();
    }
    timeout = timeout_seconds.value_or(container->config.stop_timeout.value_or(10));
    waiter = add_exit_waiter(*container);
    if (auto sent = runtime::send_signal(container->init_pidfd, stop_signal); !sent)
      spdlog::warn("stop container {}: {}", short_id, sent.error().message);
    thaw_after_signal(*container);  // a paused container takes the signal once thawed, as in dockerd
    publish_container_event(*container, "kill", {{"signal", std::to_string(stop_signal)}});
  }

  if (timeout >= 0) {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::seconds(timeout));
    auto outcome = co_await (waiter->channel().async_receive(asio::as_tuple(asio::use_awaitable)) ||
                             timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (outcome.index() == 0) {
      std::lock_guard lock(container->mutex);
      publish_container_event(*container, "stop");
      co_return ok();
    }
    {
      std::lock_guard lock(container->mutex);
      // An exit landing together with the timer is handed to `||` and dropped with the losing
      // side: the recorded state is what tells, and waiting again would never end.
      if (!container->is_running()) {
        publish_container_event(*container, "stop");
        co_return ok();
      }
      spdlog::info("container {} did not stop within {}s; killing it", short_id, timeout);
      (void)runtime::send_signal(container->init_pidfd, SIGKILL);
    }
  }
  co_await wait_for(*waiter);
  {
    std::lock_guard lock(container->mutex);
    publish_container_event(*container, "stop");
  }
  co_return ok();
}

Status EngineImpl::kill_container(const std::string& ref, const std::string& signal_text) {
  auto found = find(ref);
  if (!found) return std::move(found).error();
  auto container = std::move(found).value();
  int signal = SIGKILL;
  if (!signal_text.empty()) {
    auto parsed = parse_signal(signal_text);
    if (!parsed) return std::move(parsed).error();
    signal = parsed.value();
  }
  std::lock_guard lock(container->mutex);
  if (note_manual_stop(*container)) return ok();  // it was waiting to restart: now stopped
  if (!container->is_running())
    return Error::conflict("Container " + container->record.id + " is not running");
  publish_container_event(*container, "kill", {{"signal", std::to_string(signal)}});
  Status sent = runtime::send_signal(container->init_pidfd, signal);
  if (sent) thaw_after_signal(*container);  // a paused container takes the signal once thawed
  return sent;
}

Result<std::shared_ptr<ExitWaiter>> EngineImpl::watch_exit(const std::string& ref, WaitCondition condition) {
  auto found = find(ref);
  if (!found) return std::move(found).error();
  auto container = std::move(found).value();
  std::lock_guard lock(container->mutex);
  if (container->destroyed) {
    // Found a moment before it left the registry: removed, so it will not exit again.
    if (condition != WaitCondition::Removed) return Error::not_found("No such container: " + ref);
    return std::shared_ptr<ExitWaiter>(
        std::make_shared<ExitWaiterImpl>(api::WaitResponse{container->record.exit_code, std::nullopt}));
  }
  switch (condition) {
    case WaitCondition::NotRunning:
      if (!container->is_running() && !container->starting)
        return std::shared_ptr<ExitWaiter>(
            std::make_shared<ExitWaiterImpl>(api::WaitResponse{container->record.exit_code, std::nullopt}));
      return std::shared_ptr<ExitWaiter>(std::make_shared<ExitWaiterImpl>(add_exit_waiter(*container)));
    case WaitCondition::NextExit:
      return std::shared_ptr<ExitWaiter>(std::make_shared<ExitWaiterImpl>(add_exit_waiter(*container)));
    case WaitCondition::Removed: {
      Notifier<api::WaitResponse> waiter(executor_);
      container->removal_waiters.push_back(waiter);
      return std::shared_ptr<ExitWaiter>(std::make_shared<ExitWaiterImpl>(waiter));
    }
  }
  return Error::invalid("unknown wait condition");
}

Status EngineImpl::resize_container(const std::string& ref, int height, int width) {
  if (height <= 0 || width <= 0 || height > 65535 || width > 65535)
    return Error::invalid("invalid window size " + std::to_string(height) + "x" + std::to_string(width));
  auto found = find(ref);
  if (!found) return std::move(found).error();
  auto container = std::move(found).value();
  std::string socket_path;
  {
    std::lock_guard lock(container->mutex);
    if (!container->is_running()) return Error::conflict("Container " + container->record.id + " is not running");
    socket_path = container->attach_socket;
  }
  return send_resize(socket_path, height, width);
}

}  // namespace gocker::engine
