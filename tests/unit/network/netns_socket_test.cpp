// NetnsSocketOpener with real namespaces: a socket it opens belongs to the namespace asked for,
// and neither the caller nor later requests are left in another one.
#include "network/netns_socket.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

using namespace gocker;

namespace {

ino_t inode_of(int fd) {
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  return st.st_ino;
}

// The network namespace a socket was made in (SIOCGSKNS hands back an fd of it).
ino_t netns_of_socket(int sock) {
  UniqueFd ns{::ioctl(sock, SIOCGSKNS)};
  REQUIRE_MESSAGE(ns, "SIOCGSKNS: ", errno);
  return inode_of(ns.get());
}

// An fd of a new, empty network namespace, made by a thread that ends.
UniqueFd new_network_namespace() {
  UniqueFd ns;
  std::thread maker([&] {
    if (::unshare(CLONE_NEWNET) == 0) ns = UniqueFd{::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)};
  });
  maker.join();
  return ns;
}

}  // namespace

TEST_CASE("a socket from the netns opener belongs to the namespace asked for, and the opener serves many") {
  if (::geteuid() != 0) {
    MESSAGE("SKIP: making network namespaces needs root");
    return;
  }
  UniqueFd first = new_network_namespace();
  UniqueFd second = new_network_namespace();
  REQUIRE(first);
  REQUIRE(second);
  UniqueFd home{::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)};
  REQUIRE(home);

  network::NetnsSocketOpener opener;
  for (int round = 0; round < 3; ++round) {
    for (const UniqueFd* ns : {&first, &second, &home}) {
      auto sock = opener.open(ns->get(), AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
      REQUIRE_MESSAGE(sock, (sock ? "" : sock.error().message));
      CHECK(netns_of_socket(sock->get()) == inode_of(ns->get()));
      CHECK((::fcntl(sock->get(), F_GETFD) & FD_CLOEXEC) != 0);
    }
  }
  // The caller never moved.
  UniqueFd still{::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)};
  CHECK(inode_of(still.get()) == inode_of(home.get()));

  // Not a namespace: a clear error, and the opener keeps serving.
  UniqueFd not_a_namespace{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  auto refused = opener.open(not_a_namespace.get(), AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("network namespace") != std::string::npos);
  auto again = opener.open(first.get(), AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  REQUIRE(again);
  CHECK(netns_of_socket(again->get()) == inode_of(first.get()));
}
