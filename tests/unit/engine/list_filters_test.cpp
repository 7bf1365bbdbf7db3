#include "engine/list_filters.hpp"

#include <doctest/doctest.h>

namespace gocker::engine {
namespace {

struct Fixture {
  std::map<std::string, std::string> labels{{"tier", "web"}, {"team", "a"}};
  ListedContainer container() const {
    ListedContainer c;
    c.id = "3f2a0000000000000000000000000000000000000000000000000000000000aa";
    c.name = "web-1";
    c.status = "exited";
    c.exit_code = 3;
    c.image_ref = "busybox";
    c.image_id = "sha256:abcdef0123456789";
    c.created_at = "2024-05-01T12:00:00.000000002Z";
    c.labels = &labels;
    return c;
  }
};

bool matches(const ListedContainer& c, ListFilters filters, CreationBounds bounds = {}) {
  return matches_list_filters(c, filters, bounds);
}

TEST_CASE("ps filters: each key") {
  Fixture f;
  auto c = f.container();
  CHECK(matches(c, {}));
  CHECK(matches(c, {{"id", "3f2a"}}));
  CHECK_FALSE(matches(c, {{"id", "2a"}}));
  CHECK(matches(c, {{"name", "web"}}));
  CHECK(matches(c, {{"name", "^/web-1$"}}));  // docker matches regexps against "/name"
  CHECK_FALSE(matches(c, {{"name", "^web-2"}}));
  CHECK(matches(c, {{"status", "exited"}}));
  CHECK_FALSE(matches(c, {{"status", "running"}}));
  CHECK(matches(c, {{"exited", "3"}}));
  CHECK_FALSE(matches(c, {{"exited", "0"}}));
  CHECK(matches(c, {{"label", "tier"}}));
  CHECK(matches(c, {{"label", "tier=web"}}));
  CHECK_FALSE(matches(c, {{"label", "tier=db"}}));
  CHECK_FALSE(matches(c, {{"label", "missing"}}));
  CHECK(matches(c, {{"ancestor", "busybox"}}));
  CHECK(matches(c, {{"ancestor", "busybox:latest"}}));
  CHECK(matches(c, {{"ancestor", "abcdef01"}}));
  CHECK_FALSE(matches(c, {{"ancestor", "alpine"}}));
}

TEST_CASE("ps filters: same key any value, different keys all") {
  Fixture f;
  auto c = f.container();
  CHECK(matches(c, {{"status", "running"}, {"status", "exited"}}));
  CHECK(matches(c, {{"label", "tier=web"}, {"status", "exited"}}));
  CHECK_FALSE(matches(c, {{"label", "tier=web"}, {"status", "running"}}));
  CHECK(matches(c, {{"label", "tier=web"}, {"label", "team=a"}, {"status", "exited"}}) );
}

TEST_CASE("ps filters: exited only matches exited containers") {
  Fixture f;
  auto c = f.container();
  c.status = "running";
  c.exit_code = 0;
  CHECK_FALSE(matches(c, {{"exited", "0"}}));
}

TEST_CASE("ps filters: before and since compare creation times") {
  Fixture f;
  auto c = f.container();
  CreationBounds before;
  before.before = "2024-05-01T12:00:01Z";
  CHECK(matches(c, {{"before", "x"}}, before));
  before.before = c.created_at;  // not the reference container itself
  CHECK_FALSE(matches(c, {{"before", "x"}}, before));
  CreationBounds since;
  since.since = "2024-05-01T11:59:59Z";
  CHECK(matches(c, {{"since", "x"}}, since));
  since.since = "2024-05-01T12:00:01Z";
  CHECK_FALSE(matches(c, {{"since", "x"}}, since));
}

TEST_CASE("ps filters: validation in dockerd's words") {
  CHECK(validate_list_filters({{"status", "paused"}, {"exited", "137"}, {"label", "a=b"}}));
  auto unknown = validate_list_filters({{"colour", "red"}});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind == ErrorKind::InvalidArgument);
  CHECK(unknown.error().message == "invalid filter 'colour'");
  CHECK(validate_list_filters({{"status", "sleeping"}}).error().message == "invalid filter 'status=sleeping'");
  CHECK_FALSE(validate_list_filters({{"exited", "abc"}}));
  CHECK(list_filters_show_stopped({{"status", "exited"}}));
  CHECK(list_filters_show_stopped({{"since", "x"}}));
  CHECK_FALSE(list_filters_show_stopped({{"name", "x"}}));
}

}  // namespace
}  // namespace gocker::engine
