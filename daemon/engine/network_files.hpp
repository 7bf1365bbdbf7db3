#pragma once
// The /etc/hosts and /etc/resolv.conf a container gets (written into its directory and bound
// into the container, as Docker does). Pure text building, unit-tested.
#include <string>
#include <vector>

namespace gocker::engine {

struct HostsEntry {
  std::string address;
  std::vector<std::string> names;
};

// localhost lines, then --add-host entries, then the container's own address and hostname
// (127.0.1.1 when it has none), then the peers on its user-defined networks.
std::string build_hosts_file(const std::string& hostname, const std::string& own_address,
                             const std::vector<HostsEntry>& extra_hosts, const std::vector<HostsEntry>& peers);

// From the host's resolv.conf: --dns replaces the nameservers, --dns-search the search list,
// --dns-option the options. Off the host network, loopback nameservers are dropped (they are
// unreachable from the container) and Google's public servers stand in when none is left, as
// Docker does.
std::string build_resolv_conf(const std::string& host_resolv_conf, const std::vector<std::string>& dns,
                              const std::vector<std::string>& dns_search, const std::vector<std::string>& dns_options,
                              bool host_network);

}  // namespace gocker::engine
