#include "network/nat_rules.hpp"

#include "network/nftables_session.hpp"

namespace gocker::network {
namespace {

std::string quoted_name(const std::string& name) { return "\"" + name + "\""; }

}  // namespace

std::string build_ruleset(const std::vector<BridgeRules>& bridges, const std::vector<PortForward>& ports) {
  std::string text;
  // Declaring the table first makes the delete valid when it does not exist yet.
  text += "table ip gocker\ndelete table ip gocker\n";
  text += "table ip gocker {\n";
  text += "  chain published {\n";
  // Rules bound to one host address first, then those for every address.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& port : ports) {
      if ((pass == 0) != (port.host_ip != 0)) continue;
      text += "    ";
      if (port.host_ip != 0) text += "ip daddr " + format_ipv4(port.host_ip) + " ";
      text += port.protocol + " dport " + std::to_string(port.host_port) + " dnat to " +
              format_ipv4(port.container_ip) + ":" + std::to_string(port.container_port) + "\n";
    }
  }
  text += "  }\n";
  text += "  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n"
          "    fib daddr type local jump published\n  }\n";
  text += "  chain output {\n    type nat hook output priority -100; policy accept;\n"
          "    fib daddr type local jump published\n  }\n";
  text += "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n";
  for (const auto& bridge : bridges) {
    // Connections from the host's loopback forwarded into a container (route_localnet lets them
    // leave lo's addresses); the container must answer the bridge, not 127.0.0.1.
    text += "    oifname " + quoted_name(bridge.bridge) + " ip saddr 127.0.0.0/8 masquerade\n";
    if (!bridge.internal)
      text += "    ip saddr " + bridge.subnet.to_string() + " oifname != " + quoted_name(bridge.bridge) + " masquerade\n";
  }
  text += "  }\n";
  text += "  chain forward {\n    type filter hook forward priority filter; policy accept;\n";
  for (const auto& bridge : bridges) {
    std::string others;
    for (const auto& other : bridges) {
      if (other.bridge == bridge.bridge) continue;
      others += (others.empty() ? "" : ", ") + quoted_name(other.bridge);
    }
    if (!others.empty()) text += "    iifname " + quoted_name(bridge.bridge) + " oifname { " + others + " } drop\n";
  }
  for (const auto& bridge : bridges) {
    const std::string name = quoted_name(bridge.bridge);
    text += "    oifname " + name + " ct state established,related accept\n";
    text += "    oifname " + name + " ct status dnat accept\n";
    text += "    iifname " + name + " oifname " + name + " accept\n";
    if (!bridge.internal) text += "    iifname " + name + " accept\n";
    else text += "    iifname " + name + " drop\n";
  }
  text += "  }\n}\n";
  return text;
}

Status apply_ruleset(const std::string& ruleset) { return run_nftables(ruleset, "write nftables table ip gocker"); }

Status delete_ruleset() {
  return run_nftables("table ip gocker\ndelete table ip gocker\n", "delete nftables table ip gocker");
}

}  // namespace gocker::network
