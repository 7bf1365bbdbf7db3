// The pure halves of networking: IPv4 arithmetic, the nftables table text, the container's
// /etc/hosts and /etc/resolv.conf, and gockerctl's -p expansion.
#include <doctest/doctest.h>

#include "client/run_flags.hpp"
#include "engine/network_files.hpp"
#include "network/ipv4.hpp"
#include "network/nat_rules.hpp"

using namespace gocker;

TEST_CASE("ipv4: parse, format, subnets, overlap, MAC") {
  auto address = network::parse_ipv4("172.17.0.2");
  REQUIRE(address);
  CHECK(network::format_ipv4(*address) == "172.17.0.2");
  CHECK_FALSE(network::parse_ipv4("256.1.1.1"));
  CHECK_FALSE(network::parse_ipv4("1.2.3"));
  CHECK_FALSE(network::parse_ipv4("01.2.3.4"));
  auto subnet = network::parse_subnet("10.10.0.0/16");
  REQUIRE(subnet);
  CHECK(subnet->contains(*network::parse_ipv4("10.10.255.255")));
  CHECK_FALSE(subnet->contains(*network::parse_ipv4("10.11.0.0")));
  CHECK(network::format_ipv4(subnet->broadcast()) == "10.10.255.255");
  CHECK_FALSE(network::parse_subnet("10.10.0.1/16"));  // host bits
  CHECK(subnet->overlaps(*network::parse_subnet("10.10.4.0/24")));
  CHECK_FALSE(subnet->overlaps(*network::parse_subnet("10.11.0.0/16")));
  auto bip = network::parse_address_with_prefix("172.17.0.1/16");
  REQUIRE(bip);
  CHECK(bip->second.to_string() == "172.17.0.0/16");
  CHECK(network::mac_for_address(*address) == "02:42:ac:11:00:02");
}

TEST_CASE("nat rules: DNAT on prerouting and output, masquerade, isolation") {
  std::vector<network::BridgeRules> bridges{{"gocker0", *network::parse_subnet("172.17.0.0/16"), false},
                                            {"br-a", *network::parse_subnet("172.18.0.0/16"), false}};
  std::vector<network::PortForward> ports{{"tcp", 0, 8080, *network::parse_ipv4("172.17.0.2"), 80},
                                          {"udp", *network::parse_ipv4("127.0.0.1"), 5353, *network::parse_ipv4("172.17.0.3"), 53}};
  const std::string text = network::build_ruleset(bridges, ports);
  CHECK(text.find("table ip gocker\ndelete table ip gocker\n") == 0);
  CHECK(text.find("tcp dport 8080 dnat to 172.17.0.2:80") != std::string::npos);
  // The address-bound rule comes first.
  CHECK(text.find("ip daddr 127.0.0.1 udp dport 5353 dnat to 172.17.0.3:53") < text.find("tcp dport 8080"));
  CHECK(text.find("type nat hook output") != std::string::npos);
  CHECK(text.find("ip saddr 172.17.0.0/16 oifname != \"gocker0\" masquerade") != std::string::npos);
  CHECK(text.find("iifname \"gocker0\" oifname { \"br-a\" } drop") != std::string::npos);
  CHECK(text.find("iifname \"br-a\" oifname { \"gocker0\" } drop") != std::string::npos);
}

TEST_CASE("hosts and resolv.conf") {
  const std::string hosts = engine::build_hosts_file("box", "10.0.0.2", {{"10.1.2.3", {"db.local"}}},
                                                     {{"10.0.0.3", {"web", "alias", "0123456789ab"}}});
  CHECK(hosts.find("127.0.0.1\tlocalhost\n") == 0);
  CHECK(hosts.find("10.1.2.3\tdb.local\n") != std::string::npos);
  CHECK(hosts.find("10.0.0.2\tbox\n") != std::string::npos);
  CHECK(hosts.find("10.0.0.3\tweb alias 0123456789ab\n") != std::string::npos);
  CHECK(engine::build_hosts_file("box", "", {}, {}).find("127.0.1.1\tbox\n") != std::string::npos);

  const std::string host = "nameserver 127.0.0.53\nnameserver 192.0.2.1\nsearch corp.example\noptions edns0\n";
  CHECK(engine::build_resolv_conf(host, {}, {}, {}, false) ==
        "search corp.example\nnameserver 192.0.2.1\noptions edns0\n");
  CHECK(engine::build_resolv_conf("nameserver 127.0.0.53\n", {}, {}, {}, false) ==
        "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  CHECK(engine::build_resolv_conf(host, {"10.0.0.53"}, {"a.test"}, {"ndots:2"}, false) ==
        "search a.test\nnameserver 10.0.0.53\noptions ndots:2\n");
  CHECK(engine::build_resolv_conf(host, {}, {}, {}, true).find("nameserver 127.0.0.53") != std::string::npos);
}

TEST_CASE("gockerctl -p as docker expands it") {
  auto simple = client::parse_publish("8080:80");
  REQUIRE(simple);
  REQUIRE(simple->size() == 1);
  CHECK(simple->at(0).first == "80/tcp");
  CHECK(simple->at(0).second.host_port == "8080");
  CHECK(simple->at(0).second.host_ip.empty());
  auto bound = client::parse_publish("127.0.0.1:5353:53/udp");
  REQUIRE(bound);
  CHECK(bound->at(0).first == "53/udp");
  CHECK(bound->at(0).second.host_ip == "127.0.0.1");
  auto any = client::parse_publish("80");
  REQUIRE(any);
  CHECK(any->at(0).second.host_port.empty());
  auto range = client::parse_publish("8000-8002:80-82");
  REQUIRE(range);
  REQUIRE(range->size() == 3);
  CHECK(range->at(2).first == "82/tcp");
  CHECK(range->at(2).second.host_port == "8002");
  CHECK_FALSE(client::parse_publish("8000-8001:80-82"));
  CHECK_FALSE(client::parse_publish("x:80"));
  CHECK_FALSE(client::parse_publish("80/icmp"));
}
