#include "engine/network_files.hpp"

#include <sstream>

#include "base/strings.hpp"

namespace gocker::engine {

std::string build_hosts_file(const std::string& hostname, const std::string& own_address,
                             const std::vector<HostsEntry>& extra_hosts, const std::vector<HostsEntry>& peers) {
  std::string text =
      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
      "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
  auto add = [&text](const HostsEntry& entry) {
    text += entry.address;
    char separator = '\t';
    for (const auto& name : entry.names) {
      text += separator + name;
      separator = ' ';
    }
    text += "\n";
  };
  for (const auto& entry : extra_hosts) add(entry);
  add(HostsEntry{own_address.empty() ? "127.0.1.1" : own_address, {hostname}});
  for (const auto& entry : peers) add(entry);
  return text;
}

std::string build_resolv_conf(const std::string& host_resolv_conf, const std::vector<std::string>& dns,
                              const std::vector<std::string>& dns_search, const std::vector<std::string>& dns_options,
                              bool host_network) {
  std::vector<std::string> nameservers, search, options, other;
  std::istringstream lines(host_resolv_conf);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string keyword;
    words >> keyword;
    std::vector<std::string> values;
    for (std::string word; words >> word;) values.push_back(word);
    if (keyword == "nameserver" && !values.empty()) {
      const bool loopback = starts_with(values[0], "127.") || values[0] == "::1";
      if (host_network || !loopback) nameservers.push_back(values[0]);
    } else if ((keyword == "search" || keyword == "domain") && !values.empty()) {
      search = values;
    } else if (keyword == "options") {
      options.insert(options.end(), values.begin(), values.end());
    }
  }
  if (!dns.empty()) nameservers = dns;
  if (!dns_search.empty()) search = dns_search;
  if (!dns_options.empty()) options = dns_options;
  if (nameservers.empty() && !host_network) nameservers = {"8.8.8.8", "8.8.4.4"};
  std::string text;
  // "." as the only search domain means "no search list", as in docker.
  if (!search.empty() && !(search.size() == 1 && search[0] == ".")) {
    text += "search";
    for (const auto& domain : search) text += " " + domain;
    text += "\n";
  }
  for (const auto& server : nameservers) text += "nameserver " + server + "\n";
  if (!options.empty()) {
    text += "options";
    for (const auto& option : options) text += " " + option;
    text += "\n";
  }
  return text;
}

}  // namespace gocker::engine
