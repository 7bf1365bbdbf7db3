// gockerctl exec.
#include "commands.hpp"

namespace gocker::client {

void register_exec_command(CLI::App& /*app*/, CommandTable& /*table*/, const GlobalOptions& /*global*/) {}

}  // namespace gocker::client
