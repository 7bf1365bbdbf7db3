// gockerctl stats, top, pause, unpause, update.
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "api/container_types.hpp"
#include "api/stats_types.hpp"
#include "api/units.hpp"
#include "attach_session.hpp"
#include "commands.hpp"
#include "format.hpp"
#include "messages.hpp"
#include "stats_table.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

template <typename T>
Outcome<T> parse_reply(const std::string& body, const char* what) {
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Failure::transport(std::string("malformed ") + what + " response from the daemon");
  try {
    return parsed.get<T>();
  } catch (const nlohmann::json::exception& error) {
    return Failure::transport(std::string("malformed ") + what + " response from the daemon: " + error.what());
  }
}

Outcome<std::vector<std::string>> listed_containers(ApiClient& client, bool all) {
  auto listed = client.get_json(api_target("/containers/json", {{"all", all ? "1" : ""}}));
  if (!listed) return std::move(listed).error();
  std::vector<std::string> ids;
  if (!listed->is_array()) return Failure::transport("malformed container list from the daemon");
  for (const auto& entry : *listed) {
    if (entry.is_object() && entry.contains("Id") && entry["Id"].is_string()) ids.push_back(entry["Id"].get<std::string>());
  }
  return ids;
}

struct StatsFlags {
  bool no_stream = false;
  bool all = false;
  std::vector<std::string> containers;
};

// --no-stream: one stream=false request per container, all at once (each takes the daemon's one
// second between its two samples), printed in the order given.
int print_stats_once(ApiClient& client, const std::vector<std::string>& containers) {
  std::vector<std::optional<Outcome<api::ContainerStats>>> results(containers.size());
  std::vector<std::thread> workers;
  for (size_t i = 0; i < containers.size(); ++i) {
    workers.emplace_back([&client, &containers, &results, i] {
      auto reply = client.call_expecting_success(Method::Get, api_target(container_path(containers[i], "/stats"),
                                                                         {{"stream", "false"}}));
      if (!reply) results[i] = Outcome<api::ContainerStats>(std::move(reply).error());
      else results[i] = parse_reply<api::ContainerStats>(reply->body, "stats");
    });
  }
  for (auto& worker : workers) worker.join();
  int exit_code = 0;
  std::vector<std::vector<std::string>> rows{stats_table_header()};
  for (size_t i = 0; i < containers.size(); ++i) {
    if (!*results[i]) {
      print_failure(results[i]->error());
      exit_code = exit_code_for(results[i]->error(), kExitCommandFailure);
      continue;
    }
    rows.push_back(stats_table_row(results[i]->value(), containers[i]));
  }
  if (rows.size() > 1 || exit_code == 0) std::cout << format_table(rows) << std::flush;
  return exit_code;
}

// Streaming: a reader thread per container keeps its latest document; the table is redrawn every
// second (cleared as the docker CLI does on a terminal) until interrupted.
int stream_stats(ApiClient& client, const std::vector<std::string>& containers) {
  struct Shared {
    std::mutex mutex;
    std::map<size_t, api::ContainerStats> latest;
    std::map<size_t, Failure> failures;
  };
  auto shared = std::make_shared<Shared>();
  for (size_t i = 0; i < containers.size(); ++i) {
    std::thread([client, shared, container = containers[i], i]() mutable {
      std::string pending;
      auto streamed = client.stream(Method::Get, api_target(container_path(container, "/stats"), {{"stream", "true"}}),
                                    [&](std::string_view piece) -> Outcome<void> {
                                      pending.append(piece);
                                      size_t newline;
                                      while ((newline = pending.find('\n')) != std::string::npos) {
                                        auto parsed = parse_reply<api::ContainerStats>(pending.substr(0, newline), "stats");
                                        pending.erase(0, newline + 1);
                                        if (!parsed) return std::move(parsed).error();
                                        std::lock_guard lock(shared->mutex);
                                        shared->latest[i] = std::move(*parsed);
                                      }
                                      return {};
                                    });
      if (!streamed) {
        std::lock_guard lock(shared->mutex);
        shared->failures.emplace(i, std::move(streamed).error());
      }
    }).detach();
  }
  while (true) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    std::vector<std::vector<std::string>> rows{stats_table_header()};
    {
      std::lock_guard lock(shared->mutex);
      if (shared->failures.size() == containers.size()) {
        for (const auto& [index, failure] : shared->failures) print_failure(failure);
        return exit_code_for(shared->failures.begin()->second, kExitCommandFailure);
      }
      for (const auto& [index, stats] : shared->latest) rows.push_back(stats_table_row(stats, containers[index]));
    }
    std::cout << "\033[2J\033[H" << format_table(rows) << std::flush;
  }
}

int run_stats(const GlobalOptions& global, const StatsFlags& flags) {
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  std::vector<std::string> containers = flags.containers;
  if (containers.empty()) {
    auto running = listed_containers(*client, flags.all);
    if (!running) {
      print_failure(running.error());
      return exit_code_for(running.error(), kExitCommandFailure);
    }
    containers = std::move(*running);
  }
  if (flags.no_stream) return print_stats_once(*client, containers);
  return stream_stats(*client, containers);
}

int run_top(const GlobalOptions& global, const std::vector<std::string>& arguments) {
  if (arguments.empty()) {
    print_failure(Failure::usage("\"top\" requires at least 1 argument."));
    return kExitCliFailure;
  }
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  std::string ps_args;
  for (size_t i = 1; i < arguments.size(); ++i) ps_args += (i > 1 ? " " : "") + arguments[i];
  auto reply = client->call_expecting_success(
      Method::Get, api_target(container_path(arguments.front(), "/top"), {{"ps_args", ps_args}}));
  if (!reply) {
    print_failure(reply.error());
    return exit_code_for(reply.error(), kExitCommandFailure);
  }
  auto top = parse_reply<api::ContainerTop>(reply->body, "top");
  if (!top) {
    print_failure(top.error());
    return kExitCommandFailure;
  }
  std::cout << format_top_table(*top) << std::flush;
  return 0;
}

int for_each_named(const GlobalOptions& global, const std::vector<std::string>& containers,
                   const std::function<Outcome<void>(ApiClient&, const std::string&)>& action) {
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
      if (done.error().kind == FailureKind::CannotConnect) break;
    } else {
      std::cout << container << std::endl;
    }
  }
  return exit_code;
}

struct UpdateFlags {
  std::string memory;
  std::string memory_swap;
  std::string cpus;
  std::optional<int64_t> cpu_shares;
  std::optional<int64_t> cpu_period;
  std::optional<int64_t> cpu_quota;
  std::string cpuset_cpus;
  std::string cpuset_mems;
  std::optional<int64_t> pids_limit;
  std::vector<std::string> containers;
};

Outcome<api::ContainerUpdateRequest> update_request(const UpdateFlags& flags) {
  api::ContainerUpdateRequest request;
  bool any = false;
  if (!flags.memory.empty()) {
    auto bytes = api::ram_in_bytes(flags.memory);
    if (!bytes) return Failure::usage(api::invalid_size_message(flags.memory));
    request.memory = *bytes;
    any = true;
  }
  if (!flags.memory_swap.empty()) {
    if (flags.memory_swap == "-1") {
      request.memory_swap = -1;
    } else {
      auto bytes = api::ram_in_bytes(flags.memory_swap);
      if (!bytes) return Failure::usage(api::invalid_size_message(flags.memory_swap));
      request.memory_swap = *bytes;
    }
    any = true;
  }
  if (!flags.cpus.empty()) {
    char* end = nullptr;
    double cpus = std::strtod(flags.cpus.c_str(), &end);
    if (end == flags.cpus.c_str() || *end != '\0' || !std::isfinite(cpus) || cpus < 0) {
      return Failure::usage("invalid argument \"" + flags.cpus + "\" for \"--cpus\" flag: failed to parse " +
                            flags.cpus + " as a rational number");
    }
    request.nano_cpus = static_cast<int64_t>(std::llround(cpus * 1e9));
    any = true;
  }
  request.cpu_shares = flags.cpu_shares;
  request.cpu_period = flags.cpu_period;
  request.cpu_quota = flags.cpu_quota;
  request.pids_limit = flags.pids_limit;
  if (!flags.cpuset_cpus.empty()) request.cpuset_cpus = flags.cpuset_cpus;
  if (!flags.cpuset_mems.empty()) request.cpuset_mems = flags.cpuset_mems;
  any = any || flags.cpu_shares || flags.cpu_period || flags.cpu_quota || flags.pids_limit || request.cpuset_cpus ||
        request.cpuset_mems;
  if (!any) return Failure::usage("you must provide one or more flags when using this command");
  return request;
}

int run_update(const GlobalOptions& global, const UpdateFlags& flags) {
  auto request = update_request(flags);
  if (!request) {
    print_failure(request.error());
    return exit_code_for(request.error(), kExitCommandFailure);
  }
  const nlohmann::json body = *request;
  return for_each_named(global, flags.containers, [&body](ApiClient& client, const std::string& container) -> Outcome<void> {
    auto reply = client.call_expecting_success(Method::Post, api_target(container_path(container, "/update")), &body);
    if (!reply) return std::move(reply).error();
    auto parsed = nlohmann::json::parse(reply->body, nullptr, false);
    if (parsed.is_object() && parsed.contains("Warnings") && parsed["Warnings"].is_array()) {
      for (const auto& warning : parsed["Warnings"]) {
        if (warning.is_string()) std::cerr << warning.get<std::string>() << std::endl;
      }
    }
    return {};
  });
}

}  // namespace

void register_resource_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  auto stats_flags = std::make_shared<StatsFlags>();
  CLI::App* stats = app.add_subcommand("stats", "Display a live stream of container(s) resource usage statistics");
  stats->add_flag("--no-stream", stats_flags->no_stream, "Disable streaming stats and only pull the first result");
  stats->add_flag("-a,--all", stats_flags->all, "Show all containers (default shows just running)");
  stats->add_option("CONTAINER", stats_flags->containers);
  table.push_back({stats, [&global, stats_flags] { return run_stats(global, *stats_flags); }});

  CLI::App* top = app.add_subcommand("top", "Display the running processes of a container");
  // Everything after the container is ps options (`top w -ef`), not gockerctl flags.
  top->prefix_command();
  table.push_back({top, [&global, top] { return run_top(global, top->remaining()); }});

  auto pause_containers = std::make_shared<std::vector<std::string>>();
  CLI::App* pause = app.add_subcommand("pause", "Pause all processes within one or more containers");
  pause->add_option("CONTAINER", *pause_containers)->required();
  table.push_back({pause, [&global, pause_containers] {
                     return for_each_named(global, *pause_containers, [](ApiClient& client, const std::string& container) {
                       auto reply = client.call_expecting_success(Method::Post, api_target(container_path(container, "/pause")));
                       if (!reply) return Outcome<void>(std::move(reply).error());
                       return Outcome<void>();
                     });
                   }});

  auto unpause_containers = std::make_shared<std::vector<std::string>>();
  CLI::App* unpause = app.add_subcommand("unpause", "Unpause all processes within one or more containers");
  unpause->add_option("CONTAINER", *unpause_containers)->required();
  table.push_back({unpause, [&global, unpause_containers] {
                     return for_each_named(global, *unpause_containers, [](ApiClient& client, const std::string& container) {
                       auto reply =
                           client.call_expecting_success(Method::Post, api_target(container_path(container, "/unpause")));
                       if (!reply) return Outcome<void>(std::move(reply).error());
                       return Outcome<void>();
                     });
                   }});

  auto update_flags = std::make_shared<UpdateFlags>();
  CLI::App* update = app.add_subcommand("update", "Update configuration of one or more containers");
  update->add_option("-m,--memory", update_flags->memory, "Memory limit");
  update->add_option("--memory-swap", update_flags->memory_swap,
                     "Swap limit equal to memory plus swap: -1 to enable unlimited swap");
  update->add_option("--cpus", update_flags->cpus, "Number of CPUs");
  update->add_option_function<int64_t>("-c,--cpu-shares", [update_flags](const int64_t& v) { update_flags->cpu_shares = v; },
                                       "CPU shares (relative weight)");
  update->add_option_function<int64_t>("--cpu-period", [update_flags](const int64_t& v) { update_flags->cpu_period = v; },
                                       "Limit CPU CFS (Completely Fair Scheduler) period");
  update->add_option_function<int64_t>("--cpu-quota", [update_flags](const int64_t& v) { update_flags->cpu_quota = v; },
                                       "Limit CPU CFS (Completely Fair Scheduler) quota");
  update->add_option("--cpuset-cpus", update_flags->cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  update->add_option("--cpuset-mems", update_flags->cpuset_mems, "MEMs in which to allow execution (0-3, 0,1)");
  update->add_option_function<int64_t>("--pids-limit", [update_flags](const int64_t& v) { update_flags->pids_limit = v; },
                                       "Tune container pids limit (set -1 for unlimited)");
  update->add_option("CONTAINER", update_flags->containers)->required();
  table.push_back({update, [&global, update_flags] { return run_update(global, *update_flags); }});
}

}  // namespace gocker::client
