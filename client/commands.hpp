#pragma once
// The gockerctl commands. Each register_* function adds its subcommands to the CLI11 app and
// a function to run once parsing picked it; the functions return the process exit code and
// print their own output and errors.
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "api_client.hpp"

namespace gocker::client {

struct GlobalOptions {
  std::string host;  // -H/--host; empty: $GOCKER_HOST or the default
};

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};
using CommandTable = std::vector<Command>;

// The daemon client for the chosen host; a bad -H is a usage error.
Outcome<ApiClient> open_client(const GlobalOptions& global);

void register_container_run_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global);  // run, create, start
void register_container_lifecycle_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global);  // stop, kill, rm, wait
void register_list_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global);  // ps, images
void register_logs_command(CLI::App& app, CommandTable& table, const GlobalOptions& global);
void register_inspect_command(CLI::App& app, CommandTable& table, const GlobalOptions& global);
void register_system_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global);  // version, info
void register_resource_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global);  // stats, top, pause, unpause, update
void register_manage_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global);  // restart, rename
void register_exec_command(CLI::App& app, CommandTable& table, const GlobalOptions& global);
void register_events_command(CLI::App& app, CommandTable& table, const GlobalOptions& global);
void register_transfer_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global);  // cp, attach
void register_volume_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global);  // volume create, ls, inspect, rm, prune
void register_network_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global);  // network ..., port
void register_image_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global);  // images (issue 5): commit, import, export, tag, rmi, history, image ...
void register_registry_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global);  // pull, push, login, logout (issue 5)
// image prune, container prune, system df, system prune; after the commands that make the image group.
void register_prune_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global);

}  // namespace gocker::client
