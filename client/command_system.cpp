// version and info, laid out like docker's.
#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>

#include "api/system_types.hpp"
#include "attach_session.hpp"
#include "commands.hpp"
#include "format.hpp"
#include "messages.hpp"
#include "url.hpp"

#ifndef GOCKER_VERSION
#define GOCKER_VERSION "dev"
#endif

namespace gocker::client {

namespace {

// "Label:" padded to docker's column: "Version:           28.2.2".
void print_field(std::string_view indent, std::string_view label, const std::string& value, size_t width = 18) {
  std::string key = std::string(label) + ":";
  if (key.size() < width) key.append(width - key.size(), ' ');
  std::cout << indent << key << ' ' << value << "\n";
}

std::string machine_arch() {
  utsname name{};
  if (::uname(&name) < 0) return "unknown";
  std::string machine = name.machine;
  // Go's GOARCH names, which docker prints.
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  return machine;
}

int show_version(const GlobalOptions& global) {
  std::cout << "Client:\n";
  print_field(" ", "Version", GOCKER_VERSION, 18);
  print_field(" ", "API version", std::string(kApiPrefix).substr(2), 18);
  print_field(" ", "OS/Arch", "linux/" + machine_arch(), 18);
  std::cout << std::flush;

  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  auto body = client->get_json(api_target("/version"));
  if (!body) {
    std::cout << std::endl;
    print_failure(body.error());
    return kExitCommandFailure;
  }
  api::VersionInfo server;
  try {
    api::from_json(*body, server);
  } catch (const nlohmann::json::exception& error) {
    std::cerr << "malformed version reply from the daemon: " << error.what() << "\n";
    return kExitCommandFailure;
  }
  std::cout << "\nServer: gocker\n Engine:\n";
  print_field("  ", "Version", server.version, 17);
  print_field("  ", "API version", server.api_version + " (minimum version " + server.min_api_version + ")", 17);
  if (!server.git_commit.empty()) print_field("  ", "Git commit", server.git_commit, 17);
  print_field("  ", "OS/Arch", server.os + "/" + server.arch, 17);
  if (!server.kernel_version.empty()) print_field("  ", "Kernel version", server.kernel_version, 17);
  return 0;
}

// docker info's block: "name=seccomp,profile=builtin" -> "  seccomp\n   Profile: builtin\n".
std::string security_options_text(const std::vector<std::string>& options) {
  if (options.empty()) return "";
  std::string text = " Security Options:\n";
  for (const auto& option : options) {
    size_t start = 0;
    while (start <= option.size()) {
      const size_t comma = std::min(option.find(',', start), option.size());
      const std::string field = option.substr(start, comma - start);
      const size_t equals = field.find('=');
      if (equals != std::string::npos && field.compare(0, equals, "name") == 0) {
        text += "  " + field.substr(equals + 1) + "\n";
      } else if (equals != std::string::npos && equals > 0) {
        std::string key = field.substr(0, equals);
        key[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(key[0])));
        text += "   " + key + ": " + field.substr(equals + 1) + "\n";
      }
      start = comma + 1;
    }
  }
  return text;
}

int show_info(const GlobalOptions& global) {
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  auto body = client->get_json(api_target("/info"));
  if (!body) {
    print_failure(body.error());
    return kExitCommandFailure;
  }
  api::SystemInfo info;
  try {
    api::from_json(*body, info);
  } catch (const nlohmann::json::exception& error) {
    std::cerr << "malformed info reply from the daemon: " << error.what() << "\n";
    return kExitCommandFailure;
  }
  // docker info's line: the names, space-separated.
  std::string runtime_names;
  for (const auto& [name, path] : info.runtimes) runtime_names += (runtime_names.empty() ? "" : " ") + name;
  if (runtime_names.empty()) runtime_names = info.default_runtime;
  std::cout << "Client:\n Version:    " << GOCKER_VERSION << "\n\n"
            << "Server:\n"
            << " Containers: " << info.containers << "\n"
            << "  Running: " << info.containers_running << "\n"
            << "  Paused: " << info.containers_paused << "\n"
            << "  Stopped: " << info.containers_stopped << "\n"
            << " Images: " << info.images << "\n"
            << " Server Version: " << info.server_version << "\n"
            << " Storage Driver: " << info.driver << "\n"
            << " Logging Driver: json-file\n"
            << " Cgroup Driver: " << info.cgroup_driver << "\n"
            << " Cgroup Version: " << info.cgroup_version << "\n"
            << " Runtimes: " << runtime_names << "\n"
            << " Default Runtime: " << info.default_runtime << "\n"
            << security_options_text(info.security_options)
            << " Kernel Version: " << info.kernel_version << "\n"
            << " Operating System: " << info.operating_system << "\n"
            << " OSType: " << info.os_type << "\n"
            << " Architecture: " << info.architecture << "\n"
            << " CPUs: " << info.ncpu << "\n"
            << " Total Memory: " << binary_size(static_cast<double>(info.mem_total)) << "\n"
            << " Name: " << info.name << "\n"
            << " ID: " << info.id << "\n"
            << " Docker Root Dir: " << info.docker_root_dir << "\n";
  return 0;
}

}  // namespace

void register_system_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  CLI::App* version = app.add_subcommand("version", "Show the gocker version information");
  table.push_back({version, [&global] { return show_version(global); }});
  CLI::App* info = app.add_subcommand("info", "Display system-wide information");
  table.push_back({info, [&global] { return show_info(global); }});
}

}  // namespace gocker::client
