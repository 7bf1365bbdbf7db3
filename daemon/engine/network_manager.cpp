#include "engine/network_manager.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include <spdlog/spdlog.h>

#include "base/random_id.hpp"
#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "engine/time_format.hpp"
#include "network/netlink.hpp"
#include "runtime/file_util.hpp"

namespace gocker::engine {
namespace {

using network::format_ipv4;
using network::Subnet;
using nlohmann::json;

constexpr const char* kDefaultBridge = "gocker0";
constexpr const char* kDefaultBip = "172.17.0.1/16";

bool is_predefined(const std::string& name) { return name == "bridge" || name == "host" || name == "none"; }

std::string mode_network_name(const std::string& mode) {
  if (mode.empty() || mode == "default") return "bridge";
  return mode;
}

Result<std::pair<uint16_t, uint16_t>> parse_port_range(std::string_view text) {
  auto number = [](std::string_view digits) -> std::optional<uint16_t> {
    unsigned value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc{} || end != digits.data() + digits.size() || value == 0 || value > 65535) return std::nullopt;
    return static_cast<uint16_t>(value);
  };
  const size_t dash = text.find('-');
  auto first = number(text.substr(0, dash));
  auto last = dash == std::string_view::npos ? first : number(text.substr(dash + 1));
  if (!first || !last || *last < *first) return Error::invalid("invalid port " + quoted(text));
  return std::pair{*first, *last};
}

// Whether the host port can be bound right now (nobody else holds it).
bool host_port_free(const std::string& protocol, uint32_t host_ip, uint16_t port) {
  UniqueFd fd{::socket(AF_INET, (protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0)};
  if (!fd) return true;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(host_ip);
  return ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

// A port the kernel considers free (its ephemeral range), for -p <container port> and -P.
Result<uint16_t> free_host_port(const std::string& protocol, uint32_t host_ip) {
  UniqueFd fd{::socket(AF_INET, (protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0)};
  if (!fd) return Error::from_errno(errno, "pick a free host port: socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(host_ip);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    return Error::from_errno(errno, "pick a free host port: bind");
  socklen_t length = sizeof address;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
    return Error::from_errno(errno, "pick a free host port: getsockname");
  return ntohs(address.sin_port);
}

json forwards_to_json(const std::vector<network::PortForward>& forwards) {
  json list = json::array();
  for (const auto& f : forwards)
    list.push_back(json{{"proto", f.protocol}, {"host_ip", f.host_ip}, {"host_port", f.host_port},
                        {"container_ip", f.container_ip}, {"container_port", f.container_port}});
  return list;
}

}  // namespace

// ---- loading and the records ----

Result<NetworkManager::Network> NetworkManager::make_network(state::NetworkRecord record) const {
  Network network;
  if (!record.subnet.empty()) {
    auto subnet = network::parse_subnet(record.subnet);
    if (!subnet) return std::move(subnet).error().context("network " + quoted(record.name));
    network.subnet = *subnet;
    auto gateway = network::parse_ipv4(record.gateway);
    if (!gateway) return std::move(gateway).error().context("network " + quoted(record.name));
    network.gateway = *gateway;
  }
  network.record = std::move(record);
  return network;
}

Status NetworkManager::load(const std::map<std::string, std::string>& container_names) {
  auto records = store_.list_networks();
  if (!records) return std::move(records).error();
  std::lock_guard lock(mutex_);
  for (auto& record : *records) {
    auto network = make_network(std::move(record));
    if (!network) return std::move(network).error();
    std::string id = network->record.id;
    networks_.emplace(id, std::move(network).value());
  }
  auto bip = network::parse_address_with_prefix(config_.bridge_ip.empty() ? kDefaultBip : config_.bridge_ip);
  if (!bip) return std::move(bip).error().context("--bip");
  auto make_default = [&](const std::string& name, const std::string& driver) -> Status {
    for (const auto& [id, network] : networks_)
      if (network.record.name == name) return ok();
    auto id = random_hex_id("network id");
    if (!id) return std::move(id).error();
    state::NetworkRecord record;
    record.id = *id;
    record.name = name;
    record.driver = driver;
    record.created_at = format_rfc3339_nanos(now_unix_nanos());
    if (driver == "bridge") {
      record.subnet = bip->second.to_string();
      record.gateway = format_ipv4(bip->first);
      record.bridge = kDefaultBridge;
    }
    GOCKER_TRY(store_.insert_network(record));
    auto network = make_network(std::move(record));
    if (!network) return std::move(network).error();
    networks_.emplace(*id, std::move(network).value());
    return ok();
  };
  GOCKER_TRY(make_default("bridge", "bridge"));
  GOCKER_TRY(make_default("host", "host"));
  GOCKER_TRY(make_default("none", "null"));

  auto endpoints = store_.list_endpoints();
  if (!endpoints) return std::move(endpoints).error();
  for (auto& endpoint : *endpoints) {
    auto network = networks_.find(endpoint.network_id);
    if (network == networks_.end()) continue;
    Endpoint entry;
    if (auto name = container_names.find(endpoint.container_id); name != container_names.end()) entry.container_name = name->second;
    if (!endpoint.ip.empty()) {
      if (auto address = network::parse_ipv4(endpoint.ip)) {
        entry.address = *address;
        network->second.used.insert(*address);
      }
    }
    entry.record = std::move(endpoint);
    network->second.endpoints[entry.record.container_id] = std::move(entry);
  }

  // The default bridge keeps its recorded subnet while containers use it; without any, --bip wins.
  for (auto& [id, network] : networks_) {
    if (network.record.name != "bridge" || !network.endpoints.empty()) continue;
    if (network.record.subnet == bip->second.to_string() && network.record.gateway == format_ipv4(bip->first)) continue;
    if (network.record.bridge == kDefaultBridge) (void)network::delete_link(kDefaultBridge);
    GOCKER_TRY(store_.delete_network(id));
    network.record.subnet = bip->second.to_string();
    network.record.gateway = format_ipv4(bip->first);
    GOCKER_TRY(store_.insert_network(network.record));
    network.subnet = bip->second;
    network.gateway = bip->first;
  }
  for (const auto& [id, network] : networks_) {
    if (network.record.driver != "bridge") continue;
    if (auto ready = ensure_bridge_locked(network); !ready)
      spdlog::warn("network {}: {} (containers on it cannot start until this is fixed)", network.record.name, ready.error().message);
  }
  return ok();
}

Status NetworkManager::ensure_bridge_locked(const Network& network) {
  const std::string what = "network " + quoted(network.record.name);
  if (!forwarding_enabled_) {
    // Per network namespace: the daemon's own. Routing between bridges and out needs it.
    GOCKER_TRY(network::write_sysctl("net/ipv4/ip_forward", "1"));
    forwarding_enabled_ = true;
  }
  if (auto made = network::ensure_bridge(network.record.bridge, network.gateway, network.subnet.prefix); !made)
    return std::move(made).error().context(what);
  // Published ports reached through 127.0.0.1: DNAT'd packets keep their loopback source until
  // postrouting masquerades them, and only route_localnet lets them be routed to the bridge.
  GOCKER_TRY(network::write_sysctl("net/ipv4/conf/" + network.record.bridge + "/route_localnet", "1"));
  return ok();
}

const NetworkManager::Network* NetworkManager::find_locked(const std::string& ref) const {
  if (ref.empty()) return nullptr;
  if (auto it = networks_.find(ref); it != networks_.end()) return &it->second;
  for (const auto& [id, network] : networks_)
    if (network.record.name == ref) return &network;
  const Network* match = nullptr;
  for (const auto& [id, network] : networks_) {
    if (starts_with(id, ref)) {
      if (match != nullptr) return nullptr;
      match = &network;
    }
  }
  return match;
}

Result<state::NetworkRecord> NetworkManager::find(const std::string& ref) const {
  std::lock_guard lock(mutex_);
  const Network* network = find_locked(ref);
  if (network == nullptr) return Error::not_found("network " + ref + " not found");
  return network->record;
}

api::NetworkResource NetworkManager::resource_locked(const Network& network) const {
  api::NetworkResource resource;
  resource.name = network.record.name;
  resource.id = network.record.id;
  resource.created = network.record.created_at;
  resource.driver = network.record.driver;
  resource.internal = network.record.internal;
  if (!network.record.subnet.empty()) resource.ipam_pools.push_back({network.record.subnet, network.record.gateway, ""});
  auto labels = json::parse(network.record.labels_json, nullptr, false);
  if (labels.is_object())
    for (const auto& [key, value] : labels.items())
      if (value.is_string()) resource.labels[key] = value.get<std::string>();
  auto options = json::parse(network.record.options_json, nullptr, false);
  if (options.is_object())
    for (const auto& [key, value] : options.items())
      if (value.is_string()) resource.options[key] = value.get<std::string>();
  if (network.record.driver == "bridge") resource.options["com.docker.network.bridge.name"] = network.record.bridge;
  if (network.record.name == "bridge") resource.options["com.docker.network.bridge.default_bridge"] = "true";
  for (const auto& [container_id, endpoint] : network.endpoints) {
    api::NetworkContainer container;
    container.name = endpoint.container_name;
    container.endpoint_id = container_id.substr(0, 32) + network.record.id.substr(0, 32);
    container.mac_address = endpoint.record.mac;
    if (!endpoint.record.ip.empty()) container.ipv4_address = endpoint.record.ip + "/" + std::to_string(network.subnet.prefix);
    resource.containers[container_id] = std::move(container);
  }
  return resource;
}

Result<std::vector<api::NetworkResource>> NetworkManager::list(
    const std::vector<std::pair<std::string, std::string>>& filters) const {
  for (const auto& [key, value] : filters)
    if (key != "name" && key != "id" && key != "driver" && key != "type" && key != "label")
      return Error::invalid("invalid filter '" + key + "'");
  std::lock_guard lock(mutex_);
  std::vector<api::NetworkResource> resources;
  for (const auto& [id, network] : networks_) {
    api::NetworkResource resource = resource_locked(network);
    // Same key: any value matches; different keys: all must.
    std::map<std::string, bool> matched;
    for (const auto& [key, value] : filters) {
      bool match = false;
      if (key == "name") match = resource.name.find(value) != std::string::npos;
      else if (key == "id") match = starts_with(resource.id, value);
      else if (key == "driver") match = resource.driver == value;
      else if (key == "type") match = (value == "builtin") == is_predefined(resource.name);
      else if (key == "label") {
        const size_t equals = value.find('=');
        auto it = resource.labels.find(value.substr(0, equals));
        match = it != resource.labels.end() && (equals == std::string::npos || it->second == value.substr(equals + 1));
      }
      matched[key] = matched[key] || match;
    }
    bool keep = true;
    for (const auto& [key, match] : matched) keep = keep && match;
    // Docker's network ls lists no containers.
    resource.containers.clear();
    if (keep) resources.push_back(std::move(resource));
  }
  return resources;
}

Result<api::NetworkResource> NetworkManager::inspect(const std::string& ref) const {
  std::lock_guard lock(mutex_);
  const Network* network = find_locked(ref);
  if (network == nullptr) return Error::not_found("network " + ref + " not found");
  return resource_locked(*network);
}

Result<Subnet> NetworkManager::pick_subnet() const {
  std::vector<Subnet> candidates;
  if (!config_.default_address_pool.empty()) {
    std::string base_text;
    int size = 0;
    for (const auto& part : split(config_.default_address_pool, ',')) {
      const size_t equals = part.find('=');
      const std::string key = trim(part.substr(0, equals));
      const std::string value = equals == std::string::npos ? "" : trim(part.substr(equals + 1));
      if (key == "base") base_text = value;
      else if (key == "size") size = std::atoi(value.c_str());
    }
    auto base = network::parse_subnet(base_text);
    if (!base || size < base->prefix || size > 30)
      return Error::invalid("invalid --default-address-pool " + quoted(config_.default_address_pool));
    const uint64_t count = uint64_t{1} << (size - base->prefix);
    for (uint64_t i = 0; i < count && i < 65536; ++i)
      candidates.push_back(Subnet{static_cast<uint32_t>(base->base + (i << (32 - size))), size});
  } else {
    for (uint32_t second = 18; second <= 31; ++second) candidates.push_back(Subnet{(172u << 24) | (second << 16), 16});
    for (uint32_t third = 0; third < 256; third += 16) candidates.push_back(Subnet{(192u << 24) | (168u << 16) | (third << 8), 20});
  }
  for (const auto& candidate : candidates) {
    bool taken = false;
    for (const auto& [id, network] : networks_)
      if (!network.record.subnet.empty() && network.subnet.overlaps(candidate)) taken = true;
    if (!taken) return candidate;
  }
  return Error::unavailable("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
}

Result<std::string> NetworkManager::create(const api::NetworkCreateRequest& request) {
  if (request.name.empty()) return Error::invalid("network name is required");
  if (!request.driver.empty() && request.driver != "bridge")
    return Error::not_found("plugin \"" + request.driver + "\" not found");
  if (request.ipam_pools.size() > 1) return Error::invalid("gocker supports one IPAM pool per network");
  std::lock_guard lock(mutex_);
  for (const auto& [id, network] : networks_)
    if (network.record.name == request.name) return Error::conflict("network with name " + request.name + " already exists");
  Subnet subnet;
  uint32_t gateway = 0;
  if (!request.ipam_pools.empty() && !request.ipam_pools[0].subnet.empty()) {
    auto parsed = network::parse_subnet(request.ipam_pools[0].subnet);
    if (!parsed) return std::move(parsed).error();
    if (parsed->prefix > 30) return Error::invalid("subnet " + parsed->to_string() + " is too small");
    subnet = *parsed;
    for (const auto& [id, network] : networks_)
      if (!network.record.subnet.empty() && network.subnet.overlaps(subnet))
        return Error::conflict("Pool overlaps with other one on this address space: " + subnet.to_string() +
                               " overlaps network " + quoted(network.record.name) + " (" + network.record.subnet + ")");
  } else {
    if (!request.ipam_pools.empty() && !request.ipam_pools[0].gateway.empty())
      return Error::invalid("a gateway needs a subnet (--subnet)");
    auto picked = pick_subnet();
    if (!picked) return std::move(picked).error();
    subnet = *picked;
  }
  if (!request.ipam_pools.empty() && !request.ipam_pools[0].gateway.empty()) {
    auto parsed = network::parse_ipv4(request.ipam_pools[0].gateway);
    if (!parsed) return std::move(parsed).error();
    if (!subnet.contains(*parsed) || *parsed == subnet.base || *parsed == subnet.broadcast())
      return Error::invalid("gateway " + request.ipam_pools[0].gateway + " is not a host address of subnet " + subnet.to_string());
    gateway = *parsed;
  } else {
    gateway = subnet.base + 1;
  }
  auto id = random_hex_id("network id");
  if (!id) return std::move(id).error();
  state::NetworkRecord record;
  record.id = *id;
  record.name = request.name;
  record.driver = "bridge";
  record.subnet = subnet.to_string();
  record.gateway = format_ipv4(gateway);
  auto bridge_option = request.options.find("com.docker.network.bridge.name");
  record.bridge = bridge_option != request.options.end() ? bridge_option->second : "br-" + id->substr(0, 12);
  if (record.bridge.empty() || record.bridge.size() > 15) return Error::invalid("invalid bridge name " + quoted(record.bridge));
  record.internal = request.internal;
  record.created_at = format_rfc3339_nanos(now_unix_nanos());
  record.labels_json = json(request.labels).dump();
  record.options_json = json(request.options).dump();
  auto network = make_network(record);
  if (!network) return std::move(network).error();
  GOCKER_TRY(store_.insert_network(record));
  ScopeGuard forget([&] { (void)store_.delete_network(record.id); });
  if (auto ready = ensure_bridge_locked(*network); !ready) {
    (void)network::delete_link(record.bridge);
    return std::move(ready).error().context("create network " + quoted(request.name));
  }
  networks_.emplace(record.id, std::move(network).value());
  if (auto applied = apply_rules_locked(); !applied) {
    networks_.erase(record.id);
    (void)network::delete_link(record.bridge);
    return std::move(applied).error().context("create network " + quoted(request.name));
  }
  forget.dismiss();
  return record.id;
}

Status NetworkManager::remove(const std::string& ref) {
  std::lock_guard lock(mutex_);
  const Network* network = find_locked(ref);
  if (network == nullptr) return Error::not_found("network " + ref + " not found");
  if (is_predefined(network->record.name))
    return Error::invalid(network->record.name + " is a pre-defined network and cannot be removed");
  if (!network->endpoints.empty())
    return Error::conflict("error while removing network: network " + network->record.name + " id " + network->record.id +
                           " has active endpoints");
  const state::NetworkRecord record = network->record;
  GOCKER_TRY(store_.delete_network(record.id));
  networks_.erase(record.id);
  if (auto deleted = network::delete_link(record.bridge); !deleted) spdlog::warn("remove network {}: {}", record.name, deleted.error().message);
  if (auto applied = apply_rules_locked(); !applied) spdlog::warn("remove network {}: {}", record.name, applied.error().message);
  return ok();
}

Result<std::vector<std::string>> NetworkManager::prune() {
  std::vector<std::string> candidates;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, network] : networks_)
      if (!is_predefined(network.record.name) && network.endpoints.empty()) candidates.push_back(network.record.name);
  }
  std::vector<std::string> removed;
  for (const auto& name : candidates)
    if (remove(name)) removed.push_back(name);
  return removed;
}

// ---- endpoints ----

std::string NetworkManager::veth_name(const std::string& container_id, const std::string& network_id) const {
  return "veth" + container_id.substr(0, 7) + network_id.substr(0, 4);
}

Result<state::EndpointRecord> NetworkManager::allocate(const std::string& container_id, const std::string& container_name,
                                                       const std::string& network_mode,
                                                       const api::NetworkingConfig& networking,
                                                       const std::vector<std::string>& aliases_extra) {
  const std::string name = mode_network_name(network_mode);
  if (starts_with(name, "container:")) return Error::invalid("--network container:<name> is not supported by gocker");
  std::lock_guard lock(mutex_);
  const Network* found = find_locked(name);
  if (found == nullptr) return Error::not_found("network " + name + " not found");
  Network& network = networks_.at(found->record.id);
  if (network.endpoints.count(container_id)) return Error::conflict("container " + container_id.substr(0, 12) + " is already on network " + network.record.name);

  const api::EndpointRequest* request = nullptr;
  for (const auto& [key, endpoint] : networking.endpoints)
    if (key == name || key == network.record.name || key == network.record.id) request = &endpoint;
  if (request == nullptr && networking.endpoints.size() == 1) request = &networking.endpoints.begin()->second;

  state::EndpointRecord record;
  record.container_id = container_id;
  record.network_id = network.record.id;
  Endpoint entry;
  entry.container_name = container_name;
  if (network.record.driver == "bridge") {
    uint32_t address = 0;
    if (request != nullptr && !request->ipv4_address.empty()) {
      if (network.record.name == "bridge")
        return Error::invalid("user specified IP address is supported on user defined networks only");
      auto parsed = network::parse_ipv4(request->ipv4_address);
      if (!parsed) return std::move(parsed).error();
      if (!network.subnet.contains(*parsed) || *parsed == network.subnet.base || *parsed == network.subnet.broadcast() ||
          *parsed == network.gateway)
        return Error::invalid("no available IPv4 address " + request->ipv4_address + " on network " + network.record.name +
                              " (" + network.record.subnet + ")");
      if (network.used.count(*parsed)) return Error::conflict("Address already in use: " + request->ipv4_address);
      address = *parsed;
      record.requested_ip = request->ipv4_address;
    } else {
      for (uint32_t candidate = network.subnet.base + 1; candidate < network.subnet.broadcast(); ++candidate) {
        if (candidate == network.gateway || network.used.count(candidate)) continue;
        address = candidate;
        break;
      }
      if (address == 0) return Error::unavailable("no available IPv4 addresses on network " + network.record.name);
    }
    record.ip = format_ipv4(address);
    record.mac = network::mac_for_address(address);
    entry.address = address;
    network.used.insert(address);
  }
  if (request != nullptr) record.aliases = request->aliases;
  record.aliases.insert(record.aliases.end(), aliases_extra.begin(), aliases_extra.end());
  entry.record = record;
  network.endpoints[container_id] = std::move(entry);
  return record;
}

Status NetworkManager::add_endpoint(const state::EndpointRecord& endpoint, const std::string& container_name) {
  std::lock_guard lock(mutex_);
  auto network = networks_.find(endpoint.network_id);
  if (network == networks_.end()) return Error::not_found("network " + endpoint.network_id + " not found");
  Endpoint entry;
  entry.record = endpoint;
  entry.container_name = container_name;
  if (!endpoint.ip.empty()) {
    auto address = network::parse_ipv4(endpoint.ip);
    if (!address) return std::move(address).error();
    entry.address = *address;
    network->second.used.insert(*address);
  }
  network->second.endpoints[endpoint.container_id] = std::move(entry);
  return ok();
}

Status NetworkManager::remove_endpoint(const std::string& container_id, const std::string& network_id) {
  std::lock_guard lock(mutex_);
  auto network = networks_.find(network_id);
  if (network == networks_.end()) return ok();
  auto endpoint = network->second.endpoints.find(container_id);
  if (endpoint == network->second.endpoints.end()) return ok();
  if (endpoint->second.address != 0) network->second.used.erase(endpoint->second.address);
  network->second.endpoints.erase(endpoint);
  return ok();
}

void NetworkManager::release(const std::string& container_id) {
  std::lock_guard lock(mutex_);
  for (auto& [id, network] : networks_) {
    auto endpoint = network.endpoints.find(container_id);
    if (endpoint == network.endpoints.end()) continue;
    if (endpoint->second.address != 0) network.used.erase(endpoint->second.address);
    network.endpoints.erase(endpoint);
  }
}

// ---- the kernel side of a running container ----

Result<std::vector<network::PortForward>> NetworkManager::plan_ports(const api::ContainerConfig& config,
                                                                     const api::HostConfig& host_config,
                                                                     uint32_t container_ip, api::PortMap& shown) {
  api::PortMap wanted = host_config.network.port_bindings;
  if (host_config.network.publish_all_ports)
    for (const auto& port : config.exposed_ports)
      if (!wanted.count(port)) wanted[port] = {api::PortBinding{}};
  std::vector<network::PortForward> forwards;
  auto taken = [&](const std::string& protocol, uint32_t host_ip, uint16_t port) {
    auto clashes = [&](const network::PortForward& other) {
      return other.protocol == protocol && other.host_port == port &&
             (other.host_ip == 0 || host_ip == 0 || other.host_ip == host_ip);
    };
    for (const auto& [id, published] : published_)
      for (const auto& other : published.forwards)
        if (clashes(other)) return true;
    for (const auto& other : forwards)
      if (clashes(other)) return true;
    return false;
  };
  for (const auto& [key, bindings] : wanted) {
    const size_t slash = key.find('/');
    const std::string protocol = slash == std::string::npos ? "tcp" : key.substr(slash + 1);
    if (protocol != "tcp" && protocol != "udp") return Error::invalid("invalid protocol " + quoted(protocol) + " in port " + quoted(key));
    auto container_range = parse_port_range(key.substr(0, slash));
    if (!container_range) return std::move(container_range).error();
    const uint16_t container_port = container_range->first;
    for (const auto& binding : bindings) {
      uint32_t host_ip = 0;
      if (!binding.host_ip.empty() && binding.host_ip != "0.0.0.0") {
        auto parsed = network::parse_ipv4(binding.host_ip);
        if (!parsed) return Error::invalid("invalid host IP " + quoted(binding.host_ip) + " for port " + key);
        host_ip = *parsed;
      }
      const std::string shown_ip = host_ip == 0 ? "0.0.0.0" : format_ipv4(host_ip);
      uint16_t host_port = 0;
      if (binding.host_port.empty()) {
        for (int attempt = 0; attempt < 64 && host_port == 0; ++attempt) {
          auto free = free_host_port(protocol, host_ip);
          if (!free) return std::move(free).error();
          if (!taken(protocol, host_ip, *free)) host_port = *free;
        }
        if (host_port == 0) return Error::unavailable("no free host port for " + key);
      } else {
        auto range = parse_port_range(binding.host_port);
        if (!range) return std::move(range).error();
        for (uint32_t candidate = range->first; candidate <= range->second && host_port == 0; ++candidate) {
          const auto port = static_cast<uint16_t>(candidate);
          if (!taken(protocol, host_ip, port) && host_port_free(protocol, host_ip, port)) host_port = port;
        }
        if (host_port == 0)
          return Error::conflict("driver failed programming external connectivity: Bind for " + shown_ip + ":" +
                                 binding.host_port + " failed: port is already allocated");
      }
      forwards.push_back(network::PortForward{protocol, host_ip, host_port, container_ip, container_port});
      shown[key].push_back(api::PortBinding{shown_ip, std::to_string(host_port)});
    }
  }
  return forwards;
}

Status NetworkManager::attach(const std::string& container_id, int init_pid, const api::ContainerConfig& config,
                              const api::HostConfig& host_config, const std::string& ports_file) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<const Network*, const Endpoint*>> endpoints;
  for (const auto& [id, network] : networks_)
    if (auto it = network.endpoints.find(container_id); it != network.endpoints.end()) endpoints.emplace_back(&network, &it->second);
  bool host_network = false;
  for (const auto& [network, endpoint] : endpoints) host_network = host_network || network->record.driver == "host";
  if (host_network) return ok();

  const std::string ns_path = "/proc/" + std::to_string(init_pid) + "/ns/net";
  UniqueFd netns{::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!netns) return Error::from_errno(errno, "open " + quoted(ns_path));
  GOCKER_TRY(network::bring_up_loopback(netns.get()));

  std::vector<std::string> made;
  ScopeGuard undo([&] {
    for (const auto& name : made) (void)network::delete_link(name);
  });
  uint32_t primary_address = 0;
  int index = 0;
  // The endpoint on the network named by NetworkMode is eth0 and carries the default route.
  const std::string mode_name = mode_network_name(host_config.network_mode);
  std::stable_sort(endpoints.begin(), endpoints.end(), [&](const auto& a, const auto& b) {
    return (a.first->record.name == mode_name || a.first->record.id == mode_name) >
           (b.first->record.name == mode_name || b.first->record.id == mode_name);
  });
  for (const auto& [network, endpoint] : endpoints) {
    if (network->record.driver != "bridge") continue;
    GOCKER_TRY(ensure_bridge_locked(*network));
    network::ContainerInterface interface;
    interface.host_name = veth_name(container_id, network->record.id);
    interface.bridge = network->record.bridge;
    interface.name = "eth" + std::to_string(index);
    interface.address = endpoint->address;
    interface.prefix = network->subnet.prefix;
    interface.gateway = network->gateway;
    interface.mac = endpoint->record.mac;
    interface.default_route = index == 0;
    // A veth left over by a daemon killed mid-start would make the create fail.
    (void)network::delete_link(interface.host_name);
    GOCKER_TRY(network::connect_container(interface, netns.get()));
    made.push_back(interface.host_name);
    if (index == 0) primary_address = endpoint->address;
    ++index;
  }
  attached_.insert(container_id);

  Published published;
  if (primary_address != 0) {
    auto forwards = plan_ports(config, host_config, primary_address, published.bindings);
    if (!forwards) {
      attached_.erase(container_id);
      return std::move(forwards).error();
    }
    published.forwards = std::move(forwards).value();
  }
  if (!published.forwards.empty()) {
    published_[container_id] = published;
    if (auto applied = apply_rules_locked(); !applied) {
      published_.erase(container_id);
      attached_.erase(container_id);
      (void)apply_rules_locked();
      return std::move(applied).error();
    }
  }
  json saved{{"bindings", published.bindings}, {"forwards", forwards_to_json(published.forwards)}};
  if (auto written = runtime::write_file_atomically(ports_file, saved.dump()); !written)
    spdlog::warn("container {}: record published ports: {}", container_id.substr(0, 12), written.error().message);
  undo.dismiss();
  return ok();
}

Status NetworkManager::attach_endpoint(const std::string& container_id, const std::string& network_id, int init_pid) {
  std::lock_guard lock(mutex_);
  auto network = networks_.find(network_id);
  if (network == networks_.end()) return Error::not_found("network " + network_id + " not found");
  auto endpoint = network->second.endpoints.find(container_id);
  if (endpoint == network->second.endpoints.end() || network->second.record.driver != "bridge") return ok();
  const std::string ns_path = "/proc/" + std::to_string(init_pid) + "/ns/net";
  UniqueFd netns{::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!netns) return Error::from_errno(errno, "open " + quoted(ns_path));
  // The first free eth<N> of the namespace: after a disconnect the numbers have gaps, so counting
  // the container's networks could name an interface that exists.
  auto names = network::link_names_in(netns.get());
  if (!names) return std::move(names).error().context("connect to network " + quoted(network->second.record.name));
  int index = 0;
  while (std::find(names->begin(), names->end(), "eth" + std::to_string(index)) != names->end()) ++index;
  GOCKER_TRY(ensure_bridge_locked(network->second));
  network::ContainerInterface interface;
  interface.host_name = veth_name(container_id, network_id);
  interface.bridge = network->second.record.bridge;
  interface.name = "eth" + std::to_string(index);
  interface.address = endpoint->second.address;
  interface.prefix = network->second.subnet.prefix;
  interface.gateway = network->second.gateway;
  interface.mac = endpoint->second.record.mac;
  interface.default_route = false;
  (void)network::delete_link(interface.host_name);
  GOCKER_TRY(network::connect_container(interface, netns.get()));
  attached_.insert(container_id);
  return ok();
}

void NetworkManager::detach_endpoint(const std::string& container_id, const std::string& network_id) {
  std::lock_guard lock(mutex_);
  (void)network::delete_link(veth_name(container_id, network_id));
}

void NetworkManager::restore_ports(const std::string& container_id, const std::string& ports_file) {
  auto text = runtime::read_file(ports_file);
  if (!text) return;
  auto saved = json::parse(*text, nullptr, false);
  if (!saved.is_object()) return;
  Published published;
  if (auto bindings = saved.find("bindings"); bindings != saved.end() && bindings->is_object()) {
    json host_config{{"PortBindings", *bindings}};
    api::HostNetworkConfig parsed;
    api::read_host_network_config(host_config, parsed);
    published.bindings = parsed.port_bindings;
  }
  if (auto forwards = saved.find("forwards"); forwards != saved.end() && forwards->is_array()) {
    for (const auto& f : *forwards) {
      network::PortForward forward;
      forward.protocol = f.value("proto", "tcp");
      forward.host_ip = f.value("host_ip", 0u);
      forward.host_port = f.value("host_port", uint16_t{0});
      forward.container_ip = f.value("container_ip", 0u);
      forward.container_port = f.value("container_port", uint16_t{0});
      published.forwards.push_back(forward);
    }
  }
  std::lock_guard lock(mutex_);
  attached_.insert(container_id);
  if (!published.forwards.empty() || !published.bindings.empty()) published_[container_id] = std::move(published);
}

void NetworkManager::detach(const std::string& container_id) {
  std::lock_guard lock(mutex_);
  const bool had_ports = published_.erase(container_id) > 0;
  if (had_ports) {
    if (auto applied = apply_rules_locked(); !applied)
      spdlog::warn("container {}: remove port rules: {}", container_id.substr(0, 12), applied.error().message);
  }
  if (attached_.erase(container_id) == 0) return;
  // The pair goes with the container's namespace, which the kernel tears down on its own time;
  // deleting it here covers a namespace still held elsewhere (a --network container:<this> peer).
  for (const auto& [id, network] : networks_) {
    if (!network.endpoints.count(container_id) || network.record.driver != "bridge") continue;
    const std::string name = veth_name(container_id, id);
    auto index = network::link_index(name);
    if (!index) spdlog::warn("container {}: {}", container_id.substr(0, 12), index.error().message);
    else if (index->has_value()) reaper_.delete_later(**index);
  }
}

Status NetworkManager::apply_rules() {
  std::lock_guard lock(mutex_);
  return apply_rules_locked();
}

Status NetworkManager::apply_rules_locked() {
  std::vector<network::BridgeRules> bridges;
  for (const auto& [id, network] : networks_)
    if (network.record.driver == "bridge") bridges.push_back({network.record.bridge, network.subnet, network.record.internal});
  std::vector<network::PortForward> ports;
  for (const auto& [id, published] : published_) ports.insert(ports.end(), published.forwards.begin(), published.forwards.end());
  return network::apply_ruleset(network::build_ruleset(bridges, ports));
}

Status NetworkManager::cleanup_kernel_state() {
  std::lock_guard lock(mutex_);
  Status result = ok();
  for (const auto& [id, network] : networks_) {
    if (network.record.driver != "bridge") continue;
    for (const auto& [container_id, endpoint] : network.endpoints) (void)network::delete_link(veth_name(container_id, id));
    if (auto deleted = network::delete_link(network.record.bridge); !deleted) result = std::move(deleted);
  }
  if (auto deleted = network::delete_ruleset(); !deleted) result = std::move(deleted);
  published_.clear();
  attached_.clear();
  return result;
}

// ---- what inspect and ps show ----

api::NetworkSettings NetworkManager::settings(const std::string& container_id, const api::ContainerConfig& config) const {
  std::lock_guard lock(mutex_);
  api::NetworkSettings settings;
  settings.exposed_only = config.exposed_ports;
  if (auto it = published_.find(container_id); it != published_.end()) settings.ports = it->second.bindings;
  for (const auto& [id, network] : networks_) {
    auto it = network.endpoints.find(container_id);
    if (it == network.endpoints.end()) continue;
    const Endpoint& endpoint = it->second;
    api::EndpointSettings shown;
    shown.network_id = id;
    shown.endpoint_id = attached_.count(container_id) ? container_id.substr(0, 32) + id.substr(0, 32) : "";
    if (endpoint.address != 0) {
      shown.ip_address = endpoint.record.ip;
      shown.ip_prefix_len = network.subnet.prefix;
      shown.gateway = format_ipv4(network.gateway);
      shown.mac_address = endpoint.record.mac;
    }
    shown.aliases = endpoint.record.aliases;
    if (network.record.name != "bridge" && network.record.driver == "bridge") shown.aliases.push_back(container_id.substr(0, 12));
    shown.requested_ipv4 = endpoint.record.requested_ip;
    settings.networks[network.record.name] = std::move(shown);
  }
  return settings;
}

nlohmann::json NetworkManager::summary_ports(const std::string& container_id) const {
  std::lock_guard lock(mutex_);
  json ports = json::array();
  auto it = published_.find(container_id);
  if (it == published_.end()) return ports;
  for (const auto& f : it->second.forwards)
    ports.push_back(json{{"IP", f.host_ip == 0 ? "0.0.0.0" : format_ipv4(f.host_ip)},
                         {"PrivatePort", f.container_port},
                         {"PublicPort", f.host_port},
                         {"Type", f.protocol}});
  return ports;
}

std::map<std::string, api::EndpointSettings> NetworkManager::summary_networks(const std::string& container_id) const {
  api::ContainerConfig none;
  return settings(container_id, none).networks;
}

std::string NetworkManager::address_of(const std::string& container_id) const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, network] : networks_)
    if (auto it = network.endpoints.find(container_id); it != network.endpoints.end() && it->second.address != 0)
      return it->second.record.ip;
  return "";
}

bool NetworkManager::is_host_network(const std::string& container_id) const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, network] : networks_)
    if (network.record.driver == "host" && network.endpoints.count(container_id)) return true;
  return false;
}

std::vector<NetworkManager::Peer> NetworkManager::peers_of(const std::string& container_id) const {
  std::lock_guard lock(mutex_);
  std::vector<Peer> peers;
  for (const auto& [id, network] : networks_) {
    // Name resolution is for user-defined networks only, as with Docker's embedded DNS.
    if (network.record.driver != "bridge" || network.record.name == "bridge") continue;
    if (!network.endpoints.count(container_id)) continue;
    for (const auto& [peer_id, endpoint] : network.endpoints) {
      if (peer_id == container_id || endpoint.address == 0) continue;
      Peer peer{peer_id, endpoint.record.ip, {}};
      if (!endpoint.container_name.empty()) peer.names.push_back(endpoint.container_name);
      for (const auto& alias : endpoint.record.aliases) peer.names.push_back(alias);
      peer.names.push_back(peer_id.substr(0, 12));
      peers.push_back(std::move(peer));
    }
  }
  return peers;
}

std::vector<std::string> NetworkManager::neighbours_of(const std::string& container_id) const {
  std::lock_guard lock(mutex_);
  std::set<std::string> ids;
  for (const auto& [id, network] : networks_) {
    if (network.record.driver != "bridge" || network.record.name == "bridge") continue;
    if (!network.endpoints.count(container_id)) continue;
    for (const auto& [peer_id, endpoint] : network.endpoints)
      if (peer_id != container_id) ids.insert(peer_id);
  }
  return {ids.begin(), ids.end()};
}

}  // namespace gocker::engine
