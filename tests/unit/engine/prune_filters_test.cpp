#include "engine/prune_filters.hpp"

#include <doctest/doctest.h>

namespace gocker::engine {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kNow = 1'764'756'000 * kSecond;  // 2025-12-03T10:00:00Z

using Filters = std::vector<std::pair<std::string, std::string>>;

}  // namespace

TEST_CASE("Go durations as the docker CLI's users type them") {
  CHECK(parse_go_duration("24h") == 24 * 3600 * kSecond);
  CHECK(parse_go_duration("1h30m") == 5400 * kSecond);
  CHECK(parse_go_duration("1.5h") == 5400 * kSecond);
  CHECK(parse_go_duration("300ms") == 300'000'000);
  CHECK(parse_go_duration("-10s") == -10 * kSecond);
  CHECK(parse_go_duration("0") == 0);
  CHECK(parse_go_duration("2us") == 2000);
  CHECK_FALSE(parse_go_duration("10"));  // a unit is required but for "0"
  CHECK_FALSE(parse_go_duration("h"));
  CHECK_FALSE(parse_go_duration("10d"));
  CHECK_FALSE(parse_go_duration(""));
  CHECK_FALSE(parse_go_duration("1..5h"));
}

TEST_CASE("until: a duration before now, an RFC 3339 time, a date or unix seconds") {
  CHECK(parse_until_time("1h", kNow) == kNow - 3600 * kSecond);
  CHECK(parse_until_time("2025-12-03T09:00:00Z", kNow) == kNow - 3600 * kSecond);
  CHECK(parse_until_time("2025-12-03T09:00:00.5Z", kNow) == kNow - 3600 * kSecond + kSecond / 2);
  CHECK(parse_until_time("2025-12-03", kNow) == kNow - 10 * 3600 * kSecond);
  CHECK(parse_until_time("1764756000", kNow) == kNow);
  CHECK(parse_until_time("1764756000.25", kNow) == kNow + kSecond / 4);
  CHECK(parse_until_time("0", kNow) == 0);  // the epoch, not "now minus nothing"
  CHECK_FALSE(parse_until_time("yesterday", kNow));
  CHECK_FALSE(parse_until_time("2025-13-03", kNow));
  CHECK_FALSE(parse_until_time("2025-12-03T09:00", kNow));
}

TEST_CASE("image prune filters: dangling by default, dangling=false for every unused image") {
  auto defaults = parse_prune_filters({}, PruneTarget::Images, kNow);
  REQUIRE(defaults);
  CHECK(defaults->dangling_only);
  CHECK_FALSE(defaults->until_nanos);

  auto all = parse_prune_filters(Filters{{"dangling", "false"}}, PruneTarget::Images, kNow);
  REQUIRE(all);
  CHECK_FALSE(all->dangling_only);
  CHECK(parse_prune_filters(Filters{{"dangling", "0"}}, PruneTarget::Images, kNow)->dangling_only == false);
  CHECK(parse_prune_filters(Filters{{"dangling", "TRUE"}}, PruneTarget::Images, kNow)->dangling_only == true);

  auto bad = parse_prune_filters(Filters{{"dangling", "maybe"}}, PruneTarget::Images, kNow);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::InvalidArgument);
  CHECK(bad.error().message == "invalid filter 'dangling=maybe'");
  CHECK_FALSE(parse_prune_filters(Filters{{"dangling", "true"}, {"dangling", "false"}}, PruneTarget::Images, kNow));
}

TEST_CASE("unknown keys, a second until, or an until that does not parse are refused") {
  auto unknown = parse_prune_filters(Filters{{"name", "x"}}, PruneTarget::Images, kNow);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "invalid filter 'name'");
  // dangling is an image filter only.
  auto dangling = parse_prune_filters(Filters{{"dangling", "true"}}, PruneTarget::Containers, kNow);
  REQUIRE_FALSE(dangling);
  CHECK(dangling.error().message == "invalid filter 'dangling'");
  auto twice = parse_prune_filters(Filters{{"until", "1h"}, {"until", "2h"}}, PruneTarget::Containers, kNow);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().kind == ErrorKind::InvalidArgument);
  auto garbled = parse_prune_filters(Filters{{"until", "soon"}}, PruneTarget::Containers, kNow);
  REQUIRE_FALSE(garbled);
  CHECK(garbled.error().message.find("until=soon") != std::string::npos);
}

TEST_CASE("selection: until keeps newer ones, label needs all, label! spares those with all of them") {
  auto parsed = parse_prune_filters(Filters{{"until", "1h"}}, PruneTarget::Containers, kNow);
  REQUIRE(parsed);
  CHECK(prune_filters_select(*parsed, {}, kNow - 2 * 3600 * kSecond));
  CHECK(prune_filters_select(*parsed, {}, kNow - 3600 * kSecond));  // at the bound: pruned
  CHECK_FALSE(prune_filters_select(*parsed, {}, kNow - 60 * kSecond));

  const std::map<std::string, std::string> labels{{"tier", "web"}, {"keep", "yes"}};
  auto with = parse_prune_filters(Filters{{"label", "tier"}, {"label", "keep=yes"}}, PruneTarget::Images, kNow);
  REQUIRE(with);
  CHECK(prune_filters_select(*with, labels, 0));
  CHECK_FALSE(prune_filters_select(*with, {{"tier", "web"}}, 0));
  CHECK_FALSE(prune_filters_select(*with, {}, 0));
  auto value = parse_prune_filters(Filters{{"label", "tier=db"}}, PruneTarget::Images, kNow);
  CHECK_FALSE(prune_filters_select(*value, labels, 0));

  auto without = parse_prune_filters(Filters{{"label!", "keep"}}, PruneTarget::Containers, kNow);
  REQUIRE(without);
  CHECK_FALSE(prune_filters_select(*without, labels, 0));
  CHECK(prune_filters_select(*without, {{"tier", "web"}}, 0));
  CHECK(prune_filters_select(*without, {}, 0));
  // moby's MatchKVList: several label! values spare only what carries every one of them.
  auto both = parse_prune_filters(Filters{{"label!", "keep"}, {"label!", "tier=db"}}, PruneTarget::Containers, kNow);
  CHECK(prune_filters_select(*both, labels, 0));
  CHECK_FALSE(prune_filters_select(*both, {{"keep", "x"}, {"tier", "db"}}, 0));
}

}  // namespace gocker::engine
