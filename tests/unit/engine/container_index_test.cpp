#include <doctest/doctest.h>

#include "engine/container_index.hpp"

using namespace gocker;
using namespace gocker::engine;

TEST_CASE("containers resolve by id, name, and unique prefix") {
  ContainerIndex index;
  const std::string a = "abc123" + std::string(58, '0');
  const std::string b = "abd456" + std::string(58, '1');
  REQUIRE(index.add(a, "web"));
  REQUIRE(index.add(b, "db"));
  CHECK(index.resolve(a).value() == a);
  CHECK(index.resolve("web").value() == a);
  CHECK(index.resolve("/db").value() == b);
  CHECK(index.resolve("abc").value() == a);
  CHECK(index.resolve("abd4").value() == b);

  auto ambiguous = index.resolve("ab");
  REQUIRE_FALSE(ambiguous);
  CHECK(ambiguous.error().kind == ErrorKind::InvalidArgument);

  auto missing = index.resolve("zzz");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::NotFound);
  CHECK(missing.error().message == "No such container: zzz");
}

TEST_CASE("a name is taken until its container is removed") {
  ContainerIndex index;
  REQUIRE(index.add("1111", "web"));
  auto duplicate = index.add("2222", "web");
  REQUIRE_FALSE(duplicate);
  CHECK(duplicate.error().kind == ErrorKind::Conflict);
  CHECK(duplicate.error().message.find("\"/web\" is already in use by container \"1111\"") != std::string::npos);
  index.remove("1111");
  CHECK(index.add("2222", "web"));
  CHECK_FALSE(index.resolve("1111"));
}

TEST_CASE("an exact name wins over an id prefix") {
  ContainerIndex index;
  REQUIRE(index.add("beef" + std::string(60, '0'), "other"));
  REQUIRE(index.add("cafe" + std::string(60, '0'), "beef"));
  CHECK(index.resolve("beef").value() == "cafe" + std::string(60, '0'));
}
