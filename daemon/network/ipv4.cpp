#include "network/ipv4.hpp"

#include <charconv>
#include <cstdio>

#include "base/strings.hpp"

namespace gocker::network {

std::string Subnet::to_string() const { return format_ipv4(base) + "/" + std::to_string(prefix); }

Result<uint32_t> parse_ipv4(std::string_view text) {
  uint32_t address = 0;
  std::string_view rest = text;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (rest.empty() || rest.front() != '.') return Error::invalid("invalid IPv4 address " + quoted(text));
      rest.remove_prefix(1);
    }
    unsigned value = 0;
    auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (error != std::errc{} || end == rest.data() || value > 255 || (end - rest.data() > 1 && rest.front() == '0'))
      return Error::invalid("invalid IPv4 address " + quoted(text));
    rest.remove_prefix(static_cast<size_t>(end - rest.data()));
    address = (address << 8) | value;
  }
  if (!rest.empty()) return Error::invalid("invalid IPv4 address " + quoted(text));
  return address;
}

std::string format_ipv4(uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
         std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

Result<std::pair<uint32_t, Subnet>> parse_address_with_prefix(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return Error::invalid("invalid CIDR address " + quoted(text) + ": no prefix length");
  auto address = parse_ipv4(text.substr(0, slash));
  if (!address) return Error::invalid("invalid CIDR address " + quoted(text));
  std::string_view digits = text.substr(slash + 1);
  int prefix = -1;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
  if (error != std::errc{} || end != digits.data() + digits.size() || prefix < 0 || prefix > 32)
    return Error::invalid("invalid CIDR address " + quoted(text));
  Subnet subnet{0, prefix};
  subnet.base = *address & subnet.mask();
  return std::pair{*address, subnet};
}

Result<Subnet> parse_subnet(std::string_view text) {
  auto parsed = parse_address_with_prefix(text);
  if (!parsed) return std::move(parsed).error();
  if (parsed->first != parsed->second.base)
    return Error::invalid("invalid subnet " + quoted(text) + ": it has host bits set (did you mean " +
                          parsed->second.to_string() + "?)");
  return parsed->second;
}

std::string mac_for_address(uint32_t address) {
  char text[18];
  std::snprintf(text, sizeof text, "02:42:%02x:%02x:%02x:%02x", address >> 24, (address >> 16) & 0xff,
                (address >> 8) & 0xff, address & 0xff);
  return text;
}

}  // namespace gocker::network
