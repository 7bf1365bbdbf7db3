// inspect: the daemon's JSON for each container (or image) as a pretty-printed array, or one
// --format line per object.
#include <iostream>
#include <memory>

#include "attach_session.hpp"
#include "commands.hpp"
#include "inspect_format.hpp"
#include "messages.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

struct InspectFlags {
  std::string format;
  std::string type;  // "", "container" or "image"
  std::vector<std::string> names;
};

// Key order is kept (ordered_json), so the output reads in the daemon's order, as docker's does.
Outcome<nlohmann::ordered_json> fetch(ApiClient& client, const std::string& target) {
  auto reply = client.call(Method::Get, target);
  if (!reply) return std::move(reply).error();
  if (reply->is_error()) return daemon_failure(*reply);
  auto parsed = nlohmann::ordered_json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Failure::transport("malformed JSON from the daemon for " + target);
  return parsed;
}

// A container first, then an image, as docker inspect without --type does. A missing object is
// docker's "No such object" line.
Outcome<nlohmann::ordered_json> inspect_object(ApiClient& client, const std::string& name, const std::string& type) {
  if (type.empty() || type == "container") {
    auto container = fetch(client, api_target(container_path(name, "/json")));
    if (container || container.error().http_status != 404) return container;
  }
  if (type.empty() || type == "image") {
    auto image = fetch(client, api_target("/images/" + escape_component(name) + "/json"));
    if (image || image.error().http_status != 404) return image;
  }
  return Failure{FailureKind::Daemon, 404, "Error: No such object: " + name};
}

int inspect(const GlobalOptions& global, const InspectFlags& flags) {
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  if (!flags.type.empty() && flags.type != "container" && flags.type != "image") {
    std::cerr << "\"" << flags.type << "\" is not a valid value for --type\n";
    return kExitCommandFailure;
  }
  int exit_code = 0;
  auto objects = nlohmann::ordered_json::array();
  for (const auto& name : flags.names) {
    auto object = inspect_object(*client, name, flags.type);
    if (!object) {
      print_failure(object.error());
      exit_code = kExitCommandFailure;
      if (object.error().kind == FailureKind::CannotConnect) return exit_code;
      continue;
    }
    if (flags.format.empty()) {
      objects.push_back(std::move(*object));
      continue;
    }
    auto line = render_inspect_format(flags.format, *object);
    if (!line) {
      print_failure(line.error());
      return kExitCommandFailure;
    }
    std::cout << *line << "\n";
  }
  // Like docker: the array is printed even when empty ("[]"), after the errors.
  if (flags.format.empty()) std::cout << objects.dump(4, ' ', /*ensure_ascii=*/false) << "\n";
  return exit_code;
}

}  // namespace

void register_inspect_command(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  auto flags = std::make_shared<InspectFlags>();
  CLI::App* command = app.add_subcommand("inspect", "Return low-level information on containers or images");
  command->add_option("-f,--format", flags->format, "Format output using a template ({{.Path}}, {{json .Path}})");
  command->add_option("--type", flags->type, "Only inspect objects of the given type (container, image)");
  command->add_option("NAME", flags->names)->required();
  table.push_back({command, [&global, flags] { return inspect(global, *flags); }});
}

}  // namespace gocker::client
