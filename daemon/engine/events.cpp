// Container events for GET /events: the engine's lifecycle code calls publish_container_event, and
// the event log (event_log.cpp) keeps the history and feeds the subscribers.
#include "engine/engine_impl.hpp"
#include "engine/event_log.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {

EventLog& EngineImpl::event_log() {
  std::call_once(event_log_once_, [this] { event_log_ = std::make_shared<EventLog>(executor_); });
  return *event_log_;
}

void EngineImpl::publish_container_event(const Container& container, std::string_view action,
                                         std::map<std::string, std::string> extra_attributes) {
  const int64_t now = now_unix_nanos();
  api::EventMessage event;
  event.action = std::string(action);
  event.status = event.action;
  event.id = container.record.id;
  event.from = container.record.image_ref;
  event.actor.id = container.record.id;
  // As dockerd: the labels, then image and name over them, then what this event adds.
  event.actor.attributes = container.config.labels;
  event.actor.attributes["image"] = container.record.image_ref;
  event.actor.attributes["name"] = container.record.name;
  for (auto& [key, value] : extra_attributes) event.actor.attributes[key] = std::move(value);
  event.time = now / 1'000'000'000;
  event.time_nano = now;
  event_log().publish(std::move(event));
}

// Image and prune events carry no container fields; status and id are still filled for image
// events, as dockerd keeps its deprecated fields for containers and images alike.
void EngineImpl::publish_event(std::string_view type, std::string_view action, const std::string& actor_id,
                               std::map<std::string, std::string> attributes) {
  const int64_t now = now_unix_nanos();
  api::EventMessage event;
  event.type = std::string(type);
  event.action = std::string(action);
  if (type == "image") {
    event.status = event.action;
    event.id = actor_id;
  }
  event.actor.id = actor_id;
  event.actor.attributes = std::move(attributes);
  event.time = now / 1'000'000'000;
  event.time_nano = now;
  event_log().publish(std::move(event));
}

Result<std::unique_ptr<Engine::EventStream>> EngineImpl::subscribe_events(const EventQuery& query) {
  return event_log().subscribe(query, now_unix_nanos());
}

}  // namespace gocker::engine
