// gockerctl restart, rename.
#include "commands.hpp"

namespace gocker::client {

void register_manage_commands(CLI::App& /*app*/, CommandTable& /*table*/, const GlobalOptions& /*global*/) {}

}  // namespace gocker::client
