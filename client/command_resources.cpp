// gockerctl stats, top, pause, unpause, update.
#include "commands.hpp"

namespace gocker::client {

void register_resource_commands(CLI::App& /*app*/, CommandTable& /*table*/, const GlobalOptions& /*global*/) {}

}  // namespace gocker::client
