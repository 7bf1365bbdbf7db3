#include <doctest/doctest.h>

#include "engine/user_lookup.hpp"

using namespace gocker::engine;

namespace {
constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/home:/bin/false\n"
    "app:x:1000:1000:app:/home/app:/bin/sh\n";
constexpr const char* kGroup =
    "root:x:0:\n"
    "wheel:x:10:root,app\n"
    "app:x:1000:\n"
    "staff:x:50:\n"
    "nogroup:x:65534:\n";
}  // namespace

TEST_CASE("empty user is root with its home") {
  auto user = resolve_user("", kPasswd, kGroup);
  REQUIRE(user);
  CHECK(user->uid == 0);
  CHECK(user->gid == 0);
  CHECK(user->home == "/root");
  CHECK(user->additional_gids == std::vector<uint32_t>{10});
}

TEST_CASE("names resolve through the image's passwd and group") {
  auto user = resolve_user("app", kPasswd, kGroup);
  REQUIRE(user);
  CHECK(user->uid == 1000);
  CHECK(user->gid == 1000);
  CHECK(user->additional_gids == std::vector<uint32_t>{10});
  auto with_group = resolve_user("nobody:staff", kPasswd, kGroup);
  REQUIRE(with_group);
  CHECK(with_group->uid == 65534);
  CHECK(with_group->gid == 50);
}

TEST_CASE("numeric ids need no entry") {
  auto user = resolve_user("1234:5678", kPasswd, kGroup);
  REQUIRE(user);
  CHECK(user->uid == 1234);
  CHECK(user->gid == 5678);
  CHECK(user->home == "/");
  auto uid_only = resolve_user("4321", "", "");
  REQUIRE(uid_only);
  CHECK(uid_only->gid == 0);
}

TEST_CASE("unknown names are clear errors") {
  auto user = resolve_user("ghost", kPasswd, kGroup);
  REQUIRE_FALSE(user);
  CHECK(user.error().message == "unable to find user ghost: no matching entries in passwd file");
  auto group = resolve_user("app:ghosts", kPasswd, kGroup);
  REQUIRE_FALSE(group);
  CHECK(group.error().message == "unable to find group ghosts: no matching entries in group file");
}
