// gockerctl pull (and, with the registry work of issue 5, push, login, logout): the daemon talks
// to the registry; the client shows the progress stream it answers with.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include "attach_session.hpp"
#include "commands.hpp"
#include "messages.hpp"
#include "progress_display.hpp"
#include "terminal.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

int fail(const Failure& failure) {
  print_failure(failure);
  return exit_code_for(failure, kExitCommandFailure);
}

// "name[:tag]" or "name@digest", split as the docker CLI sends them (fromImage, tag).
std::pair<std::string, std::string> split_reference(const std::string& reference) {
  if (const size_t at = reference.find('@'); at != std::string::npos)
    return {reference.substr(0, at), reference.substr(at + 1)};
  const size_t colon = reference.rfind(':');
  const size_t slash = reference.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {reference, "latest"};
  return {reference.substr(0, colon), reference.substr(colon + 1)};
}

// Streams a registry job's progress to stdout; an {"error"} in it is the command's failure.
int show_progress(ApiClient& client, const std::string& target, bool quiet,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
  std::ostream null_stream(nullptr);
  ProgressDisplay display(quiet ? null_stream : std::cout, !quiet && is_terminal(STDOUT_FILENO));
  auto streamed = client.stream(
      Method::Post, target, [&display](std::string_view piece) { return display.feed(piece); }, headers);
  if (streamed) streamed = display.finish();
  if (!streamed) return fail(streamed.error());
  return 0;
}

// ---- pull ----
struct PullFlags {
  bool quiet = false;
  std::string reference;
};

int pull(const GlobalOptions& global, const PullFlags& flags) {
  auto client = open_client(global);
  if (!client) return fail(client.error());
  auto [name, tag] = split_reference(flags.reference);
  const int code = show_progress(*client, api_target("/images/create", {{"fromImage", name}, {"tag", tag}}), flags.quiet,
                                 {{"X-Registry-Auth", "e30="}});
  if (code != 0) return code;
  std::cout << name << (tag.rfind("sha256:", 0) == 0 ? "@" : ":") << tag << std::endl;
  return 0;
}

// ---- push ----
struct PushFlags {
  bool all_tags = false;
  bool quiet = false;
  std::string reference;
};

bool has_tag_or_digest(const std::string& reference) {
  const size_t slash = reference.rfind('/');
  return reference.find_first_of(":@", slash == std::string::npos ? 0 : slash) != std::string::npos;
}

// As docker 23+: NAME alone pushes NAME:latest, unless --all-tags (every local tag of NAME).
int push(const GlobalOptions& global, const PushFlags& flags) {
  if (flags.all_tags && has_tag_or_digest(flags.reference))
    return fail(Failure::usage("tag can't be used with --all-tags/-a"));
  auto client = open_client(global);
  if (!client) return fail(client.error());
  auto [name, tag] = split_reference(flags.reference);
  if (flags.all_tags) tag.clear();
  const std::string target = api_target("/images/" + escape_component(name) + "/push", {{"tag", tag}});
  return show_progress(*client, target, flags.quiet, {{"X-Registry-Auth", "e30="}});
}

}  // namespace

void register_registry_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  auto pull_flags = std::make_shared<PullFlags>();
  CLI::App* pull_command = app.add_subcommand("pull", "Download an image from a registry");
  pull_command->add_flag("-q,--quiet", pull_flags->quiet, "Suppress verbose output");
  pull_command->add_option("NAME[:TAG|@DIGEST]", pull_flags->reference)->required();
  table.push_back({pull_command, [&global, pull_flags] { return pull(global, *pull_flags); }});

  auto push_flags = std::make_shared<PushFlags>();
  CLI::App* push_command = app.add_subcommand("push", "Upload an image to a registry");
  push_command->add_flag("-a,--all-tags", push_flags->all_tags, "Push all tags of the repository");
  push_command->add_flag("-q,--quiet", push_flags->quiet, "Suppress verbose output");
  push_command->add_option("NAME[:TAG]", push_flags->reference)->required();
  table.push_back({push_command, [&global, push_flags] { return push(global, *push_flags); }});
}

}  // namespace gocker::client
