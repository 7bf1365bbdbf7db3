#pragma once
// GET /events messages (moby's api/types/events.Message). Each event is one JSON object on its own
// line. `status`, `id` and `from` are the deprecated pre-1.22 fields the docker CLI still reads
// for container events; Type/Action/Actor are the current ones. Actor.Attributes carries the
// container's labels plus "name" and "image" (and "exitCode" for die, "signal" for kill...).
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace gocker::api {

struct EventActor {
  std::string id;
  std::map<std::string, std::string> attributes;
};

struct EventMessage {
  std::string status;  // = action, for container events
  std::string id;      // = actor id
  std::string from;    // the image, for container events
  std::string type = "container";
  std::string action;  // "create", "start", "die", "exec_start: sh -c ..." ...
  EventActor actor;
  std::string scope = "local";
  int64_t time = 0;       // unix seconds
  int64_t time_nano = 0;  // unix nanoseconds
};

void from_json(const nlohmann::json& j, EventMessage& value);
void to_json(nlohmann::json& j, const EventMessage& value);

}  // namespace gocker::api
