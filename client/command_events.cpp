// gockerctl events.
#include "commands.hpp"

namespace gocker::client {

void register_events_command(CLI::App& /*app*/, CommandTable& /*table*/, const GlobalOptions& /*global*/) {}

}  // namespace gocker::client
