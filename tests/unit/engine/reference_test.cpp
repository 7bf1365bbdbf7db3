#include "engine/reference.hpp"

#include <doctest/doctest.h>

#include <string>

namespace gocker::engine {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'e');

std::string normalized(const std::string& text) {
  auto result = normalize_reference(text);
  REQUIRE_MESSAGE(result.has_value(), text << ": " << (result ? "" : result.error().message));
  return result.value();
}

TEST_CASE("reference: familiar names normalize as Docker's") {
  CHECK(normalized("busybox") == "docker.io/library/busybox:latest");
  CHECK(normalized("busybox:latest") == "docker.io/library/busybox:latest");
  CHECK(normalized("busybox:1.36.1") == "docker.io/library/busybox:1.36.1");
  CHECK(normalized("library/busybox") == "docker.io/library/busybox:latest");
  CHECK(normalized("docker.io/busybox") == "docker.io/library/busybox:latest");
  CHECK(normalized("docker.io/library/busybox:latest") == "docker.io/library/busybox:latest");
  CHECK(normalized("index.docker.io/library/busybox") == "docker.io/library/busybox:latest");
  CHECK(normalized("docker/docker") == "docker.io/docker/docker:latest");
  CHECK(normalized("me/app:v1_2-rc.3") == "docker.io/me/app:v1_2-rc.3");
  CHECK(normalized("library/a/b") == "docker.io/library/a/b:latest");
  CHECK(normalized("ab_c__d---e/f") == "docker.io/ab_c__d---e/f:latest");
  CHECK(normalized("a.b_c") == "docker.io/library/a.b_c:latest");
  // A first component with a "." is a registry host, so it must be a valid one.
  CHECK_FALSE(parse_reference("a.b_c/f"));
}

TEST_CASE("reference: registry hosts stay as written") {
  CHECK(normalized("localhost/app") == "localhost/app:latest");
  CHECK(normalized("localhost:5000/foo/bar:tag") == "localhost:5000/foo/bar:tag");
  CHECK(normalized("127.0.0.1:5000/tools/alpine-like:3") == "127.0.0.1:5000/tools/alpine-like:3");
  CHECK(normalized("192.168.0.1/debian") == "192.168.0.1/debian:latest");
  CHECK(normalized("example.com/debian") == "example.com/debian:latest");
  CHECK(normalized("xn--n3h.com/myimage") == "xn--n3h.com/myimage:latest");
  CHECK(normalized("[::1]:5000/app") == "[::1]:5000/app:latest");
  // An uppercase first component can only be a host (newer distribution/reference).
  CHECK(normalized("Registry/app") == "Registry/app:latest");
  // Without a "/", "localhost:5000" is a Hub name with a tag, as in Docker.
  CHECK(normalized("localhost:5000") == "docker.io/library/localhost:5000");
}

TEST_CASE("reference: digests, with and without a tag") {
  CHECK(normalized("busybox@" + kDigest) == "docker.io/library/busybox@" + kDigest);
  CHECK(normalized("busybox:1@" + kDigest) == "docker.io/library/busybox:1@" + kDigest);
  CHECK(normalized("localhost:5000/a/b@" + kDigest) == "localhost:5000/a/b@" + kDigest);

  auto parsed = parse_reference("localhost:5000/a/b:t@" + kDigest);
  REQUIRE(parsed);
  CHECK(parsed->domain == "localhost:5000");
  CHECK(parsed->path == "a/b");
  CHECK(parsed->tag == "t");
  CHECK(parsed->digest == kDigest);
}

TEST_CASE("reference: parse_reference adds no tag; with_default_tag does") {
  auto parsed = parse_reference("busybox");
  REQUIRE(parsed);
  CHECK(parsed->domain == "docker.io");
  CHECK(parsed->path == "library/busybox");
  CHECK(parsed->tag.empty());
  CHECK(parsed->string() == "docker.io/library/busybox");
  CHECK(with_default_tag(parsed.value()).tag == "latest");
}

TEST_CASE("reference: the familiar form for display") {
  CHECK(familiar_reference("docker.io/library/busybox:latest") == "busybox:latest");
  CHECK(familiar_reference("docker.io/me/app:1") == "me/app:1");
  CHECK(familiar_reference("docker.io/library/a/b:latest") == "library/a/b:latest");
  CHECK(familiar_reference("localhost:5000/app:latest") == "localhost:5000/app:latest");
  CHECK(familiar_reference("docker.io/library/busybox@" + kDigest) == "busybox@" + kDigest);
  CHECK(familiar_reference("<none>:<none>") == "<none>:<none>");
}

TEST_CASE("reference: invalid references are InvalidArgument") {
  const std::string invalid[] = {
      "",
      "Busybox",
      "docker/Docker",
      "docker.io/docker/Docker",
      "busy box",
      "busybox:",
      ":tag",
      "busybox:-tag",
      "busybox:" + std::string(129, 't'),
      "busybox@sha256:abc",
      "busybox@md5:" + std::string(32, 'a'),
      "busybox@sha256:" + std::string(64, 'E'),
      "-docker",
      "docker-",
      "-docker/docker",
      "-docker.io/docker/docker",
      "docker///docker",
      "docker.io/docker///docker",
      "foo/",
      "/foo",
      "a:b:c",
      "https://github.com/docker/docker",
      "bad_host_.com/app",
      "host:port/app",
      "a..b",
      "a._b",
      std::string(64, 'a'),  // a bare image id is not a repository name
      std::string(256, 'a'),
  };
  for (const std::string& text : invalid) {
    auto result = parse_reference(text);
    CHECK_MESSAGE(!result.has_value(), "accepted: " << text);
    if (!result) {
      CHECK(result.error().kind == ErrorKind::InvalidArgument);
      CHECK(result.error().message.find("invalid") != std::string::npos);
    }
  }
  auto uppercase = parse_reference("Busybox");
  REQUIRE_FALSE(uppercase);
  CHECK(uppercase.error().message ==
        "invalid reference format: repository name (library/Busybox) must be lowercase");
}

}  // namespace
}  // namespace gocker::engine
