// Container events for GET /events. (Placeholder until the events work lands: nothing is kept.)
#include "engine/engine_impl.hpp"

namespace gocker::engine {

void EngineImpl::publish_container_event(const Container& /*container*/, std::string_view /*action*/,
                                         std::map<std::string, std::string> /*extra_attributes*/) {}

}  // namespace gocker::engine
