// gockerctl cp, attach.
#include "commands.hpp"

namespace gocker::client {

void register_transfer_commands(CLI::App& /*app*/, CommandTable& /*table*/, const GlobalOptions& /*global*/) {}

}  // namespace gocker::client
