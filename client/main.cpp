// gockerctl: the docker CLI's commands, flags, output and exit codes, against gockerd.
#include <algorithm>
#include <csignal>
#include <iterator>
#include <string_view>
#include <cstdlib>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "argv_command.hpp"
#include "commands.hpp"
#include "messages.hpp"

#ifndef GOCKER_VERSION
#define GOCKER_VERSION "dev"
#endif

namespace gocker::client {

Outcome<ApiClient> open_client(const GlobalOptions& global) {
  auto address = parse_daemon_host(choose_host(global.host, std::getenv("GOCKER_HOST")));
  if (!address) return std::move(address).error();
  return ApiClient(std::move(*address));
}

namespace {

using Registrar = void (*)(CLI::App&, CommandTable&, const GlobalOptions&);

// Every command family and the top-level words it adds, in registration order. A word two
// families add to ("image": its commands, then image prune) registers both, in this order.
struct CommandFamily {
  Registrar add;
  std::string_view words;
};
constexpr CommandFamily kCommandFamilies[] = {
    {register_container_run_commands, "run create start"},
    {register_container_lifecycle_commands, "stop kill rm wait"},
    {register_list_commands, "ps images"},
    {register_logs_command, "logs"},
    {register_inspect_command, "inspect"},
    {register_system_commands, "version info"},
    {register_resource_commands, "stats top pause unpause update"},
    {register_manage_commands, "restart rename"},
    {register_exec_command, "exec"},
    {register_events_command, "events"},
    {register_transfer_commands, "cp attach"},
    {register_image_commands, "commit export image rmi tag history import save load"},  // issue 5
    {register_volume_commands, "volume"},
    {register_network_commands, "network port"},  // issue 6
    {register_registry_commands, "pull push login logout"},  // issue 5
    {register_prune_commands, "image container system"},  // image/container/system prune, system df
};

int run_cli(int argc, char** argv) {
  CLI::App app{"A self-sufficient runtime for containers (gocker)", "gockerctl"};
  app.set_version_flag("-v,--version", "gockerctl version " GOCKER_VERSION);
  app.require_subcommand(0, 1);
  GlobalOptions global;
  app.add_option("-H,--host", global.host, "Daemon socket to connect to (unix:///path; default $GOCKER_HOST or " +
                                               std::string(kDefaultHost) + ")");

  CommandTable commands;
  const std::string_view word = command_word(argc, argv);
  const bool known_word = std::any_of(std::begin(kCommandFamilies), std::end(kCommandFamilies),
                                      [&](const CommandFamily& family) { return names_word(family.words, word); });
  for (const CommandFamily& family : kCommandFamilies) {
    // Help, version, an unknown word and typos see every command, as CLI11 lists and reports them.
    if (!known_word || names_word(family.words, word)) family.add(app, commands, global);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ExtrasError& error) {
    // pflag's wording for the common case, an unknown flag; other extras keep CLI11's message.
    auto extras = app.remaining(/*recurse=*/true);
    if (!extras.empty() && extras.front().size() > 1 && extras.front().front() == '-') {
      std::cerr << "unknown flag: " << extras.front() << "\nSee 'gockerctl --help'.\n";
    } else {
      std::cerr << error.what() << "\nSee 'gockerctl --help'.\n";
    }
    return kExitCliFailure;
  } catch (const CLI::ParseError& error) {
    // docker exits 125 on flag errors, with the message and a pointer to --help.
    std::cerr << error.what() << "\nSee 'gockerctl --help'.\n";
    return kExitCliFailure;
  }

  for (const auto& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  std::cout << app.help();
  return 0;
}

}  // namespace
}  // namespace gocker::client

int main(int argc, char** argv) {
  // A closed stdout (`gockerctl logs x | head -1`) is an EPIPE write error we report, not a kill.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return gocker::client::run_cli(argc, argv);
  } catch (const std::exception& error) {
    // The last-resort catch STYLE.md asks main to keep: nothing below is meant to throw.
    std::cerr << "gockerctl: internal error: " << error.what() << "\n";
    return gocker::client::kExitCliFailure;
  }
}
