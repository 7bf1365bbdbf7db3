#include "network/netlink.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include <memory>

#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "network/netns_socket.hpp"

namespace gocker::network {
namespace {

// libnl reports NLE_* codes; the errno that matters to callers is recovered where there is one.
Error nl_error(int code, const std::string& what) {
  int err = 0;
  switch (code < 0 ? -code : code) {
    case NLE_EXIST: err = EEXIST; break;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV: err = ENODEV; break;
    case NLE_PERM: err = EPERM; break;
    case NLE_BUSY: err = EBUSY; break;
    case NLE_INVAL: err = EINVAL; break;
    case NLE_NOADDR: err = EADDRNOTAVAIL; break;
    default: err = 0;
  }
  Error error{ErrorKind::Internal, err, what + ": " + nl_geterror(code)};
  return error;
}

bool is_code(int code, int nle) { return code == -nle || code == nle; }

struct SocketDeleter {
  void operator()(nl_sock* sock) const { nl_socket_free(sock); }
};
using RouteSocket = std::unique_ptr<nl_sock, SocketDeleter>;
struct LinkDeleter {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
using Link = std::unique_ptr<rtnl_link, LinkDeleter>;
struct AddrDeleter {
  void operator()(nl_addr* addr) const { nl_addr_put(addr); }
};
using Address = std::unique_ptr<nl_addr, AddrDeleter>;

Result<RouteSocket> open_route_socket() {
  RouteSocket sock{nl_socket_alloc()};
  if (!sock) return Error::internal("allocate netlink socket: out of memory");
  if (int code = nl_connect(sock.get(), NETLINK_ROUTE); code < 0) return nl_error(code, "connect rtnetlink socket");
  return sock;
}

// A netlink socket bound in another network namespace (see netns_socket.hpp), handed to libnl.
Result<RouteSocket> open_route_socket_in(int netns_fd) {
  auto fd = netns_socket_opener().open(netns_fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  if (!fd) return std::move(fd).error();
  // Bound first, as nl_connect does: libnl takes its port from getsockname.
  struct sockaddr_nl local {};
  local.nl_family = AF_NETLINK;
  if (::bind(fd->get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
    return Error::from_errno(errno, "bind rtnetlink socket in container namespace");
  RouteSocket sock{nl_socket_alloc()};
  if (!sock) return Error::internal("allocate netlink socket: out of memory");
  if (int code = nl_socket_set_fd(sock.get(), NETLINK_ROUTE, fd->get()); code < 0)
    return nl_error(code, "bind rtnetlink socket in container namespace");
  fd->release();  // libnl closes it with the socket
  return sock;
}

Address ipv4_address(uint32_t address, int prefix) {
  const uint32_t network_order = htonl(address);
  Address addr{nl_addr_build(AF_INET, &network_order, sizeof network_order)};
  if (addr) nl_addr_set_prefixlen(addr.get(), prefix);
  return addr;
}

Result<Link> get_link(nl_sock* sock, const std::string& name) {
  rtnl_link* link = nullptr;
  if (int code = rtnl_link_get_kernel(sock, 0, name.c_str(), &link); code < 0)
    return nl_error(code, "look up link " + quoted(name));
  return Link{link};
}

Status set_up(nl_sock* sock, const std::string& name) {
  auto link = get_link(sock, name);
  if (!link) return std::move(link).error();
  Link change{rtnl_link_alloc()};
  if (!change) return Error::internal("allocate link: out of memory");
  rtnl_link_set_flags(change.get(), IFF_UP);
  if (int code = rtnl_link_change(sock, link->get(), change.get(), 0); code < 0)
    return nl_error(code, "bring link " + quoted(name) + " up");
  return ok();
}

Status add_address(nl_sock* sock, int ifindex, uint32_t address, int prefix, const std::string& link_name) {
  std::unique_ptr<rtnl_addr, void (*)(rtnl_addr*)> addr{rtnl_addr_alloc(), rtnl_addr_put};
  Address local = ipv4_address(address, prefix);
  const int host_bits = 32 - prefix;
  const uint32_t broadcast_value = host_bits >= 32 ? ~uint32_t{0} : (address | ((uint32_t{1} << host_bits) - 1));
  Address broadcast = ipv4_address(broadcast_value, 32);
  if (!addr || !local || !broadcast) return Error::internal("allocate address: out of memory");
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  rtnl_addr_set_family(addr.get(), AF_INET);
  if (int code = rtnl_addr_set_local(addr.get(), local.get()); code < 0) return nl_error(code, "set address");
  if (prefix < 31) rtnl_addr_set_broadcast(addr.get(), broadcast.get());
  const std::string what = "add address " + std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) +
                           "." + std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff) + "/" +
                           std::to_string(prefix) + " to " + quoted(link_name);
  if (int code = rtnl_addr_add(sock, addr.get(), 0); code < 0) return nl_error(code, what);
  return ok();
}

Status add_default_route(nl_sock* sock, int ifindex, uint32_t gateway) {
  std::unique_ptr<rtnl_route, void (*)(rtnl_route*)> route{rtnl_route_alloc(), rtnl_route_put};
  Address destination = ipv4_address(0, 0);
  Address via = ipv4_address(gateway, 32);
  rtnl_nexthop* hop = rtnl_route_nh_alloc();
  if (!route || !destination || !via || hop == nullptr) {
    if (hop != nullptr) rtnl_route_nh_free(hop);
    return Error::internal("allocate route: out of memory");
  }
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  if (int code = rtnl_route_set_dst(route.get(), destination.get()); code < 0) {
    rtnl_route_nh_free(hop);
    return nl_error(code, "set route destination");
  }
  rtnl_route_nh_set_ifindex(hop, ifindex);
  rtnl_route_nh_set_gateway(hop, via.get());
  rtnl_route_add_nexthop(route.get(), hop);  // the route owns the hop from here
  if (int code = rtnl_route_add(sock, route.get(), 0); code < 0) return nl_error(code, "add default route");
  return ok();
}

}  // namespace

Status ensure_bridge(const std::string& name, uint32_t address, int prefix) {
  const std::string what = "set up bridge " + quoted(name);
  auto sock = open_route_socket();
  if (!sock) return std::move(sock).error().context(what);
  Link bridge{rtnl_link_bridge_alloc()};
  if (!bridge) return Error::internal(what + ": out of memory");
  rtnl_link_set_name(bridge.get(), name.c_str());
  if (int code = rtnl_link_add(sock->get(), bridge.get(), NLM_F_CREATE | NLM_F_EXCL); code < 0 && !is_code(code, NLE_EXIST))
    return nl_error(code, what + ": create");
  auto link = get_link(sock->get(), name);
  if (!link) return std::move(link).error().context(what);
  if (auto added = add_address(sock->get(), rtnl_link_get_ifindex(link->get()), address, prefix, name);
      !added && added.error().sys_errno != EEXIST)
    return std::move(added).error().context(what);
  GOCKER_TRY(set_up(sock->get(), name));
  return ok();
}

Status delete_link(const std::string& name) {
  auto sock = open_route_socket();
  if (!sock) return std::move(sock).error().context("delete link " + quoted(name));
  Link link{rtnl_link_alloc()};
  if (!link) return Error::internal("delete link " + quoted(name) + ": out of memory");
  rtnl_link_set_name(link.get(), name.c_str());
  if (int code = rtnl_link_delete(sock->get(), link.get());
      code < 0 && !is_code(code, NLE_NODEV) && !is_code(code, NLE_OBJ_NOTFOUND))
    return nl_error(code, "delete link " + quoted(name));
  return ok();
}

Status delete_link_at(int ifindex) {
  const std::string what = "delete link " + std::to_string(ifindex);
  auto sock = open_route_socket();
  if (!sock) return std::move(sock).error().context(what);
  Link link{rtnl_link_alloc()};
  if (!link) return Error::internal(what + ": out of memory");
  rtnl_link_set_ifindex(link.get(), ifindex);
  if (int code = rtnl_link_delete(sock->get(), link.get());
      code < 0 && !is_code(code, NLE_NODEV) && !is_code(code, NLE_OBJ_NOTFOUND))
    return nl_error(code, what);
  return ok();
}

Result<std::optional<int>> link_index(const std::string& name) {
  auto sock = open_route_socket();
  if (!sock) return std::move(sock).error().context("look up link " + quoted(name));
  rtnl_link* link = nullptr;
  if (int code = rtnl_link_get_kernel(sock->get(), 0, name.c_str(), &link); code < 0) {
    if (is_code(code, NLE_NODEV) || is_code(code, NLE_OBJ_NOTFOUND)) return std::optional<int>{};
    return nl_error(code, "look up link " + quoted(name));
  }
  Link owned{link};
  return std::optional<int>{rtnl_link_get_ifindex(link)};
}

namespace {

Result<std::vector<std::string>> link_names_of(nl_sock* sock) {
  nl_cache* cache = nullptr;
  if (int code = rtnl_link_alloc_cache(sock, AF_UNSPEC, &cache); code < 0) return nl_error(code, "list links");
  ScopeGuard free_cache([&] { nl_cache_free(cache); });
  std::vector<std::string> names;
  for (nl_object* object = nl_cache_get_first(cache); object != nullptr; object = nl_cache_get_next(object)) {
    const char* name = rtnl_link_get_name(reinterpret_cast<rtnl_link*>(object));
    if (name != nullptr) names.emplace_back(name);
  }
  return names;
}

}  // namespace

Result<std::vector<std::string>> link_names() {
  auto sock = open_route_socket();
  if (!sock) return std::move(sock).error().context("list links");
  return link_names_of(sock->get());
}

Result<std::vector<std::string>> link_names_in(int netns_fd) {
  auto sock = open_route_socket_in(netns_fd);
  if (!sock) return std::move(sock).error().context("list links");
  return link_names_of(sock->get());
}

Status connect_container(const ContainerInterface& interface, int netns_fd) {
  const std::string what = "connect " + quoted(interface.name) + " to bridge " + quoted(interface.bridge);
  auto host = open_route_socket();
  if (!host) return std::move(host).error().context(what);
  auto bridge = get_link(host->get(), interface.bridge);
  if (!bridge) return std::move(bridge).error().context(what);

  {
    std::unique_ptr<rtnl_link, void (*)(rtnl_link*)> veth{rtnl_link_veth_alloc(), rtnl_link_veth_release};
    if (!veth) return Error::internal(what + ": out of memory");
    rtnl_link_set_name(veth.get(), interface.host_name.c_str());
    rtnl_link_set_master(veth.get(), rtnl_link_get_ifindex(bridge->get()));
    rtnl_link_set_flags(veth.get(), IFF_UP);
    Link peer{rtnl_link_veth_get_peer(veth.get())};
    rtnl_link_set_name(peer.get(), interface.name.c_str());
    rtnl_link_set_ns_fd(peer.get(), netns_fd);
    nl_addr* mac = nullptr;
    if (int code = nl_addr_parse(interface.mac.c_str(), AF_LLC, &mac); code < 0)
      return nl_error(code, what + ": MAC address " + quoted(interface.mac));
    rtnl_link_set_addr(peer.get(), mac);
    nl_addr_put(mac);
    if (int code = rtnl_link_add(host->get(), veth.get(), NLM_F_CREATE | NLM_F_EXCL); code < 0)
      return nl_error(code, what + ": create veth pair " + quoted(interface.host_name));
  }
  ScopeGuard remove_pair([&] { (void)delete_link(interface.host_name); });

  auto inside = open_route_socket_in(netns_fd);
  if (!inside) return std::move(inside).error().context(what);
  auto eth = get_link(inside->get(), interface.name);
  if (!eth) return std::move(eth).error().context(what);
  const int ifindex = rtnl_link_get_ifindex(eth->get());
  GOCKER_TRY(add_address(inside->get(), ifindex, interface.address, interface.prefix, interface.name));
  GOCKER_TRY(set_up(inside->get(), interface.name));
  if (interface.default_route) {
    if (auto routed = add_default_route(inside->get(), ifindex, interface.gateway); !routed)
      return std::move(routed).error().context(what);
  }
  remove_pair.dismiss();
  return ok();
}

Status bring_up_loopback(int netns_fd) {
  auto inside = open_route_socket_in(netns_fd);
  if (!inside) return std::move(inside).error().context("bring lo up");
  return set_up(inside->get(), "lo");
}

Status write_sysctl(const std::string& key, const std::string& value) {
  const std::string path = "/proc/sys/" + key;
  UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
  if (!fd) return Error::from_errno(errno, "open " + quoted(path));
  const std::string line = value + "\n";
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return Error::from_errno(errno, "write " + quoted(path));
  return ok();
}

}  // namespace gocker::network
