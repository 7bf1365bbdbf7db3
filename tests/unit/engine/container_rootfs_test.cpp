#include <doctest/doctest.h>

#include "engine/container_rootfs.hpp"

using namespace gocker::engine;

TEST_CASE("container rootfs: overlay options, volatile only when asked") {
  const RootfsLayout layout{"/var/lib/gocker/containers/abc"};
  const std::vector<std::string> lowers = {"/layers/top", "/layers/base"};
  CHECK(overlay_mount_options(lowers, layout) ==
        "lowerdir=/layers/top:/layers/base,upperdir=/var/lib/gocker/containers/abc/upper,"
        "workdir=/var/lib/gocker/containers/abc/work");
  CHECK(overlay_mount_options(lowers, layout, UpperSync::Synced) == overlay_mount_options(lowers, layout));
  CHECK(overlay_mount_options(lowers, layout, UpperSync::Volatile) ==
        "lowerdir=/layers/top:/layers/base,upperdir=/var/lib/gocker/containers/abc/upper,"
        "workdir=/var/lib/gocker/containers/abc/work,volatile");
}
