// gockerctl network create/ls/inspect/rm/prune/connect/disconnect, and port.
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "attach_session.hpp"
#include "commands.hpp"
#include "format.hpp"
#include "messages.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

using nlohmann::json;

std::string network_path(std::string_view reference, std::string_view suffix = {}) {
  return "/networks/" + escape_component(reference) + std::string(suffix);
}

// Opens the client, or prints why not; the exit code goes to `exit_code`.
std::optional<ApiClient> client_or_report(const GlobalOptions& global, int& exit_code) {
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    exit_code = exit_code_for(client.error(), kExitCommandFailure);
    return std::nullopt;
  }
  return std::move(client).value();
}

struct CreateFlags {
  std::string name;
  std::string driver = "bridge";
  std::vector<std::string> subnets;
  std::vector<std::string> gateways;
  std::vector<std::string> labels;
  std::vector<std::string> options;
  bool internal = false;
  bool attachable = false;
};

int create_network(const GlobalOptions& global, const CreateFlags& flags) {
  int exit_code = 0;
  auto client = client_or_report(global, exit_code);
  if (!client) return exit_code;
  if (flags.gateways.size() > flags.subnets.size()) {
    std::cerr << "Error response from daemon: every ip-range or gateway must have a corresponding subnet" << std::endl;
    return kExitCommandFailure;
  }
  json pools = json::array();
  for (size_t i = 0; i < flags.subnets.size(); ++i) {
    json pool{{"Subnet", flags.subnets[i]}};
    if (i < flags.gateways.size()) pool["Gateway"] = flags.gateways[i];
    pools.push_back(std::move(pool));
  }
  auto pairs = [](const std::vector<std::string>& items) {
    json object = json::object();
    for (const auto& item : items) {
      const size_t equals = item.find('=');
      object[item.substr(0, equals)] = equals == std::string::npos ? "" : item.substr(equals + 1);
    }
    return object;
  };
  json body{{"Name", flags.name},
            {"CheckDuplicate", true},
            {"Driver", flags.driver},
            {"Internal", flags.internal},
            {"Attachable", flags.attachable},
            {"IPAM", json{{"Driver", "default"}, {"Config", pools}, {"Options", json::object()}}},
            {"Options", pairs(flags.options)},
            {"Labels", pairs(flags.labels)}};
  auto reply = client->call_expecting_success(Method::Post, api_target("/networks/create"), &body);
  if (!reply) {
    print_failure(reply.error());
    return exit_code_for(reply.error(), kExitCommandFailure);
  }
  auto created = json::parse(reply->body, nullptr, false);
  std::cout << (created.is_object() ? created.value("Id", "") : "") << std::endl;
  return 0;
}

struct ListFlags {
  bool quiet = false;
  bool no_trunc = false;
  std::vector<std::string> filters;
};

int list_networks(const GlobalOptions& global, const ListFlags& flags) {
  int exit_code = 0;
  auto client = client_or_report(global, exit_code);
  if (!client) return exit_code;
  std::map<std::string, std::map<std::string, bool>> filters;
  for (const auto& filter : flags.filters) {
    const size_t equals = filter.find('=');
    if (equals == std::string::npos) {
      std::cerr << "invalid argument \"" << filter << "\" for \"-f, --filter\" flag: bad format of filter (expected name=value)" << std::endl;
      return kExitCliFailure;
    }
    filters[filter.substr(0, equals)][filter.substr(equals + 1)] = true;
  }
  std::vector<std::pair<std::string, std::string>> query;
  if (!filters.empty()) query.emplace_back("filters", json(filters).dump());
  auto networks = client->get_json(api_target("/networks", query));
  if (!networks) {
    print_failure(networks.error());
    return exit_code_for(networks.error(), kExitCommandFailure);
  }
  std::vector<std::vector<std::string>> rows;
  if (!flags.quiet) rows.push_back({"NETWORK ID", "NAME", "DRIVER", "SCOPE"});
  for (const auto& network : *networks) {
    std::string id = network.value("Id", "");
    if (!flags.no_trunc) id = short_id(id);
    if (flags.quiet) {
      std::cout << id << "\n";
      continue;
    }
    rows.push_back({id, network.value("Name", ""), network.value("Driver", ""), network.value("Scope", "local")});
  }
  if (!flags.quiet) std::cout << format_table(rows);
  std::cout << std::flush;
  return 0;
}

int inspect_networks(const GlobalOptions& global, const std::vector<std::string>& names) {
  int exit_code = 0;
  auto client = client_or_report(global, exit_code);
  if (!client) return exit_code;
  json all = json::array();
  for (const auto& name : names) {
    auto network = client->get_json(api_target(network_path(name)));
    if (!network) {
      print_failure(network.error());
      exit_code = exit_code_for(network.error(), kExitCommandFailure);
      continue;
    }
    all.push_back(*network);
  }
  std::cout << all.dump(4) << std::endl;
  return exit_code;
}

int remove_networks(const GlobalOptions& global, const std::vector<std::string>& names) {
  int exit_code = 0;
  auto client = client_or_report(global, exit_code);
  if (!client) return exit_code;
  for (const auto& name : names) {
    auto reply = client->call_expecting_success(Method::Delete, api_target(network_path(name)));
    if (!reply) {
      print_failure(reply.error());
      exit_code = exit_code_for(reply.error(), kExitCommandFailure);
      continue;
    }
    std::cout << name << std::endl;
  }
  return exit_code;
}

int prune_networks(const GlobalOptions& global) {
  int exit_code = 0;
  auto client = client_or_report(global, exit_code);
  if (!client) return exit_code;
  auto reply = client->call_expecting_success(Method::Post, api_target("/networks/prune"));
  if (!reply) {
    print_failure(reply.error());
    return exit_code_for(reply.error(), kExitCommandFailure);
  }
  auto pruned = json::parse(reply->body, nullptr, false);
  if (pruned.is_object() && pruned.contains("NetworksDeleted") && pruned["NetworksDeleted"].is_array() &&
      !pruned["NetworksDeleted"].empty()) {
    std::cout << "Deleted Networks:\n";
    for (const auto& name : pruned["NetworksDeleted"]) std::cout << name.get<std::string>() << "\n";
  }
  std::cout << std::flush;
  return 0;
}

struct ConnectFlags {
  std::string network;
  std::string container;
  std::string ip;
  std::vector<std::string> aliases;
  bool force = false;
};

int connect_network(const GlobalOptions& global, const ConnectFlags& flags, bool connect) {
  int exit_code = 0;
  auto client = client_or_report(global, exit_code);
  if (!client) return exit_code;
  json body{{"Container", flags.container}};
  if (connect) {
    json endpoint = json::object();
    if (!flags.ip.empty()) endpoint["IPAMConfig"] = json{{"IPv4Address", flags.ip}};
    if (!flags.aliases.empty()) endpoint["Aliases"] = flags.aliases;
    body["EndpointConfig"] = endpoint;
  } else {
    body["Force"] = flags.force;
  }
  auto reply = client->call_expecting_success(Method::Post,
                                              api_target(network_path(flags.network, connect ? "/connect" : "/disconnect")), &body);
  if (!reply) {
    print_failure(reply.error());
    return exit_code_for(reply.error(), kExitCommandFailure);
  }
  return 0;
}

struct PortFlags {
  std::string container;
  std::string port;  // "80" or "80/udp"
};

// As docker port: "80/tcp -> 0.0.0.0:8080" per binding, or the bindings of one port.
int show_ports(const GlobalOptions& global, const PortFlags& flags) {
  int exit_code = 0;
  auto client = client_or_report(global, exit_code);
  if (!client) return exit_code;
  auto inspect = client->get_json(api_target(container_path(flags.container, "/json")));
  if (!inspect) {
    print_failure(inspect.error());
    return exit_code_for(inspect.error(), kExitCommandFailure);
  }
  const json ports = inspect->contains("NetworkSettings") ? (*inspect)["NetworkSettings"].value("Ports", json::object()) : json::object();
  std::string wanted = flags.port;
  if (!wanted.empty() && wanted.find('/') == std::string::npos) wanted += "/tcp";
  bool found = false;
  for (const auto& [port, bindings] : ports.items()) {
    if (!wanted.empty() && port != wanted) continue;
    if (!bindings.is_array()) continue;
    for (const auto& binding : bindings) {
      found = true;
      const std::string address = binding.value("HostIp", "") + ":" + binding.value("HostPort", "");
      if (wanted.empty()) std::cout << port << " -> " << address << "\n";
      else std::cout << address << "\n";
    }
  }
  std::cout << std::flush;
  if (!wanted.empty() && !found) {
    std::cerr << "Error: No public port '" << wanted << "' published for " << flags.container << std::endl;
    return kExitCommandFailure;
  }
  return 0;
}

}  // namespace

void register_network_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  CLI::App* network = app.add_subcommand("network", "Manage networks");
  network->require_subcommand(1);

  auto create_flags = std::make_shared<CreateFlags>();
  CLI::App* create = network->add_subcommand("create", "Create a network");
  create->add_option("NETWORK", create_flags->name)->required();
  create->add_option("-d,--driver", create_flags->driver, "Driver to manage the Network");
  create->add_option("--subnet", create_flags->subnets, "Subnet in CIDR format that represents a network segment")->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  create->add_option("--gateway", create_flags->gateways, "IPv4 Gateway for the master subnet")->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  create->add_option("--label", create_flags->labels, "Set metadata on a network")->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  create->add_option("-o,--opt", create_flags->options, "Set driver specific options")->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  create->add_flag("--internal", create_flags->internal, "Restrict external access to the network");
  create->add_flag("--attachable", create_flags->attachable, "Enable manual container attachment");
  table.push_back({create, [&global, create_flags] { return create_network(global, *create_flags); }});

  auto list_flags = std::make_shared<ListFlags>();
  CLI::App* list = network->add_subcommand("ls", "List networks");
  list->alias("list");
  list->add_flag("-q,--quiet", list_flags->quiet, "Only display network IDs");
  list->add_flag("--no-trunc", list_flags->no_trunc, "Do not truncate the output");
  list->add_option("-f,--filter", list_flags->filters, "Provide filter values (e.g. 'driver=bridge')")->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  table.push_back({list, [&global, list_flags] { return list_networks(global, *list_flags); }});

  auto inspect_names = std::make_shared<std::vector<std::string>>();
  CLI::App* inspect = network->add_subcommand("inspect", "Display detailed information on one or more networks");
  inspect->add_option("NETWORK", *inspect_names)->required();
  table.push_back({inspect, [&global, inspect_names] { return inspect_networks(global, *inspect_names); }});

  auto remove_names = std::make_shared<std::vector<std::string>>();
  CLI::App* remove = network->add_subcommand("rm", "Remove one or more networks");
  remove->alias("remove");
  remove->add_option("NETWORK", *remove_names)->required();
  table.push_back({remove, [&global, remove_names] { return remove_networks(global, *remove_names); }});

  auto prune_force = std::make_shared<bool>(false);
  CLI::App* prune = network->add_subcommand("prune", "Remove all unused networks");
  prune->add_flag("-f,--force", *prune_force, "Do not prompt for confirmation");
  table.push_back({prune, [&global] { return prune_networks(global); }});

  auto connect_flags = std::make_shared<ConnectFlags>();
  CLI::App* connect = network->add_subcommand("connect", "Connect a container to a network");
  connect->add_option("NETWORK", connect_flags->network)->required();
  connect->add_option("CONTAINER", connect_flags->container)->required();
  connect->add_option("--ip", connect_flags->ip, "IPv4 address (e.g., 172.30.100.104)");
  connect->add_option("--alias", connect_flags->aliases, "Add network-scoped alias for the container")->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  table.push_back({connect, [&global, connect_flags] { return connect_network(global, *connect_flags, true); }});

  auto disconnect_flags = std::make_shared<ConnectFlags>();
  CLI::App* disconnect = network->add_subcommand("disconnect", "Disconnect a container from a network");
  disconnect->add_option("NETWORK", disconnect_flags->network)->required();
  disconnect->add_option("CONTAINER", disconnect_flags->container)->required();
  disconnect->add_flag("-f,--force", disconnect_flags->force, "Force the container to disconnect from a network");
  table.push_back({disconnect, [&global, disconnect_flags] { return connect_network(global, *disconnect_flags, false); }});

  auto port_flags = std::make_shared<PortFlags>();
  CLI::App* port = app.add_subcommand("port", "List port mappings or a specific mapping for the container");
  port->add_option("CONTAINER", port_flags->container)->required();
  port->add_option("PRIVATE_PORT", port_flags->port);
  table.push_back({port, [&global, port_flags] { return show_ports(global, *port_flags); }});
}

}  // namespace gocker::client
