#pragma once
// IPv4 addresses and subnets as plain numbers (host byte order), for IPAM and rule building.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace gocker::network {

struct Subnet {
  uint32_t base = 0;  // network address (host bits zero)
  int prefix = 0;     // 0..32

  uint32_t mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  uint32_t broadcast() const { return base | ~mask(); }
  bool contains(uint32_t address) const { return (address & mask()) == base; }
  bool overlaps(const Subnet& other) const { return contains(other.base) || other.contains(base); }
  std::string to_string() const;  // "172.17.0.0/16"
  bool operator==(const Subnet&) const = default;
};

Result<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t address);
// "a.b.c.d/n"; host bits are refused ("invalid subnet"), as docker does for --subnet.
Result<Subnet> parse_subnet(std::string_view text);
// "a.b.c.d/n" where the address is kept (dockerd's --bip: the bridge's own address and its subnet).
Result<std::pair<uint32_t, Subnet>> parse_address_with_prefix(std::string_view text);
// Docker's MAC for an address: 02:42 followed by the four address bytes.
std::string mac_for_address(uint32_t address);

}  // namespace gocker::network
