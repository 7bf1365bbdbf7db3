// stop, kill, rm, wait: one request per named container; each success prints the name as given
// (wait prints the exit code), each failure prints its line, and any failure makes the exit code 1.
#include <iostream>
#include <memory>
#include <optional>

#include "api/container_types.hpp"
#include "attach_session.hpp"
#include "commands.hpp"
#include "messages.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

using Action = std::function<Outcome<void>(ApiClient& client, const std::string& container)>;

int for_each_container(const GlobalOptions& global, const std::vector<std::string>& containers, const Action& action) {
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  int exit_code = 0;
  for (const auto& container : containers) {
    if (auto done = action(*client, container); !done) {
      print_failure(done.error());
      exit_code = exit_code_for(done.error(), kExitCommandFailure);
      // Without a daemon every other container would fail the same way: say it once.
      if (done.error().kind == FailureKind::CannotConnect) break;
    }
  }
  return exit_code;
}

// POST/DELETE expecting 2xx; 304 (already stopped, already started) counts as done, as in docker.
Outcome<void> request_and_print_name(ApiClient& client, Method method, const std::string& target,
                                     const std::string& container) {
  auto reply = client.call_expecting_success(method, target);
  if (!reply) return std::move(reply).error();
  std::cout << container << std::endl;
  return {};
}

Outcome<void> wait_and_print_status(ApiClient& client, const std::string& container) {
  auto reply = client.call_expecting_success(Method::Post, api_target(container_path(container, "/wait")));
  if (!reply) return std::move(reply).error();
  auto body = nlohmann::json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  api::WaitResponse status;
  if (!body.is_object()) return Failure::transport("malformed wait response from the daemon");
  try {
    api::from_json(body, status);
  } catch (const nlohmann::json::exception& error) {
    return Failure::transport(std::string("malformed wait response from the daemon: ") + error.what());
  }
  if (status.error_message && !status.error_message->empty()) {
    return Failure::transport("Error waiting for container: " + *status.error_message);
  }
  std::cout << status.status_code << std::endl;
  return {};
}

struct StopFlags {
  std::optional<int> timeout;
  std::string signal;
  std::vector<std::string> containers;
};

int stop_containers(const GlobalOptions& global, const StopFlags& flags) {
  const std::string seconds = flags.timeout ? std::to_string(*flags.timeout) : "";
  return for_each_container(global, flags.containers, [&seconds, &flags](ApiClient& client, const std::string& container) {
    auto target = api_target(container_path(container, "/stop"), {{"t", seconds}, {"signal", flags.signal}});
    return request_and_print_name(client, Method::Post, target, container);
  });
}

struct KillFlags {
  std::string signal;  // empty: the daemon's default, SIGKILL
  std::vector<std::string> containers;
};

int kill_containers(const GlobalOptions& global, const KillFlags& flags) {
  return for_each_container(global, flags.containers, [&flags](ApiClient& client, const std::string& container) {
    auto target = api_target(container_path(container, "/kill"), {{"signal", flags.signal}});
    return request_and_print_name(client, Method::Post, target, container);
  });
}

struct RemoveFlags {
  bool force = false;
  bool volumes = false;
  std::vector<std::string> containers;
};

int remove_containers(const GlobalOptions& global, const RemoveFlags& flags) {
  return for_each_container(global, flags.containers, [&flags](ApiClient& client, const std::string& container) {
    auto target = api_target(container_path(container), {{"force", flags.force ? "1" : ""}, {"v", flags.volumes ? "1" : ""}});
    return request_and_print_name(client, Method::Delete, target, container);
  });
}

}  // namespace

void register_container_lifecycle_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  auto stop_flags = std::make_shared<StopFlags>();
  CLI::App* stop = app.add_subcommand("stop", "Stop one or more running containers");
  stop->add_option_function<int>(
      "-t,--time,--timeout", [stop_flags](const int& seconds) { stop_flags->timeout = seconds; },
      "Seconds to wait before killing the container");
  stop->add_option("-s,--signal", stop_flags->signal, "Signal to send to the container");
  stop->add_option("CONTAINER", stop_flags->containers)->required();
  table.push_back({stop, [&global, stop_flags] { return stop_containers(global, *stop_flags); }});

  auto kill_flags = std::make_shared<KillFlags>();
  CLI::App* kill = app.add_subcommand("kill", "Kill one or more running containers");
  kill->add_option("-s,--signal", kill_flags->signal, "Signal to send to the container (default KILL)");
  kill->add_option("CONTAINER", kill_flags->containers)->required();
  table.push_back({kill, [&global, kill_flags] { return kill_containers(global, *kill_flags); }});

  auto remove_flags = std::make_shared<RemoveFlags>();
  CLI::App* remove = app.add_subcommand("rm", "Remove one or more containers");
  remove->add_flag("-f,--force", remove_flags->force, "Force the removal of a running container (uses SIGKILL)");
  remove->add_flag("-v,--volumes", remove_flags->volumes, "Remove anonymous volumes associated with the container");
  remove->add_option("CONTAINER", remove_flags->containers)->required();
  table.push_back({remove, [&global, remove_flags] { return remove_containers(global, *remove_flags); }});

  auto wait_containers = std::make_shared<std::vector<std::string>>();
  CLI::App* wait = app.add_subcommand("wait", "Block until one or more containers stop, then print their exit codes");
  wait->add_option("CONTAINER", *wait_containers)->required();
  table.push_back({wait, [&global, wait_containers] {
                     return for_each_container(global, *wait_containers, wait_and_print_status);
                   }});
}

}  // namespace gocker::client
