// gockerctl restart, rename.
#include <iostream>
#include <memory>
#include <optional>

#include "attach_session.hpp"
#include "commands.hpp"
#include "messages.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

struct RestartFlags {
  std::optional<int> timeout;
  std::vector<std::string> containers;
};

// As docker: each container in turn, its name printed on success; any failure makes the exit code 1.
int restart_containers(const GlobalOptions& global, const RestartFlags& flags) {
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  const std::string seconds = flags.timeout ? std::to_string(*flags.timeout) : "";
  int exit_code = 0;
  for (const auto& container : flags.containers) {
    auto reply = client->call_expecting_success(Method::Post, api_target(container_path(container, "/restart"), {{"t", seconds}}));
    if (!reply) {
      print_failure(reply.error());
      exit_code = exit_code_for(reply.error(), kExitCommandFailure);
      if (reply.error().kind == FailureKind::CannotConnect) break;
      continue;
    }
    std::cout << container << std::endl;
  }
  return exit_code;
}

struct RenameFlags {
  std::string container;
  std::string new_name;
};

int rename_container(const GlobalOptions& global, const RenameFlags& flags) {
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  auto reply = client->call_expecting_success(Method::Post,
                                              api_target(container_path(flags.container, "/rename"), {{"name", flags.new_name}}));
  if (!reply) {
    print_failure(reply.error());
    return exit_code_for(reply.error(), kExitCommandFailure);
  }
  return 0;
}

}  // namespace

void register_manage_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  auto restart_flags = std::make_shared<RestartFlags>();
  CLI::App* restart = app.add_subcommand("restart", "Restart one or more containers");
  restart->add_option_function<int>(
      "-t,--time,--timeout", [restart_flags](const int& seconds) { restart_flags->timeout = seconds; },
      "Seconds to wait before killing the container");
  restart->add_option("CONTAINER", restart_flags->containers)->required();
  table.push_back({restart, [&global, restart_flags] { return restart_containers(global, *restart_flags); }});

  auto rename_flags = std::make_shared<RenameFlags>();
  CLI::App* rename = app.add_subcommand("rename", "Rename a container");
  rename->add_option("CONTAINER", rename_flags->container)->required();
  rename->add_option("NEW_NAME", rename_flags->new_name)->required();
  table.push_back({rename, [&global, rename_flags] { return rename_container(global, *rename_flags); }});
}

}  // namespace gocker::client
