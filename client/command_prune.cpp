// gockerctl image prune, container prune, system df and system prune: the docker CLI's commands,
// prompts and output (the text itself is usage_report.cpp's).
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attach_session.hpp"
#include "commands.hpp"
#include "format.hpp"
#include "messages.hpp"
#include "url.hpp"
#include "usage_report.hpp"

namespace gocker::client {

namespace {

int fail(const Failure& failure) {
  print_failure(failure);
  return exit_code_for(failure, kExitCommandFailure);
}

// "Are you sure you want to continue? [y/N] " on stdout, the answer from stdin: only y or Y go on
// (as the docker CLI; end of input is a no).
bool confirmed(const std::string& warning) {
  std::cout << warning << "\nAre you sure you want to continue? [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y";
}

// --filter k=v (repeated) as the API's {"k": {"v": true}}; a filter without '=' is a usage error,
// as in the docker CLI.
Outcome<std::string> filters_json(const std::vector<std::string>& filters, bool all_images) {
  nlohmann::json out = nlohmann::json::object();
  for (const std::string& filter : filters) {
    const size_t equals = filter.find('=');
    if (equals == std::string::npos) return Failure::usage("bad format of filter (expected name=value)");
    out[filter.substr(0, equals)][filter.substr(equals + 1)] = true;
  }
  // -a: every unused image, not only dangling ones (the docker CLI sends dangling=false).
  if (all_images) out["dangling"] = nlohmann::json{{"false", true}};
  return out.empty() ? std::string() : out.dump();
}

struct PruneResult {
  uint64_t space_reclaimed = 0;
  std::string section;  // "Deleted ...:\n..." or ""
};

Outcome<PruneResult> call_prune(ApiClient& client, const std::string& path, const std::string& filters) {
  std::vector<std::pair<std::string, std::string>> query;
  if (!filters.empty()) query.emplace_back("filters", filters);
  auto reply = client.call_expecting_success(Method::Post, api_target(path, query));
  if (!reply) return std::move(reply).error();
  auto report = nlohmann::json::parse(reply->body, nullptr, false);
  if (!report.is_object()) return Failure::transport("malformed JSON from the daemon for " + path);
  PruneResult result;
  if (auto space = report.find("SpaceReclaimed"); space != report.end() && space->is_number() && *space >= 0)
    result.space_reclaimed = space->get<uint64_t>();
  result.section = prune_section(report);
  return result;
}

// Each section followed by an empty line, then the total: the docker CLI's layout.
void print_prune_results(const std::vector<PruneResult>& results) {
  uint64_t total = 0;
  for (const PruneResult& result : results) {
    total += result.space_reclaimed;
    if (!result.section.empty()) std::cout << result.section << "\n";
  }
  std::cout << "Total reclaimed space: " << human_size(static_cast<double>(total)) << std::endl;
}

struct PruneFlags {
  bool all = false;
  bool force = false;
  bool volumes = false;  // system prune only
  std::vector<std::string> filters;
};

int prune_one(const GlobalOptions& global, const PruneFlags& flags, const std::string& path, const std::string& warning,
              bool all_images) {
  if (!flags.force && !confirmed(warning)) return 0;
  auto filters = filters_json(flags.filters, all_images);
  if (!filters) return fail(filters.error());
  auto client = open_client(global);
  if (!client) return fail(client.error());
  auto result = call_prune(*client, path, *filters);
  if (!result) return fail(result.error());
  print_prune_results({*result});
  return 0;
}

int prune_images(const GlobalOptions& global, const PruneFlags& flags) {
  return prune_one(global, flags, "/images/prune",
                   flags.all ? "WARNING! This will remove all images without at least one container associated to them."
                             : "WARNING! This will remove all dangling images.",
                   flags.all);
}

int prune_containers(const GlobalOptions& global, const PruneFlags& flags) {
  return prune_one(global, flags, "/containers/prune", "WARNING! This will remove all stopped containers.", false);
}

// Containers first (their images and networks are then unused), networks, volumes when asked,
// images last; gocker has no build cache to prune.
int prune_system(const GlobalOptions& global, const PruneFlags& flags) {
  std::string warning = "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n";
  if (flags.volumes) warning += "  - all volumes not used by at least one container\n";
  warning += flags.all ? "  - all images without at least one container associated to them\n" : "  - all dangling images\n";
  if (!flags.force && !confirmed(warning)) return 0;
  auto filters = filters_json(flags.filters, false);
  auto image_filters = filters_json(flags.filters, flags.all);
  if (!filters) return fail(filters.error());
  if (!image_filters) return fail(image_filters.error());
  auto client = open_client(global);
  if (!client) return fail(client.error());

  std::vector<std::pair<std::string, std::string>> steps{{"/containers/prune", *filters}};
  // gockerd's network prune takes no filters (it would prune every unused network): with
  // filters, networks are left alone rather than pruned beyond what was asked.
  if (filters->empty()) steps.emplace_back("/networks/prune", "");
  if (flags.volumes) steps.emplace_back("/volumes/prune", *filters);
  steps.emplace_back("/images/prune", *image_filters);
  std::vector<PruneResult> results;
  for (const auto& [path, step_filters] : steps) {
    auto result = call_prune(*client, path, step_filters);
    if (!result) {
      print_prune_results(results);  // what already went is reported before the error
      return fail(result.error());
    }
    results.push_back(std::move(*result));
  }
  print_prune_results(results);
  return 0;
}

int disk_usage(const GlobalOptions& global, bool verbose) {
  auto client = open_client(global);
  if (!client) return fail(client.error());
  auto usage = client->get_json(api_target("/system/df"));
  if (!usage) return fail(usage.error());
  if (!usage->is_object()) return fail(Failure::transport("malformed JSON from the daemon for /system/df"));
  std::cout << (verbose ? disk_usage_verbose(*usage, std::time(nullptr)) : disk_usage_table(*usage)) << std::flush;
  return 0;
}

// The group registered by another part of gockerctl, or a new one.
CLI::App& group(CLI::App& app, const std::string& name, const std::string& description) {
  for (CLI::App* existing : app.get_subcommands([](CLI::App*) { return true; }))
    if (existing->get_name() == name) return *existing;
  CLI::App* added = app.add_subcommand(name, description);
  added->require_subcommand(1);
  return *added;
}

void add_filter_option(CLI::App& command, PruneFlags& flags, const std::string& example) {
  command.add_option("--filter", flags.filters, "Provide filter values (e.g. \"" + example + "\")")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

}  // namespace

void register_prune_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  auto image_flags = std::make_shared<PruneFlags>();
  CLI::App* image_prune = group(app, "image", "Manage images").add_subcommand("prune", "Remove unused images");
  image_prune->add_flag("-a,--all", image_flags->all, "Remove all unused images, not just dangling ones");
  image_prune->add_flag("-f,--force", image_flags->force, "Do not prompt for confirmation");
  add_filter_option(*image_prune, *image_flags, "until=<timestamp>");
  table.push_back({image_prune, [&global, image_flags] { return prune_images(global, *image_flags); }});

  auto container_flags = std::make_shared<PruneFlags>();
  CLI::App* container_prune =
      group(app, "container", "Manage containers").add_subcommand("prune", "Remove all stopped containers");
  container_prune->add_flag("-f,--force", container_flags->force, "Do not prompt for confirmation");
  add_filter_option(*container_prune, *container_flags, "until=<timestamp>");
  table.push_back({container_prune, [&global, container_flags] { return prune_containers(global, *container_flags); }});

  CLI::App& system_group = group(app, "system", "Manage gocker");
  auto verbose = std::make_shared<bool>(false);
  CLI::App* df = system_group.add_subcommand("df", "Show docker disk usage");
  df->add_flag("-v,--verbose", *verbose, "Show detailed information on space usage");
  table.push_back({df, [&global, verbose] { return disk_usage(global, *verbose); }});

  auto system_flags = std::make_shared<PruneFlags>();
  CLI::App* system_prune = system_group.add_subcommand("prune", "Remove unused data");
  system_prune->add_flag("-a,--all", system_flags->all, "Remove all unused images not just dangling ones");
  system_prune->add_flag("-f,--force", system_flags->force, "Do not prompt for confirmation");
  system_prune->add_flag("--volumes", system_flags->volumes, "Prune volumes");
  add_filter_option(*system_prune, *system_flags, "label=<key>=<value>");
  table.push_back({system_prune, [&global, system_flags] { return prune_system(global, *system_flags); }});
}

}  // namespace gocker::client
