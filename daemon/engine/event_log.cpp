#include "engine/event_log.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <span>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "base/strings.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {

namespace asio = boost::asio;

namespace {

using EventChannel = asio::experimental::concurrent_channel<void(boost::system::error_code, api::EventMessage)>;

// Keys dockerd's events filter accepts. Only container events exist here, so the keys naming
// another object type match nothing.
constexpr std::string_view kContainerKeys[] = {"container", "event", "type", "label", "image", "scope"};
constexpr std::string_view kOtherObjectKeys[] = {"daemon", "network", "volume", "plugin", "node",
                                                 "service", "secret", "config"};

bool contains(std::span<const std::string_view> keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// moby's FuzzyMatch: an exact value or a prefix of it.
bool fuzzy_match(const std::string& source, const std::string& wanted) { return starts_with(source, wanted); }

const std::string& attribute(const api::EventMessage& event, const std::string& key) {
  static const std::string kEmpty;
  auto it = event.actor.attributes.find(key);
  return it == event.actor.attributes.end() ? kEmpty : it->second;
}

bool matches_one(const api::EventMessage& event, const std::string& key, const std::string& value) {
  if (key == "container") {
    std::string name = !value.empty() && value[0] == '/' ? value.substr(1) : value;
    return fuzzy_match(event.actor.id, value) || fuzzy_match(attribute(event, "name"), name);
  }
  if (key == "event") {
    // "exec_start: sh -c ..." is matched by "exec_start".
    return event.action.substr(0, event.action.find(':')) == value;
  }
  if (key == "type") return event.type == value;
  if (key == "scope") return event.scope == value;
  if (key == "image") {
    const std::string& image = attribute(event, "image");
    return image == value || (value.find(':') == std::string::npos && image == value + ":latest");
  }
  if (key == "label") {
    auto equals = value.find('=');
    auto it = event.actor.attributes.find(value.substr(0, equals));
    if (it == event.actor.attributes.end()) return false;
    return equals == std::string::npos || it->second == value.substr(equals + 1);
  }
  return false;  // another object type's key
}

}  // namespace

Status validate_event_filters(const EventFilters& filters) {
  for (const auto& [key, value] : filters) {
    if (!contains(kContainerKeys, key) && !contains(kOtherObjectKeys, key))
      return Error::invalid("invalid filter '" + key + "'");
  }
  return ok();
}

bool event_matches(const api::EventMessage& event, const EventFilters& filters) {
  // Group by key: filters arrive as (key, value) pairs in key order, but do not rely on it.
  std::vector<std::string> keys;
  for (const auto& filter : filters)
    if (std::find(keys.begin(), keys.end(), filter.first) == keys.end()) keys.push_back(filter.first);
  for (const auto& key : keys) {
    bool any = false;
    for (const auto& [filter_key, value] : filters)
      if (filter_key == key && matches_one(event, key, value)) any = true;
    if (!any) return false;
  }
  return true;
}

struct EventLog::Subscriber {
  EventFilters filters;
  std::shared_ptr<EventChannel> channel;
  bool warned_full = false;
};

struct EventLog::State {
  explicit State(asio::any_io_executor executor_in, size_t capacity)
      : executor(std::move(executor_in)), history(capacity, kHistoryBytes) {}
  asio::any_io_executor executor;
  mutable std::mutex mutex;
  EventHistory history;
  std::vector<std::shared_ptr<Subscriber>> subscribers;
};

namespace {

class EventStreamImpl final : public Engine::EventStream {
 public:
  EventStreamImpl(std::weak_ptr<void> log_state, std::function<void()> unsubscribe, asio::any_io_executor executor,
                  std::deque<api::EventMessage> replay, std::shared_ptr<EventChannel> live,
                  std::optional<int64_t> until_nanos)
      : log_state_(std::move(log_state)),
        unsubscribe_(std::move(unsubscribe)),
        executor_(std::move(executor)),
        replay_(std::move(replay)),
        live_(std::move(live)),
        until_nanos_(until_nanos) {}

  ~EventStreamImpl() override {
    if (!log_state_.expired()) unsubscribe_();
  }

  Task<std::optional<api::EventMessage>> next() override {
    if (!replay_.empty()) {
      api::EventMessage event = std::move(replay_.front());
      replay_.pop_front();
      co_return event;
    }
    if (!live_) co_return std::nullopt;  // `until` was already past: the replay was all
    if (!until_nanos_) {
      auto [error, event] = co_await live_->async_receive(asio::as_tuple(asio::use_awaitable));
      if (error) co_return std::nullopt;
      co_return event;
    }
    const int64_t remaining = *until_nanos_ - now_unix_nanos();
    if (remaining <= 0) co_return std::nullopt;
    using namespace asio::experimental::awaitable_operators;
    // A timer, not a poll: the stream ends when `until` arrives even if no event ever does.
    asio::steady_timer timer(executor_, std::chrono::nanoseconds(remaining));
    auto outcome = co_await (live_->async_receive(asio::as_tuple(asio::use_awaitable)) ||
                             timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (outcome.index() == 1) co_return std::nullopt;
    auto [error, event] = std::get<0>(std::move(outcome));
    if (error || event.time_nano > *until_nanos_) co_return std::nullopt;
    co_return event;
  }

 private:
  std::weak_ptr<void> log_state_;
  std::function<void()> unsubscribe_;
  asio::any_io_executor executor_;
  std::deque<api::EventMessage> replay_;
  std::shared_ptr<EventChannel> live_;
  std::optional<int64_t> until_nanos_;
};

}  // namespace

EventLog::EventLog(asio::any_io_executor executor, size_t capacity)
    : state_(std::make_shared<State>(std::move(executor), capacity)) {}

EventLog::~EventLog() {
  std::lock_guard lock(state_->mutex);
  for (const auto& subscriber : state_->subscribers) subscriber->channel->close();
}

void EventLog::publish(api::EventMessage event) {
  const std::string text = nlohmann::json(event).dump();
  std::lock_guard lock(state_->mutex);
  if (!state_->history.push(text))
    spdlog::warn("events: a {} event of {} bytes is too large to keep for `since`", event.action, text.size());
  for (const auto& subscriber : state_->subscribers) {
    if (!event_matches(event, subscriber->filters)) continue;
    if (!subscriber->channel->try_send(boost::system::error_code{}, event) && !subscriber->warned_full) {
      subscriber->warned_full = true;
      spdlog::warn("events: a subscriber is not reading; dropping events for it");
    }
  }
}

Result<std::unique_ptr<Engine::EventStream>> EventLog::subscribe(const Engine::EventQuery& query, int64_t now_nanos) {
  GOCKER_TRY(validate_event_filters(query.filters));
  std::deque<api::EventMessage> replay;
  std::shared_ptr<EventChannel> live;
  auto subscriber = std::make_shared<Subscriber>();
  subscriber->filters = query.filters;
  {
    std::lock_guard lock(state_->mutex);
    // dockerd replays from its buffer when either bound is given; `until` alone replays everything
    // up to it.
    if (query.since_nanos || query.until_nanos) {
      const int64_t since = query.since_nanos.value_or(0);
      state_->history.for_each([&](std::string_view text) {
        // The daemon wrote each text itself: one that does not parse is a bug, not input.
        auto event = nlohmann::json::parse(text).get<api::EventMessage>();
        if (event.time_nano < since) return;
        if (query.until_nanos && event.time_nano > *query.until_nanos) return;
        if (event_matches(event, query.filters)) replay.push_back(std::move(event));
      });
    }
    if (!query.until_nanos || *query.until_nanos > now_nanos) {
      subscriber->channel = std::make_shared<EventChannel>(state_->executor, kSubscriberBuffer);
      live = subscriber->channel;
      state_->subscribers.push_back(subscriber);
    }
  }
  std::weak_ptr<State> weak_state = state_;
  auto unsubscribe = [weak_state, subscriber] {
    auto state = weak_state.lock();
    if (!state) return;
    std::lock_guard lock(state->mutex);
    std::erase(state->subscribers, subscriber);
  };
  return std::unique_ptr<Engine::EventStream>(std::make_unique<EventStreamImpl>(
      std::weak_ptr<void>(state_), std::move(unsubscribe), state_->executor, std::move(replay), std::move(live),
      query.until_nanos));
}

size_t EventLog::size() const {
  std::lock_guard lock(state_->mutex);
  return state_->history.size();
}

size_t EventLog::subscriber_count() const {
  std::lock_guard lock(state_->mutex);
  return state_->subscribers.size();
}

}  // namespace gocker::engine
