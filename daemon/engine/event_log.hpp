#pragma once
// The daemon's event history and live event subscribers (GET /events).
//
// A ring of the most recent events (kCapacity) answers `since`: a subscriber gets the matching
// events from the ring and is registered for live ones under one lock, so no event is missed or
// seen twice between the replay and the live part. Each live subscriber has its own bounded
// channel; publish() never blocks on a slow reader: when a subscriber's channel is full the event
// is dropped for it (and logged), as dockerd drops events for a reader that does not keep up.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "api/event_types.hpp"
#include "base/result.hpp"
#include "engine/engine.hpp"
#include "engine/event_history.hpp"

namespace gocker::engine {

using EventFilters = std::vector<std::pair<std::string, std::string>>;

// InvalidArgument ("invalid filter 'x'") for a key GET /events does not know.
Status validate_event_filters(const EventFilters& filters);
// Docker's event filter: same key any value, different keys all.
bool event_matches(const api::EventMessage& event, const EventFilters& filters);

class EventLog {
 public:
  // As many as dockerd keeps: `since` reaches back over the last ~40 containers' lives. A
  // daemon that has run containers holds a full history for good, so it is bounded in bytes too
  // (EventHistory): a container event is 0.3-0.5 kB of JSON, more with many labels.
  static constexpr size_t kCapacity = 256;
  static constexpr size_t kHistoryBytes = 192 * 1024;
  static constexpr size_t kSubscriberBuffer = 1024;

  EventLog(boost::asio::any_io_executor executor, size_t capacity = kCapacity);
  ~EventLog();

  void publish(api::EventMessage event);
  // `now_nanos` decides whether `until` already lies in the past (then nothing live is awaited).
  Result<std::unique_ptr<Engine::EventStream>> subscribe(const Engine::EventQuery& query, int64_t now_nanos);

  size_t size() const;
  size_t subscriber_count() const;

 private:
  struct Subscriber;
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace gocker::engine
