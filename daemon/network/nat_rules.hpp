#pragma once
// gocker's nftables table ("ip gocker", nobody else's): published ports (DNAT on the prerouting
// AND output hooks, so connections from the host itself, 127.0.0.1 included, are forwarded),
// masquerading of the bridges' outbound traffic, acceptance of bridge traffic on the forward hook
// (br_netfilter sends even same-bridge traffic through it) and isolation between bridges.
//
// Plan, then apply: build_ruleset() turns plain data into the table's full text (unit-tested);
// apply_ruleset() replaces the whole table in one nftables transaction, so the kernel sees the
// old rules or the new ones and never a half-written table. Rewriting all of it on each change
// keeps no rule handles around, and restart reconciliation is the same call.
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "network/ipv4.hpp"

namespace gocker::network {

inline constexpr const char* kTableName = "gocker";

struct BridgeRules {
  std::string bridge;
  Subnet subnet;
  bool internal = false;  // no outbound masquerade
};

struct PortForward {
  std::string protocol;     // "tcp" | "udp"
  uint32_t host_ip = 0;     // 0: every local address
  uint16_t host_port = 0;
  uint32_t container_ip = 0;
  uint16_t container_port = 0;
};

std::string build_ruleset(const std::vector<BridgeRules>& bridges, const std::vector<PortForward>& ports);
// Replaces the table with `ruleset` (from build_ruleset) atomically.
Status apply_ruleset(const std::string& ruleset);
// Deletes the table (absent is fine).
Status delete_ruleset();

}  // namespace gocker::network
