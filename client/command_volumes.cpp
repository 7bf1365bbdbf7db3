// gockerctl volume create, ls, inspect, rm, prune: the docker CLI's `volume` group.
#include <iostream>
#include <memory>

#include "attach_session.hpp"
#include "commands.hpp"
#include "format.hpp"
#include "inspect_format.hpp"
#include "messages.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

int fail(const Failure& failure) {
  print_failure(failure);
  return exit_code_for(failure, kExitCommandFailure);
}

// "k=v" (or "k") list entries as a JSON object.
nlohmann::json key_values(const std::vector<std::string>& entries) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& entry : entries) {
    auto equals = entry.find('=');
    out[entry.substr(0, equals)] = equals == std::string::npos ? "" : entry.substr(equals + 1);
  }
  return out;
}

// --filter k=v, repeated, as the API's {"k": {"v": true}} map.
std::string filters_json(const std::vector<std::string>& filters) {
  if (filters.empty()) return "";
  nlohmann::json out = nlohmann::json::object();
  for (const auto& filter : filters) {
    auto equals = filter.find('=');
    out[filter.substr(0, equals)][equals == std::string::npos ? "" : filter.substr(equals + 1)] = true;
  }
  return out.dump();
}

struct CreateFlags {
  std::string name;
  std::string driver = "local";
  std::vector<std::string> labels;
  std::vector<std::string> options;
};

int create_volume(const GlobalOptions& global, const CreateFlags& flags) {
  auto client = open_client(global);
  if (!client) return fail(client.error());
  nlohmann::json body{{"Name", flags.name},
                      {"Driver", flags.driver},
                      {"Labels", key_values(flags.labels)},
                      {"DriverOpts", key_values(flags.options)}};
  auto reply = client->call_expecting_success(Method::Post, api_target("/volumes/create"), &body);
  if (!reply) return fail(reply.error());
  auto volume = nlohmann::json::parse(reply->body, nullptr, false);
  std::cout << (volume.is_object() ? volume.value("Name", flags.name) : flags.name) << std::endl;
  return 0;
}

struct ListFlags {
  bool quiet = false;
  std::vector<std::string> filters;
  std::string format;
};

int list_volumes(const GlobalOptions& global, const ListFlags& flags) {
  auto client = open_client(global);
  if (!client) return fail(client.error());
  auto reply = client->call_expecting_success(Method::Get, api_target("/volumes", {{"filters", filters_json(flags.filters)}}));
  if (!reply) return fail(reply.error());
  auto listing = nlohmann::ordered_json::parse(reply->body, nullptr, false);
  if (!listing.is_object()) return fail(Failure::transport("malformed JSON from the daemon for /volumes"));
  auto volumes = listing.value("Volumes", nlohmann::ordered_json::array());
  if (!volumes.is_array()) volumes = nlohmann::ordered_json::array();
  if (flags.quiet) {
    for (const auto& volume : volumes) std::cout << volume.value("Name", "") << "\n";
    return 0;
  }
  if (!flags.format.empty()) {
    for (const auto& volume : volumes) {
      auto line = render_inspect_format(flags.format, volume);
      if (!line) return fail(line.error());
      std::cout << *line << "\n";
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"DRIVER", "VOLUME NAME"}};
  for (const auto& volume : volumes) rows.push_back({volume.value("Driver", ""), volume.value("Name", "")});
  std::cout << format_table(rows);
  return 0;
}

struct InspectFlags {
  std::string format;
  std::vector<std::string> names;
};

int inspect_volumes(const GlobalOptions& global, const InspectFlags& flags) {
  auto client = open_client(global);
  if (!client) return fail(client.error());
  int exit_code = 0;
  auto objects = nlohmann::ordered_json::array();
  for (const auto& name : flags.names) {
    auto reply = client->call_expecting_success(Method::Get, api_target("/volumes/" + escape_component(name)));
    if (!reply) {
      print_failure(reply.error());
      exit_code = kExitCommandFailure;
      if (reply.error().kind == FailureKind::CannotConnect) return exit_code;
      continue;
    }
    auto object = nlohmann::ordered_json::parse(reply->body, nullptr, false);
    if (object.is_discarded()) return fail(Failure::transport("malformed JSON from the daemon for volume " + name));
    if (flags.format.empty()) {
      objects.push_back(std::move(object));
      continue;
    }
    auto line = render_inspect_format(flags.format, object);
    if (!line) return fail(line.error());
    std::cout << *line << "\n";
  }
  if (flags.format.empty()) std::cout << objects.dump(4, ' ', /*ensure_ascii=*/false) << "\n";
  return exit_code;
}

struct RemoveFlags {
  bool force = false;
  std::vector<std::string> names;
};

int remove_volumes(const GlobalOptions& global, const RemoveFlags& flags) {
  auto client = open_client(global);
  if (!client) return fail(client.error());
  int exit_code = 0;
  for (const auto& name : flags.names) {
    auto reply = client->call_expecting_success(Method::Delete, api_target("/volumes/" + escape_component(name),
                                                                           {{"force", flags.force ? "1" : ""}}));
    if (!reply) {
      print_failure(reply.error());
      exit_code = kExitCommandFailure;
      if (reply.error().kind == FailureKind::CannotConnect) break;
      continue;
    }
    std::cout << name << std::endl;
  }
  return exit_code;
}

struct PruneFlags {
  bool force = false;
  std::vector<std::string> filters;
};

int prune_volumes(const GlobalOptions& global, const PruneFlags& flags) {
  if (!flags.force) {
    std::cout << "WARNING! This will remove all local volumes not used by at least one container.\n"
                 "Are you sure you want to continue? [y/N] "
              << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y") return 0;
  }
  auto client = open_client(global);
  if (!client) return fail(client.error());
  auto reply = client->call_expecting_success(Method::Post, api_target("/volumes/prune", {{"filters", filters_json(flags.filters)}}));
  if (!reply) return fail(reply.error());
  auto report = nlohmann::json::parse(reply->body, nullptr, false);
  if (!report.is_object()) return fail(Failure::transport("malformed JSON from the daemon for /volumes/prune"));
  auto deleted = report.value("VolumesDeleted", nlohmann::json::array());
  if (deleted.is_array() && !deleted.empty()) {
    std::cout << "Deleted Volumes:\n";
    for (const auto& name : deleted) std::cout << name.get<std::string>() << "\n";
    std::cout << "\n";
  }
  std::cout << "Total reclaimed space: " << human_size(report.value("SpaceReclaimed", 0.0)) << std::endl;
  return 0;
}

}  // namespace

void register_volume_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  CLI::App* group = app.add_subcommand("volume", "Manage volumes");
  group->require_subcommand(1);

  auto create_flags = std::make_shared<CreateFlags>();
  CLI::App* create = group->add_subcommand("create", "Create a volume");
  create->add_option("-d,--driver", create_flags->driver, "Specify volume driver name");
  create->add_option("--label", create_flags->labels, "Set metadata for a volume")->expected(1)->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  create->add_option("-o,--opt", create_flags->options, "Set driver specific options")->expected(1)->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  create->add_option("VOLUME", create_flags->name, "Volume name");
  table.push_back({create, [&global, create_flags] { return create_volume(global, *create_flags); }});

  auto list_flags = std::make_shared<ListFlags>();
  CLI::App* list = group->add_subcommand("ls", "List volumes");
  list->alias("list");
  list->add_flag("-q,--quiet", list_flags->quiet, "Only display volume names");
  list->add_option("-f,--filter", list_flags->filters, "Provide filter values (e.g. 'dangling=true')")->expected(1)
      ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  list->add_option("--format", list_flags->format, "Format output using a Go template");
  table.push_back({list, [&global, list_flags] { return list_volumes(global, *list_flags); }});

  auto inspect_flags = std::make_shared<InspectFlags>();
  CLI::App* inspect = group->add_subcommand("inspect", "Display detailed information on one or more volumes");
  inspect->add_option("-f,--format", inspect_flags->format, "Format output using a Go template");
  inspect->add_option("VOLUME", inspect_flags->names)->required();
  table.push_back({inspect, [&global, inspect_flags] { return inspect_volumes(global, *inspect_flags); }});

  auto remove_flags = std::make_shared<RemoveFlags>();
  CLI::App* remove = group->add_subcommand("rm", "Remove one or more volumes");
  remove->alias("remove");
  remove->add_flag("-f,--force", remove_flags->force, "Force the removal of one or more volumes");
  remove->add_option("VOLUME", remove_flags->names)->required();
  table.push_back({remove, [&global, remove_flags] { return remove_volumes(global, *remove_flags); }});

  auto prune_flags = std::make_shared<PruneFlags>();
  CLI::App* prune = group->add_subcommand("prune", "Remove all unused local volumes");
  prune->add_flag("-f,--force", prune_flags->force, "Do not prompt for confirmation");
  prune->add_option("--filter", prune_flags->filters, "Provide filter values (e.g. 'label=<label>')")->expected(1)
      ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  table.push_back({prune, [&global, prune_flags] { return prune_volumes(global, *prune_flags); }});
}

}  // namespace gocker::client
