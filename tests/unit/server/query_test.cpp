#include "server/query.hpp"

#include <doctest/doctest.h>

using gocker::ErrorKind;
using namespace gocker::server;
using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("parse_bool follows dockerd's BoolValue") {
  for (const char* text : {"1", "true", "True", "TRUE", "yes", " 1 "}) CHECK_MESSAGE(parse_bool(text), text);
  for (const char* text : {"0", "false", "False", "", "no", "none", " 0"}) CHECK_MESSAGE(!parse_bool(text), text);
}

TEST_CASE("decode_filters reads the CLI's map of booleans") {
  auto filters = decode_filters(R"({"name":{"web":true},"status":{"running":true,"exited":true}})");
  REQUIRE(filters);
  CHECK(*filters == Pairs{{"name", "web"}, {"status", "exited"}, {"status", "running"}});
}

TEST_CASE("decode_filters reads docker-py's lists") {
  auto filters = decode_filters(R"({"name":["web"],"label":["a=b","c"]})");
  REQUIRE(filters);
  CHECK(*filters == Pairs{{"label", "a=b"}, {"label", "c"}, {"name", "web"}});
}

TEST_CASE("decode_filters: empty means none, garbage is a 400") {
  auto none = decode_filters("");
  REQUIRE(none);
  CHECK(none->empty());
  for (const char* text : {"{", "[]", R"({"name":"web"})", R"({"name":[1]})", R"({"name":{"web":"yes"}})"}) {
    auto bad = decode_filters(text);
    REQUIRE_MESSAGE(!bad, text);
    CHECK(bad.error().kind == ErrorKind::InvalidArgument);
  }
}

TEST_CASE("percent_decode handles escapes and plus") {
  CHECK(*percent_decode("a%2Fb+c%7b") == "a/b c{");
  CHECK(*percent_decode("") == "");
  for (const char* bad : {"%", "%2", "%zz", "a%g1"}) CHECK_MESSAGE(!percent_decode(bad), bad);
}

TEST_CASE("QueryParams decodes keys and values and reads typed values") {
  auto query = QueryParams::parse("all=1&limit=5&name=my%20web&empty=&flag&t=abc&filters=%7B%22name%22%3A%5B%22web%22%5D%7D");
  REQUIRE(query);
  CHECK(query->get_bool("all"));
  CHECK(!query->get_bool("missing"));
  CHECK(query->get_bool("missing", true));
  CHECK(!query->get_bool("empty", true));  // present but empty is false, as dockerd
  CHECK(*query->get("name") == "my web");
  CHECK(*query->get("flag") == "");
  CHECK(query->get_or("missing", "x") == "x");
  CHECK(**query->get_int("limit") == 5);
  CHECK(!query->get_int("missing")->has_value());
  CHECK(!query->get_int("empty")->has_value());
  auto bad = query->get_int("t");
  REQUIRE(!bad);
  CHECK(bad.error().kind == ErrorKind::InvalidArgument);
  CHECK(*query->get("filters") == R"({"name":["web"]})");
}
