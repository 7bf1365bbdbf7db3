// ps and images.
#include <ctime>
#include <iostream>
#include <memory>

#include "attach_session.hpp"
#include "commands.hpp"
#include "format.hpp"
#include "list_tables.hpp"
#include "messages.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

// Fetches a JSON array and converts each element; a malformed reply is a failure, not a crash.
template <typename T>
Outcome<std::vector<T>> get_list(ApiClient& client, const std::string& target) {
  auto body = client.get_json(target);
  if (!body) return std::move(body).error();
  if (!body->is_array()) return Failure::transport("the daemon's reply to " + target + " is not a list");
  std::vector<T> items;
  try {
    for (const auto& element : *body) {
      T item;
      from_json(element, item);
      items.push_back(std::move(item));
    }
  } catch (const nlohmann::json::exception& error) {
    return Failure::transport("malformed reply to " + target + ": " + error.what());
  }
  return items;
}

struct ListFlags {
  bool all = false;
  bool quiet = false;
  bool no_trunc = false;
  std::vector<std::string> filters;  // "key=value", repeatable
  std::string format;
};

// `--filter k=v` flags as the filters query parameter, in the docker CLI's own encoding: a JSON
// map from each key to a map of its values to true ({"status":{"exited":true}}).
Outcome<std::string> filters_parameter(const std::vector<std::string>& filters) {
  if (filters.empty()) return std::string();
  nlohmann::json by_key = nlohmann::json::object();
  for (const auto& filter : filters) {
    const size_t equals = filter.find('=');
    if (equals == std::string::npos || equals == 0)
      return Failure::usage("bad format of filter (expected name=value)");
    by_key[filter.substr(0, equals)][filter.substr(equals + 1)] = true;
  }
  return by_key.dump();
}

int list_containers(const GlobalOptions& global, const ListFlags& flags) {
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  auto filters = filters_parameter(flags.filters);
  if (!filters) {
    print_failure(filters.error());
    return exit_code_for(filters.error(), kExitCommandFailure);
  }
  auto containers = get_list<api::ContainerSummary>(
      *client, api_target("/containers/json", {{"all", flags.all ? "1" : ""}, {"filters", *filters}}));
  if (!containers) {
    print_failure(containers.error());
    return kExitCommandFailure;
  }
  if (flags.quiet) {
    for (const auto& container : *containers) std::cout << (flags.no_trunc ? container.id : short_id(container.id)) << "\n";
    return 0;
  }
  if (!flags.format.empty()) {
    auto rendered = render_container_format(flags.format, *containers, std::time(nullptr), !flags.no_trunc);
    if (!rendered) {
      print_failure(rendered.error());
      return exit_code_for(rendered.error(), kExitCommandFailure);
    }
    std::cout << *rendered;
    return 0;
  }
  std::cout << format_table(container_table(*containers, std::time(nullptr), !flags.no_trunc));
  return 0;
}

int list_images(const GlobalOptions& global, const ListFlags& flags) {
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  auto images = get_list<api::ImageSummary>(*client, api_target("/images/json", {{"all", flags.all ? "1" : ""}}));
  if (!images) {
    print_failure(images.error());
    return kExitCommandFailure;
  }
  if (flags.quiet) {
    for (const auto& image : *images) std::cout << (flags.no_trunc ? image.id : short_id(image.id)) << "\n";
    return 0;
  }
  std::cout << format_table(image_table(*images, std::time(nullptr), !flags.no_trunc));
  return 0;
}

}  // namespace

void register_list_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  auto ps_flags = std::make_shared<ListFlags>();
  CLI::App* ps = app.add_subcommand("ps", "List containers");
  ps->add_flag("-a,--all", ps_flags->all, "Show all containers (default shows just running)");
  ps->add_flag("-q,--quiet", ps_flags->quiet, "Only display container IDs");
  ps->add_flag("--no-trunc", ps_flags->no_trunc, "Don't truncate output");
  ps->add_option("-f,--filter", ps_flags->filters,
                 "Filter output based on conditions provided (repeatable: id=, name=, status=, label=k[=v], "
                 "exited=, ancestor=)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  ps->add_option("--format", ps_flags->format,
                 "Format output using a Go template subset: literal text, {{.Field}}, {{json .Field}}, "
                 "{{json .}}, {{.Label \"key\"}}; fields ID, Names, Image, Command, CreatedAt, RunningFor, "
                 "Status, State, Labels, Ports, Mounts, Networks, Size, LocalVolumes. A \"table\" prefix "
                 "prints a header and aligns \\t-separated columns; \"json\" is {{json .}}. No pipelines, "
                 "if/range/with, or functions other than json.");
  table.push_back({ps, [&global, ps_flags] { return list_containers(global, *ps_flags); }});

  auto image_flags = std::make_shared<ListFlags>();
  CLI::App* images = app.add_subcommand("images", "List images");
  images->add_flag("-a,--all", image_flags->all, "Show all images (default hides intermediate images)");
  images->add_flag("-q,--quiet", image_flags->quiet, "Only show image IDs");
  images->add_flag("--no-trunc", image_flags->no_trunc, "Don't truncate output");
  table.push_back({images, [&global, image_flags] { return list_images(global, *image_flags); }});
}

}  // namespace gocker::client
