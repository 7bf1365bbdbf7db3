// restart, rename, and restart policies (the decisions live in restart_policy.cpp; this file
// applies them to containers: timers, RestartCount, the "restarting" status).
//
// Lifecycle of a policy restart:
//   monitor exits ─▶ on_monitor_exit records the exit ─▶ apply_restart_policy
//        ├─ no restart: the container stays "exited"
//        └─ restart: RestartCount+1, status "restarting" (persisted), an asio timer for the
//           back-off ─▶ start_by_policy ─▶ start_container (status "running")
// A user's stop/kill during the wait cancels it (note_manual_stop); a user's start or rm wins over
// the timer because the timer only acts on a container still "restarting" with its generation.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "base/time_math.hpp"
#include "engine/engine_impl.hpp"
#include "engine/restart_policy.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {

namespace asio = boost::asio;

namespace {

ExitFacts exit_facts(const state::ContainerRecord& record) {
  ExitFacts facts;
  facts.exit_code = record.exit_code;
  facts.manually_stopped = record.manually_stopped;
  facts.restart_count = record.restart_count;
  auto started = parse_rfc3339_nanos(record.started_at);
  auto finished = parse_rfc3339_nanos(record.finished_at);
  // Saturating: a zero time ("0001-01-01...", never started) reads as the earliest int64 time.
  if (started && finished && *finished > *started) facts.ran_for = std::chrono::nanoseconds(saturating_sub(*finished, *started));
  return facts;
}

std::string strip_slash(const std::string& name) { return !name.empty() && name[0] == '/' ? name.substr(1) : name; }

}  // namespace

bool EngineImpl::note_manual_stop(Container& container) {
  auto& record = container.record;
  if (record.status == "running") {
    // Persisted with the exit that follows (on_monitor_exit saves the whole state).
    record.manually_stopped = true;
    return false;
  }
  if (record.status != "restarting") return false;
  restarts_.cancel(record.id);
  record.manually_stopped = true;
  record.status = "exited";
  if (auto saved = persist_state(container); !saved) spdlog::error("{}", saved.error().message);
  return true;
}

void EngineImpl::note_start(Container& container) {
  auto& record = container.record;
  const bool by_policy = record.status == "restarting";
  record.manually_stopped = false;
  restarts_.on_start(record.id, by_policy);
}

void EngineImpl::apply_restart_policy(const std::shared_ptr<Container>& container) {
  RestartDecision decision;
  {
    std::lock_guard lock(container->mutex);
    auto& record = container->record;
    if (record.status != "exited" || container->removing) return;
    decision = restarts_.on_exit(record.id, container->host_config.restart_policy, exit_facts(record));
    if (!decision.restart) return;
    ++record.restart_count;
    record.status = "restarting";
    if (auto saved = persist_state(*container); !saved) spdlog::error("{}", saved.error().message);
    spdlog::info("container {} exited with {}; restarting in {} ms (restart {})", record.id.substr(0, 12),
                 record.exit_code, decision.delay.count(), record.restart_count);
  }
  schedule_restart(container, decision.delay);
}

void EngineImpl::resume_restart_policy(const std::shared_ptr<Container>& container) {
  {
    std::lock_guard lock(container->mutex);
    auto& record = container->record;
    if (container->removing) return;
    if (record.status == "restarting") {
      // The daemon stopped during a back-off: the decision was made, carry it out.
    } else if (record.status == "exited" &&
               should_restart_at_daemon_start(container->host_config.restart_policy, exit_facts(record))) {
      record.status = "restarting";
      if (auto saved = persist_state(*container); !saved) spdlog::error("{}", saved.error().message);
    } else {
      return;
    }
    // apply_restart_policy may already have scheduled it (a monitor that ended while we were away).
    if (restarts_.pending(record.id)) return;
  }
  spdlog::info("container {}: restart policy {}: starting it again", container->record.id.substr(0, 12),
               container->host_config.restart_policy.name);
  schedule_restart(container, std::chrono::milliseconds{0});
}

void EngineImpl::schedule_restart(const std::shared_ptr<Container>& container, std::chrono::milliseconds delay) {
  auto timer = std::make_shared<asio::steady_timer>(executor_, delay);
  const uint64_t generation = restarts_.arm(container->record.id, timer);
  timer->async_wait([this, container, generation, timer](boost::system::error_code error) {
    if (error || !restarts_.fire(container->record.id, generation)) return;
    asio::co_spawn(executor_, start_by_policy(container), asio::detached);
  });
}

Task<void> EngineImpl::start_by_policy(std::shared_ptr<Container> container) {
  const std::string id = container->record.id;
  {
    std::lock_guard lock(container->mutex);
    // A user started, stopped or removed it while we waited.
    if (container->removing) {
      restarts_.forget(id);  // armed after the removal forgot it: nothing else would now
      co_return;
    }
    if (container->record.status != "restarting") co_return;
  }
  Status started = co_await start_container(id);
  if (started || started.error().kind == ErrorKind::NotModified) co_return;
  // As dockerd: a restart that cannot start leaves the container exited with the cause recorded.
  spdlog::error("restart container {} by policy: {}", id.substr(0, 12), started.error().message);
  std::lock_guard lock(container->mutex);
  if (container->record.status == "restarting") {
    container->record.status = "exited";
    if (auto saved = persist_state(*container); !saved) spdlog::error("{}", saved.error().message);
  }
}

Task<Status> EngineImpl::restart_container(std::string ref, std::optional<int> timeout_seconds) {
  auto found = find(ref);
  if (!found) co_return std::move(found).error();
  auto container = std::move(found).value();
  const std::string id = container->record.id;
  {
    std::lock_guard lock(container->mutex);
    if (container->removing) co_return Error::conflict("cannot restart container " + id + ": it is being removed");
    // Waiting for a policy restart: the user's restart replaces it.
    if (container->record.status == "restarting") {
      restarts_.cancel(id);
      container->record.status = "exited";
    }
  }
  Status stopped = co_await stop_container(id, timeout_seconds);
  if (!stopped && stopped.error().kind != ErrorKind::NotModified)
    co_return std::move(stopped).error().context("Cannot restart container " + ref);
  Status started = co_await start_container(id);
  if (!started && started.error().kind != ErrorKind::NotModified)
    co_return std::move(started).error().context("Cannot restart container " + ref);
  {
    std::lock_guard lock(container->mutex);
    publish_container_event(*container, "restart");
  }
  co_return ok();
}

Status EngineImpl::rename_container(const std::string& ref, const std::string& requested_name) {
  const std::string new_name = strip_slash(requested_name);
  if (new_name.empty()) return Error::invalid("Neither old nor new names may be empty");
  auto found = find(ref);
  if (!found) return std::move(found).error();
  auto container = std::move(found).value();
  // The registry lock first (the order list_containers uses), so no create or lookup sees the
  // store and the index disagree.
  std::lock_guard registry_lock(registry_mutex_);
  std::lock_guard lock(container->mutex);
  auto& record = container->record;
  const std::string old_name = record.name;
  if (old_name == new_name) return Error::invalid("Renaming a container with the same name as its current name");
  if (index_.has_name(new_name)) {
    auto holder = index_.resolve(new_name);
    return Error::conflict("Conflict. The container name \"/" + new_name + "\" is already in use by container \"" +
                           (holder ? *holder : std::string("unknown")) +
                           "\". You have to remove (or rename) that container to be able to reuse that name.");
  }
  if (auto renamed = store_->rename_container(record.id, new_name); !renamed)
    return std::move(renamed).error().context("rename container " + record.id.substr(0, 12));
  index_.remove(record.id);
  if (auto added = index_.add(record.id, new_name); !added) return added;  // cannot fail: checked above
  record.name = new_name;
  publish_container_event(*container, "rename", {{"oldName", "/" + old_name}});
  return ok();
}

}  // namespace gocker::engine
