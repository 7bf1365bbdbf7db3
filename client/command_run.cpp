// run, create, start: the commands that make a container run and may attach to it.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "api/container_types.hpp"
#include "attach_session.hpp"
#include "commands.hpp"
#include "messages.hpp"
#include "run_flags.hpp"
#include "terminal.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

// docker's check before creating anything: -it needs a terminal on stdin.
bool lacks_input_terminal(bool tty, bool attach_stdin) { return tty && attach_stdin && !is_terminal(STDIN_FILENO); }
constexpr const char* kNotATerminal = "the input device is not a TTY";

// POST /containers/create; prints the daemon's warnings. Returns the new container's id.
Outcome<std::string> create_container(ApiClient& client, const RunFlags& flags, const char* command_name) {
  auto body = build_create_request(flags, lookup_process_env, command_name);
  if (!body) return std::move(body).error();
  auto reply = client.call_expecting_success(Method::Post, api_target("/containers/create", {{"name", flags.name}}), &*body);
  if (!reply) return std::move(reply).error();
  auto parsed = nlohmann::json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  api::ContainerCreateResponse created;
  if (parsed.is_object()) {
    try {
      api::from_json(parsed, created);
    } catch (const nlohmann::json::exception& error) {
      return Failure::transport(std::string("malformed create response from the daemon: ") + error.what());
    }
  }
  if (created.id.empty()) return Failure::transport("the daemon's create response has no container id");
  for (const auto& warning : created.warnings) std::cerr << "WARNING: " << warning << "\n";
  return created.id;
}

int run_container(const GlobalOptions& global, CLI::App& command, RunFlags& flags) {
  if (auto taken = take_image_and_command(command, flags); !taken) {
    print_failure(taken.error());
    return kExitCliFailure;
  }
  if (!flags.detach && lacks_input_terminal(flags.tty, flags.interactive)) {
    std::cerr << kNotATerminal << "\n";
    return kExitCommandFailure;
  }
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return kExitCliFailure;
  }
  auto id = create_container(*client, flags, "run");
  if (!id) {
    print_failure(id.error());
    return kExitCliFailure;
  }

  if (flags.detach) {
    auto started = client->call_expecting_success(Method::Post, api_target(container_path(*id, "/start")));
    if (!started) {
      print_failure(started.error());
      return started.error().kind == FailureKind::Daemon ? start_failure_exit_code(started.error().message)
                                                         : kExitCliFailure;
    }
    std::cout << *id << std::endl;
    return 0;
  }
  AttachPlan plan;
  plan.container_id = *id;
  plan.tty = flags.tty;
  plan.attach_stdin = flags.interactive;
  plan.auto_remove = flags.auto_remove;
  plan.run_exit_codes = true;
  return attach_start_and_wait(*client, plan);
}

int create_only(const GlobalOptions& global, CLI::App& command, RunFlags& flags) {
  if (auto taken = take_image_and_command(command, flags); !taken) {
    print_failure(taken.error());
    return kExitCliFailure;
  }
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return kExitCliFailure;
  }
  auto id = create_container(*client, flags, "create");
  if (!id) {
    print_failure(id.error());
    return kExitCliFailure;
  }
  std::cout << *id << std::endl;
  return 0;
}

struct StartFlags {
  bool attach = false;
  bool interactive = false;
  std::vector<std::string> containers;
};

// start -a/-i: one container, attached as `run` would be, using its own Tty/OpenStdin settings.
int start_attached(ApiClient& client, const StartFlags& flags) {
  if (flags.containers.size() != 1) {
    std::cerr << "you cannot start and attach multiple containers at once\n";
    return kExitCommandFailure;
  }
  auto inspected = client.get_json(api_target(container_path(flags.containers.front(), "/json")));
  if (!inspected) {
    print_failure(inspected.error());
    return kExitCommandFailure;
  }
  api::ContainerInspect container;
  try {
    api::from_json(*inspected, container);
  } catch (const nlohmann::json::exception& error) {
    std::cerr << "malformed inspect response from the daemon: " << error.what() << "\n";
    return kExitCommandFailure;
  }
  AttachPlan plan;
  plan.container_id = container.id.empty() ? flags.containers.front() : container.id;
  plan.tty = container.config.tty;
  plan.attach_stdin = flags.interactive && container.config.open_stdin;
  plan.auto_remove = container.host_config.auto_remove;
  plan.run_exit_codes = false;
  if (lacks_input_terminal(plan.tty, plan.attach_stdin)) {
    std::cerr << kNotATerminal << "\n";
    return kExitCommandFailure;
  }
  return attach_start_and_wait(client, plan);
}

int start_containers(const GlobalOptions& global, const StartFlags& flags) {
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  if (flags.attach || flags.interactive) return start_attached(*client, flags);

  std::vector<std::string> failed;
  for (const auto& container : flags.containers) {
    auto started = client->call_expecting_success(Method::Post, api_target(container_path(container, "/start")));
    if (!started) {
      print_failure(started.error());
      failed.push_back(container);
      continue;
    }
    std::cout << container << "\n";
  }
  if (failed.empty()) return 0;
  std::string list;
  for (const auto& name : failed) list += (list.empty() ? "" : ", ") + name;
  std::cerr << "Error: failed to start containers: " << list << "\n";
  return kExitCommandFailure;
}

}  // namespace

void register_container_run_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  auto run_flags = std::make_shared<RunFlags>();
  CLI::App* run = app.add_subcommand("run", "Create and run a new container from an image");
  add_container_flags(*run, *run_flags, /*with_detach=*/true);
  table.push_back({run, [&global, run, run_flags] { return run_container(global, *run, *run_flags); }});

  auto create_flags = std::make_shared<RunFlags>();
  CLI::App* create = app.add_subcommand("create", "Create a new container");
  add_container_flags(*create, *create_flags, /*with_detach=*/false);
  table.push_back({create, [&global, create, create_flags] { return create_only(global, *create, *create_flags); }});

  auto start_flags = std::make_shared<StartFlags>();
  CLI::App* start = app.add_subcommand("start", "Start one or more stopped containers");
  start->add_flag("-a,--attach", start_flags->attach, "Attach STDOUT/STDERR and forward signals");
  start->add_flag("-i,--interactive", start_flags->interactive, "Attach container's STDIN");
  start->add_option("CONTAINER", start_flags->containers, "Containers to start")->required();
  table.push_back({start, [&global, start_flags] { return start_containers(global, *start_flags); }});
}

}  // namespace gocker::client
