#include "api/event_types.hpp"

#include "api/json_fields.hpp"

namespace gocker::api {

using nlohmann::json;

void from_json(const json& j, EventMessage& v) {
  if (!j.is_object()) throw json::type_error::create(302, "event must be an object", &j);
  read_field(j, "status", v.status);
  read_field(j, "id", v.id);
  read_field(j, "from", v.from);
  read_field(j, "Type", v.type);
  read_field(j, "Action", v.action);
  if (auto actor = j.find("Actor"); actor != j.end() && actor->is_object()) {
    read_field(*actor, "ID", v.actor.id);
    read_field(*actor, "Attributes", v.actor.attributes);
  }
  read_field(j, "scope", v.scope);
  read_field(j, "time", v.time);
  read_field(j, "timeNano", v.time_nano);
}

void to_json(json& j, const EventMessage& v) {
  j = json::object();
  // moby omits the deprecated fields when empty (omitempty).
  if (!v.status.empty()) j["status"] = v.status;
  if (!v.id.empty()) j["id"] = v.id;
  if (!v.from.empty()) j["from"] = v.from;
  j["Type"] = v.type;
  j["Action"] = v.action;
  j["Actor"] = json{{"ID", v.actor.id}, {"Attributes", v.actor.attributes}};
  j["scope"] = v.scope;
  j["time"] = v.time;
  j["timeNano"] = v.time_nano;
}

}  // namespace gocker::api
