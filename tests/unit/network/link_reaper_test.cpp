// LinkReaper against real links, in a network namespace of the test's own: a thread that
// unshares CLONE_NEWNET is alone in it, and the reaper's worker, started from that thread, too.
#include "network/link_reaper.hpp"

#include <doctest/doctest.h>
#include <sched.h>
#include <unistd.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>
#include <thread>

#include "network/netlink.hpp"

using namespace gocker;

namespace {

// Runs `body` on a thread in a new, empty network namespace; false when that is not allowed.
bool in_own_network_namespace(const std::function<void()>& body) {
  bool entered = false;
  std::thread worker([&] {
    if (::unshare(CLONE_NEWNET) != 0) return;
    entered = true;
    try {
      body();
    } catch (...) {
      // A failed REQUIRE throws; doctest has recorded it, and it must not end the thread uncaught.
    }
  });
  worker.join();
  return entered;
}

std::optional<int> index_of(const std::string& name) {
  auto index = network::link_index(name);
  REQUIRE_MESSAGE(index.has_value(), index.error().message);
  return *index;
}

}  // namespace

TEST_CASE("the link reaper deletes links by index: a new link of the same name stays") {
  const bool ran = in_own_network_namespace([] {
    network::LinkReaper reaper;
    REQUIRE(network::ensure_bridge("gk-reap0", 0x0a0b0c01, 24));
    const auto first = index_of("gk-reap0");
    REQUIRE(first.has_value());

    // What a quick restart does: the old link goes by name and a new one takes the name before
    // the worker gets to the index it was given.
    REQUIRE(network::delete_link("gk-reap0"));
    REQUIRE(network::ensure_bridge("gk-reap0", 0x0a0b0c01, 24));
    const auto second = index_of("gk-reap0");
    REQUIRE(second.has_value());
    CHECK(*second != *first);
    reaper.delete_later(*first);
    reaper.drain();
    CHECK(index_of("gk-reap0") == second);

    reaper.delete_later(*second);
    reaper.drain();
    CHECK_FALSE(index_of("gk-reap0").has_value());
    CHECK_FALSE(index_of("gk-absent").has_value());
  });
  if (!ran) MESSAGE("SKIP: needs CAP_SYS_ADMIN for a network namespace of its own");
}

TEST_CASE("the link reaper finishes what is queued before it stops") {
  const bool ran = in_own_network_namespace([] {
    std::vector<int> indexes;
    {
      network::LinkReaper reaper;
      for (const std::string name : {"gk-reap1", "gk-reap2", "gk-reap3"}) {
        REQUIRE(network::ensure_bridge(name, 0x0a0b0d01 + static_cast<uint32_t>(indexes.size()) * 256, 24));
        indexes.push_back(*index_of(name));
      }
      for (int index : indexes) reaper.delete_later(index);
    }
    for (const std::string name : {"gk-reap1", "gk-reap2", "gk-reap3"}) CHECK_FALSE(index_of(name).has_value());
  });
  if (!ran) MESSAGE("SKIP: needs CAP_SYS_ADMIN for a network namespace of its own");
}
