#include "server/router.hpp"

#include <doctest/doctest.h>

#include "server/error_status.hpp"

using gocker::ErrorKind;
using namespace gocker::server;

TEST_CASE("split_api_version strips a served version prefix") {
  auto versioned = split_api_version("/v1.41/containers/json");
  REQUIRE(versioned);
  CHECK(versioned->path == "/containers/json");
  CHECK(versioned->api_version == "1.41");

  auto oldest = split_api_version("/v1.24/_ping");
  REQUIRE(oldest);
  CHECK(oldest->path == "/_ping");

  auto plain = split_api_version("/containers/json");
  REQUIRE(plain);
  CHECK(plain->path == "/containers/json");
  CHECK(plain->api_version.empty());

  // "/version" starts with "/v" but is a route, not a version prefix.
  auto version_route = split_api_version("/version");
  REQUIRE(version_route);
  CHECK(version_route->path == "/version");
  auto versioned_version = split_api_version("/v1.40/version");
  REQUIRE(versioned_version);
  CHECK(versioned_version->path == "/version");
}

TEST_CASE("split_api_version rejects versions outside the served range with dockerd's wording") {
  auto too_new = split_api_version("/v1.99/_ping");
  REQUIRE(!too_new);
  CHECK(too_new.error().kind == ErrorKind::InvalidArgument);
  CHECK(too_new.error().message == "client version 1.99 is too new. Maximum supported API version is 1.41");

  auto too_old = split_api_version("/v1.12/containers/json");
  REQUIRE(!too_old);
  CHECK(too_old.error().message ==
        "client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version");
  // Numeric, not lexical: 1.100 > 1.41 and 1.9 < 1.24.
  CHECK(!split_api_version("/v1.100/_ping"));
  CHECK(!split_api_version("/v1.9/_ping"));
}

TEST_CASE("compare_api_versions compares numerically") {
  CHECK(compare_api_versions("1.41", "1.41") == 0);
  CHECK(compare_api_versions("1.9", "1.24") < 0);
  CHECK(compare_api_versions("1.100", "1.41") > 0);
  CHECK(compare_api_versions("2", "1.41") > 0);
  CHECK(compare_api_versions("1.41.0", "1.41") == 0);
}

TEST_CASE("match_route finds routes, path parameters, and tells 404 from 405") {
  auto inspect = match_route(http::verb::get, "/containers/web%2D1/json");
  REQUIRE(inspect.route != nullptr);
  CHECK(inspect.route->path == "/containers/{id}/json");
  CHECK(inspect.params.get("id") == "web-1");

  // "json" is a literal route and also fits "{id}" of DELETE /containers/{id}: the method decides.
  auto list = match_route(http::verb::get, "/containers/json");
  REQUIRE(list.route != nullptr);
  CHECK(list.route->path == "/containers/json");
  auto remove = match_route(http::verb::delete_, "/containers/4f2a");
  REQUIRE(remove.route != nullptr);
  CHECK(remove.params.get("id") == "4f2a");

  auto wrong_method = match_route(http::verb::put, "/containers/web/start");
  CHECK(wrong_method.route == nullptr);
  CHECK(wrong_method.allowed_methods == std::vector<http::verb>{http::verb::post});

  auto unknown = match_route(http::verb::get, "/nothing/here");
  CHECK(unknown.route == nullptr);
  CHECK(unknown.allowed_methods.empty());
  CHECK(match_route(http::verb::get, "/containers//json").route == nullptr);  // empty id
  CHECK(match_route(http::verb::get, "/containers/json/").route == nullptr);  // as dockerd: no slash stripping
  CHECK(match_route(http::verb::get, "/containers/web%zz/json").route == nullptr);  // not percent-encoding
  auto two_captures = match_route(http::verb::get, "/containers/web/archive");
  REQUIRE(two_captures.route != nullptr);
  CHECK(two_captures.params.get("id") == "web");
}

TEST_CASE("an image name may span path segments, as the docker CLI sends it unescaped") {
  auto full = match_route(http::verb::get, "/images/docker.io/library/busybox:latest/json");
  REQUIRE(full.route != nullptr);
  CHECK(full.route->path == "/images/{name*}/json");
  CHECK(full.params.get("name") == "docker.io/library/busybox:latest");
  auto registry = match_route(http::verb::get, "/images/127.0.0.1%3A5000/me/base/json");
  REQUIRE(registry.route != nullptr);
  CHECK(registry.params.get("name") == "127.0.0.1:5000/me/base");
  auto short_name = match_route(http::verb::get, "/images/busybox/json");
  REQUIRE(short_name.route != nullptr);
  CHECK(short_name.params.get("name") == "busybox");
  CHECK(match_route(http::verb::get, "/images/json").route->path == "/images/json");
  CHECK(match_route(http::verb::get, "/images//json").route == nullptr);
  auto tagged = match_route(http::verb::post, "/images/registry.example:5000/team/app/tag");
  REQUIRE(tagged.route != nullptr);
  CHECK(tagged.params.get("name") == "registry.example:5000/team/app");
  auto specs = route_specs();
  CHECK(std::count(specs.begin(), specs.end(), RouteSpec{"GET", "/images/{name}/json"}) == 1);
}

TEST_CASE("route_specs lists every route of issue 3 once") {
  auto specs = route_specs();
  for (const RouteSpec& expected : std::vector<RouteSpec>{
           {"GET", "/_ping"}, {"HEAD", "/_ping"}, {"GET", "/version"}, {"GET", "/info"}, {"GET", "/images/json"},
           {"POST", "/containers/create"}, {"GET", "/containers/json"}, {"GET", "/containers/{id}/json"},
           {"POST", "/containers/{id}/start"}, {"POST", "/containers/{id}/stop"}, {"POST", "/containers/{id}/kill"},
           {"POST", "/containers/{id}/wait"}, {"POST", "/containers/{id}/attach"}, {"POST", "/containers/{id}/resize"},
           {"GET", "/containers/{id}/logs"}, {"DELETE", "/containers/{id}"}}) {
    CHECK_MESSAGE(std::count(specs.begin(), specs.end(), expected) == 1, expected.method, " ", expected.path);
  }
}

TEST_CASE("validate_container_name follows dockerd's pattern, also taking one character") {
  for (const char* name : {"", "web", "/web", "w1", "a_b.c-d", "0abc", "w", "/w", "7"})
    CHECK_MESSAGE(validate_container_name(name), name);
  for (const char* name : {"_", "_web", "-web", "web!", "we b", "/", "//web", "web/x"}) {
    auto valid = validate_container_name(name);
    REQUIRE_MESSAGE(!valid, name);
    CHECK(valid.error().message ==
          "Invalid container name (" + std::string(name) + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
}

TEST_CASE("each ErrorKind maps to exactly Docker's status") {
  CHECK(http_status_for(ErrorKind::NotFound) == http::status::not_found);
  CHECK(http_status_for(ErrorKind::Conflict) == http::status::conflict);
  CHECK(http_status_for(ErrorKind::InvalidArgument) == http::status::bad_request);
  CHECK(http_status_for(ErrorKind::NotModified) == http::status::not_modified);
  CHECK(http_status_for(ErrorKind::Unavailable) == http::status::service_unavailable);
  CHECK(http_status_for(ErrorKind::Internal) == http::status::internal_server_error);

  Response not_found = error_response(gocker::Error::not_found("No such container: x"));
  CHECK(not_found.result() == http::status::not_found);
  CHECK(not_found[http::field::content_type] == "application/json");
  CHECK(not_found.body() == "{\"message\":\"No such container: x\"}\n");

  Response not_modified = error_response(gocker::Error{ErrorKind::NotModified, 0, "already started"});
  CHECK(not_modified.result() == http::status::not_modified);
  CHECK(not_modified.body().empty());
}
