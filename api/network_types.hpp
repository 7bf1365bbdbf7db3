#pragma once
// Docker Engine API (v1.41) network wire types: the networking parts of a container's create
// request and inspect, and the /networks resource. No I/O here.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gocker::api {

// HostConfig.PortBindings: "80/tcp" -> [{HostIp, HostPort}]; an empty HostPort asks for a free one.
struct PortBinding {
  std::string host_ip;
  std::string host_port;
};
using PortMap = std::map<std::string, std::vector<PortBinding>>;

// The network fields of HostConfig (read and written alongside the others).
struct HostNetworkConfig {
  std::vector<std::string> dns;
  std::vector<std::string> dns_options;
  std::vector<std::string> dns_search;
  std::vector<std::string> extra_hosts;  // "name:ip"
  PortMap port_bindings;
  bool publish_all_ports = false;
};
void read_host_network_config(const nlohmann::json& host_config, HostNetworkConfig& value);
void write_host_network_config(nlohmann::json& host_config, const HostNetworkConfig& value);

// NetworkingConfig.EndpointsConfig[<network>] of a create request, and the body of connect.
struct EndpointRequest {
  std::string ipv4_address;  // IPAMConfig.IPv4Address (--ip)
  std::vector<std::string> aliases;
};
struct NetworkingConfig {
  std::map<std::string, EndpointRequest> endpoints;
};
void from_json(const nlohmann::json& j, EndpointRequest& value);
void to_json(nlohmann::json& j, const EndpointRequest& value);
void from_json(const nlohmann::json& j, NetworkingConfig& value);
void to_json(nlohmann::json& j, const NetworkingConfig& value);

// One network a container is on, as inspect shows it under NetworkSettings.Networks.
struct EndpointSettings {
  std::string network_id;
  std::string endpoint_id;
  std::string gateway;
  std::string ip_address;
  int ip_prefix_len = 0;
  std::string mac_address;
  std::vector<std::string> aliases;
  std::string requested_ipv4;  // IPAMConfig.IPv4Address
};
void to_json(nlohmann::json& j, const EndpointSettings& value);

// A container's NetworkSettings (inspect). The top-level IPAddress & co. describe its endpoint on
// the default bridge network, as Docker's do.
struct NetworkSettings {
  std::string sandbox_key;
  PortMap ports;  // "80/tcp" -> bindings (null value for an exposed but unpublished port)
  std::vector<std::string> exposed_only;
  std::map<std::string, EndpointSettings> networks;  // by network name
};
void to_json(nlohmann::json& j, const NetworkSettings& value);
void to_json(nlohmann::json& j, const PortMap& value);

// POST /networks/create
struct IpamPool {
  std::string subnet;
  std::string gateway;
  std::string ip_range;
};
struct NetworkCreateRequest {
  std::string name;
  std::string driver;  // "" or "bridge"
  bool internal = false;
  bool attachable = false;
  bool enable_ipv6 = false;
  bool check_duplicate = true;
  std::string ipam_driver;
  std::vector<IpamPool> ipam_pools;
  std::map<std::string, std::string> options;
  std::map<std::string, std::string> labels;
};
void from_json(const nlohmann::json& j, NetworkCreateRequest& value);

// GET /networks/{id} and each entry of GET /networks.
struct NetworkContainer {
  std::string name;
  std::string endpoint_id;
  std::string mac_address;
  std::string ipv4_address;  // "172.18.0.2/16"
};
struct NetworkResource {
  std::string name;
  std::string id;
  std::string created;  // RFC 3339
  std::string driver;   // bridge | host | null
  bool internal = false;
  bool attachable = false;
  std::vector<IpamPool> ipam_pools;
  std::map<std::string, NetworkContainer> containers;  // by container id
  std::map<std::string, std::string> options;
  std::map<std::string, std::string> labels;
};
void to_json(nlohmann::json& j, const NetworkResource& value);
void from_json(const nlohmann::json& j, NetworkResource& value);

}  // namespace gocker::api
