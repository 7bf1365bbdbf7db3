#pragma once
// Links, addresses and routes through libnl-route (rtnetlink), in the daemon's own network
// namespace or in a container's (a namespace fd). No shelling out to `ip`.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace gocker::network {

// A Linux bridge in the daemon's namespace: created if missing, given `address`/`prefix` (an
// existing address is kept), brought up.
Status ensure_bridge(const std::string& name, uint32_t address, int prefix);
// Deletes a link of the daemon's namespace; one that does not exist is fine.
Status delete_link(const std::string& name);
Status delete_link_at(int ifindex);
// The ifindex of a link of the daemon's namespace, or nullopt when there is none by that name.
Result<std::optional<int>> link_index(const std::string& name);
// The names of the daemon namespace's links, or of the links in another namespace.
Result<std::vector<std::string>> link_names();
Result<std::vector<std::string>> link_names_in(int netns_fd);

// One container interface: a veth pair whose host end is plugged into `bridge` and whose other
// end is created right inside the container's namespace as `name`.
struct ContainerInterface {
  std::string host_name;  // at most 15 bytes
  std::string bridge;
  std::string name = "eth0";
  uint32_t address = 0;
  int prefix = 0;
  uint32_t gateway = 0;
  std::string mac;
  bool default_route = true;
};

// Creates and configures the pair (address, up, default route via the gateway). On failure the
// pair is deleted again.
Status connect_container(const ContainerInterface& interface, int netns_fd);
// Brings `lo` up in the namespace.
Status bring_up_loopback(int netns_fd);

// Writes a sysctl of the daemon's network namespace ("net/ipv4/ip_forward" -> /proc/sys/...).
Status write_sysctl(const std::string& key, const std::string& value);

}  // namespace gocker::network
