// The registry client's pure parts: WWW-Authenticate parsing, X-Registry-Auth decoding, manifest
// parsing and platform selection.
#include <doctest/doctest.h>

#include "engine/registry_distribution.hpp"
#include "engine/registry_http.hpp"
#include "engine/registry_service.hpp"

using namespace gocker::engine;

namespace {
const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');
}  // namespace

TEST_CASE("a bearer challenge's parameters, quoted values with commas included") {
  auto challenge = parse_auth_challenge(
      R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push")");
  CHECK(challenge.scheme == "bearer");
  CHECK(challenge.parameters["realm"] == "https://auth.example/token");
  CHECK(challenge.parameters["service"] == "registry.example");
  CHECK(challenge.parameters["scope"] == "repository:a/b:pull,push");
  CHECK(parse_auth_challenge("Basic realm=\"Registry Realm\"").scheme == "basic");
}

TEST_CASE("a token request: one scope parameter per scope, account with a user, values percent-encoded") {
  CHECK(token_request_url("https://auth.example/token", "registry.example", "repository:a/b:pull", "") ==
        "https://auth.example/token?service=registry.example&scope=repository%3Aa%2Fb%3Apull");
  // A push that may mount from another repository asks for both, as docker's client does.
  CHECK(token_request_url("http://127.0.0.1:5003/token", "svc", "repository:me/app:pull,push repository:me/base:pull",
                          "alice") ==
        "http://127.0.0.1:5003/token?service=svc&scope=repository%3Ame%2Fapp%3Apull%2Cpush"
        "&scope=repository%3Ame%2Fbase%3Apull&account=alice");
  // A realm with a query of its own; no service, no scope (login).
  CHECK(token_request_url("https://auth.example/token?client=x", "", "", "a b") ==
        "https://auth.example/token?client=x&account=a%20b");
  // A login asks for a refresh token too.
  CHECK(token_request_url("https://auth.example/token", "svc", "", "alice", true) ==
        "https://auth.example/token?service=svc&account=alice&offline_token=true&client_id=gocker");
}

TEST_CASE("an identity token is exchanged with a form: grant_type=refresh_token, the scopes in one value") {
  CHECK(oauth_refresh_form("registry.example", "repository:me/app:pull,push repository:me/base:pull", "r/t+1") ==
        "grant_type=refresh_token&refresh_token=r%2Ft%2B1&service=registry.example&client_id=gocker"
        "&scope=repository%3Ame%2Fapp%3Apull%2Cpush%20repository%3Ame%2Fbase%3Apull");
  CHECK(oauth_refresh_form("svc", "", "t") == "grant_type=refresh_token&refresh_token=t&service=svc&client_id=gocker");
}

TEST_CASE("base64 round trip; X-Registry-Auth in base64url without padding") {
  CHECK(base64_encode("user:pass") == "dXNlcjpwYXNz");
  CHECK(base64_decode("dXNlcjpwYXNz") == std::optional<std::string>("user:pass"));
  // {"username":"me","password":"p?>"} has '+'/'/' positions in base64; base64url swaps them.
  const std::string json = R"({"username":"me","password":"p?>?"})";
  std::string url = base64_encode(json);
  for (char& c : url) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!url.empty() && url.back() == '=') url.pop_back();
  auto credentials = decode_registry_auth(url);
  REQUIRE(credentials);
  CHECK(credentials->username == "me");
  CHECK(credentials->password == "p?>?");
  CHECK(decode_registry_auth("e30=")->empty());
  CHECK(decode_registry_auth("")->empty());
  CHECK_FALSE(decode_registry_auth(base64_encode("not json")));
}

TEST_CASE("manifests: schema2 and OCI parse, foreign layers and bad digests are refused") {
  const std::string manifest = R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")" + kDigestA +
                               R"(","size":10},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":")" +
                               kDigestB + R"(","size":20}]})";
  auto parsed = parse_image_manifest(manifest, kOciManifestType);
  REQUIRE(parsed);
  CHECK(parsed->config.digest == kDigestA);
  REQUIRE(parsed->layers.size() == 1);
  CHECK(parsed->layers[0].size == 20);
  CHECK_FALSE(parse_image_manifest(manifest, kOciIndexType));
  std::string foreign = manifest;
  foreign.replace(foreign.find("application/vnd.oci.image.layer.v1.tar+zstd"), 43,
                  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip");
  CHECK_FALSE(parse_image_manifest(foreign, kDockerManifestType));
  std::string bad = manifest;
  bad.replace(bad.find(kDigestB), kDigestB.size(), "sha256:../../etc");
  CHECK_FALSE(parse_image_manifest(bad, kOciManifestType));
}

TEST_CASE("an index resolves to the linux entry of the wanted architecture") {
  const std::string index = R"({"manifests":[
    {"digest":")" + kDigestA + R"(","size":1,"platform":{"os":"linux","architecture":"arm64"}},
    {"digest":")" + kDigestB + R"(","size":2,"platform":{"os":"linux","architecture":"amd64"}}]})";
  auto amd64 = select_platform(index, "amd64");
  REQUIRE(amd64);
  CHECK(amd64->digest == kDigestB);
  CHECK(select_platform(index, "arm64")->digest == kDigestA);
  CHECK_FALSE(select_platform(index, "s390x"));
}
