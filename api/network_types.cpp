#include "api/network_types.hpp"

#include "api/json_fields.hpp"

namespace gocker::api {

using nlohmann::json;

void read_host_network_config(const json& j, HostNetworkConfig& v) {
  read_field(j, "Dns", v.dns);
  read_field(j, "DnsOptions", v.dns_options);
  read_field(j, "DnsSearch", v.dns_search);
  read_field(j, "ExtraHosts", v.extra_hosts);
  read_field(j, "PublishAllPorts", v.publish_all_ports);
  if (auto it = j.find("PortBindings"); it != j.end() && it->is_object()) {
    for (const auto& [port, bindings] : it->items()) {
      auto& list = v.port_bindings[port];
      if (!bindings.is_array()) continue;
      for (const auto& binding : bindings) {
        if (!binding.is_object()) continue;
        PortBinding parsed;
        read_field(binding, "HostIp", parsed.host_ip);
        read_field(binding, "HostPort", parsed.host_port);
        list.push_back(std::move(parsed));
      }
    }
  }
}

void to_json(json& j, const PortMap& v) {
  j = json::object();
  for (const auto& [port, bindings] : v) {
    json list = json::array();
    for (const auto& binding : bindings) list.push_back(json{{"HostIp", binding.host_ip}, {"HostPort", binding.host_port}});
    j[port] = std::move(list);
  }
}

void write_host_network_config(json& j, const HostNetworkConfig& v) {
  j["Dns"] = v.dns;
  j["DnsOptions"] = v.dns_options;
  j["DnsSearch"] = v.dns_search;
  j["ExtraHosts"] = v.extra_hosts.empty() ? json(nullptr) : json(v.extra_hosts);
  j["PortBindings"] = v.port_bindings;
  j["PublishAllPorts"] = v.publish_all_ports;
}

void from_json(const json& j, EndpointRequest& v) {
  if (!j.is_object()) return;
  if (auto it = j.find("IPAMConfig"); it != j.end() && it->is_object()) read_field(*it, "IPv4Address", v.ipv4_address);
  read_field(j, "Aliases", v.aliases);
}

void to_json(json& j, const EndpointRequest& v) {
  j = json{{"Aliases", v.aliases}};
  j["IPAMConfig"] = v.ipv4_address.empty() ? json(nullptr) : json{{"IPv4Address", v.ipv4_address}};
}

void from_json(const json& j, NetworkingConfig& v) {
  if (!j.is_object()) return;
  if (auto it = j.find("EndpointsConfig"); it != j.end() && it->is_object()) {
    for (const auto& [name, endpoint] : it->items()) {
      EndpointRequest request;
      if (!endpoint.is_null()) from_json(endpoint, request);
      v.endpoints[name] = std::move(request);
    }
  }
}

void to_json(json& j, const NetworkingConfig& v) {
  json endpoints = json::object();
  for (const auto& [name, endpoint] : v.endpoints) endpoints[name] = endpoint;
  j = json{{"EndpointsConfig", std::move(endpoints)}};
}

void to_json(json& j, const EndpointSettings& v) {
  j = json{{"IPAMConfig", v.requested_ipv4.empty() ? json(nullptr) : json{{"IPv4Address", v.requested_ipv4}}},
           {"Links", nullptr},
           {"Aliases", v.aliases.empty() ? json(nullptr) : json(v.aliases)},
           {"NetworkID", v.network_id},
           {"EndpointID", v.endpoint_id},
           {"Gateway", v.gateway},
           {"IPAddress", v.ip_address},
           {"IPPrefixLen", v.ip_prefix_len},
           {"IPv6Gateway", ""},
           {"GlobalIPv6Address", ""},
           {"GlobalIPv6PrefixLen", 0},
           {"MacAddress", v.mac_address},
           {"DriverOpts", nullptr}};
}

void to_json(json& j, const NetworkSettings& v) {
  json ports = v.ports;
  for (const auto& port : v.exposed_only)
    if (!ports.contains(port)) ports[port] = nullptr;
  json networks = json::object();
  for (const auto& [name, endpoint] : v.networks) networks[name] = endpoint;
  EndpointSettings bridge;
  if (auto it = v.networks.find("bridge"); it != v.networks.end()) bridge = it->second;
  j = json{{"Bridge", ""},
           {"SandboxID", ""},
           {"HairpinMode", false},
           {"LinkLocalIPv6Address", ""},
           {"LinkLocalIPv6PrefixLen", 0},
           {"Ports", std::move(ports)},
           {"SandboxKey", v.sandbox_key},
           {"SecondaryIPAddresses", nullptr},
           {"SecondaryIPv6Addresses", nullptr},
           {"EndpointID", bridge.endpoint_id},
           {"Gateway", bridge.gateway},
           {"GlobalIPv6Address", ""},
           {"GlobalIPv6PrefixLen", 0},
           {"IPAddress", bridge.ip_address},
           {"IPPrefixLen", bridge.ip_prefix_len},
           {"IPv6Gateway", ""},
           {"MacAddress", bridge.mac_address},
           {"Networks", std::move(networks)}};
}

void from_json(const json& j, NetworkCreateRequest& v) {
  if (!j.is_object()) throw json::type_error::create(302, "request body must be a JSON object", &j);
  read_field(j, "Name", v.name);
  read_field(j, "Driver", v.driver);
  read_field(j, "Internal", v.internal);
  read_field(j, "Attachable", v.attachable);
  read_field(j, "EnableIPv6", v.enable_ipv6);
  read_field(j, "CheckDuplicate", v.check_duplicate);
  read_field(j, "Options", v.options);
  read_field(j, "Labels", v.labels);
  if (auto it = j.find("IPAM"); it != j.end() && it->is_object()) {
    read_field(*it, "Driver", v.ipam_driver);
    if (auto config = it->find("Config"); config != it->end() && config->is_array()) {
      for (const auto& pool : *config) {
        if (!pool.is_object()) continue;
        IpamPool parsed;
        read_field(pool, "Subnet", parsed.subnet);
        read_field(pool, "Gateway", parsed.gateway);
        read_field(pool, "IPRange", parsed.ip_range);
        v.ipam_pools.push_back(std::move(parsed));
      }
    }
  }
}

void to_json(json& j, const NetworkResource& v) {
  json pools = json::array();
  for (const auto& pool : v.ipam_pools) {
    json entry{{"Subnet", pool.subnet}};
    if (!pool.gateway.empty()) entry["Gateway"] = pool.gateway;
    if (!pool.ip_range.empty()) entry["IPRange"] = pool.ip_range;
    pools.push_back(std::move(entry));
  }
  json containers = json::object();
  for (const auto& [id, container] : v.containers)
    containers[id] = json{{"Name", container.name},
                          {"EndpointID", container.endpoint_id},
                          {"MacAddress", container.mac_address},
                          {"IPv4Address", container.ipv4_address},
                          {"IPv6Address", ""}};
  j = json{{"Name", v.name},
           {"Id", v.id},
           {"Created", v.created},
           {"Scope", "local"},
           {"Driver", v.driver},
           {"EnableIPv6", false},
           {"IPAM", json{{"Driver", "default"}, {"Options", nullptr}, {"Config", std::move(pools)}}},
           {"Internal", v.internal},
           {"Attachable", v.attachable},
           {"Ingress", false},
           {"ConfigFrom", json{{"Network", ""}}},
           {"ConfigOnly", false},
           {"Containers", std::move(containers)},
           {"Options", v.options},
           {"Labels", v.labels}};
}

void from_json(const json& j, NetworkResource& v) {
  read_field(j, "Name", v.name);
  read_field(j, "Id", v.id);
  read_field(j, "Created", v.created);
  read_field(j, "Driver", v.driver);
  read_field(j, "Internal", v.internal);
  read_field(j, "Attachable", v.attachable);
  read_field(j, "Options", v.options);
  read_field(j, "Labels", v.labels);
  if (auto it = j.find("IPAM"); it != j.end() && it->is_object()) {
    if (auto config = it->find("Config"); config != it->end() && config->is_array()) {
      for (const auto& pool : *config) {
        IpamPool parsed;
        read_field(pool, "Subnet", parsed.subnet);
        read_field(pool, "Gateway", parsed.gateway);
        v.ipam_pools.push_back(std::move(parsed));
      }
    }
  }
  if (auto it = j.find("Containers"); it != j.end() && it->is_object()) {
    for (const auto& [id, container] : it->items()) {
      NetworkContainer parsed;
      read_field(container, "Name", parsed.name);
      read_field(container, "EndpointID", parsed.endpoint_id);
      read_field(container, "MacAddress", parsed.mac_address);
      read_field(container, "IPv4Address", parsed.ipv4_address);
      v.containers[id] = std::move(parsed);
    }
  }
}

}  // namespace gocker::api
