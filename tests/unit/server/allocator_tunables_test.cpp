#include "server/allocator_tunables.hpp"

#include <doctest/doctest.h>

using gocker::server::tunables_without_tcache;

TEST_CASE("allocator tunables: the tcache is turned off, other tunables kept, an operator's tcache setting wins") {
  CHECK(tunables_without_tcache(nullptr) == "glibc.malloc.tcache_count=0");
  CHECK(tunables_without_tcache("") == "glibc.malloc.tcache_count=0");
  CHECK(tunables_without_tcache("glibc.malloc.arena_max=2") ==
        "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0");
  CHECK(tunables_without_tcache("glibc.malloc.tcache_count=3") == std::nullopt);
  CHECK(tunables_without_tcache("glibc.malloc.arena_max=2:glibc.malloc.tcache_count=7") == std::nullopt);
  // A different tunable whose name starts the same is not the tcache count.
  CHECK(tunables_without_tcache("glibc.malloc.tcache_count_x=1") ==
        "glibc.malloc.tcache_count_x=1:glibc.malloc.tcache_count=0");
}
