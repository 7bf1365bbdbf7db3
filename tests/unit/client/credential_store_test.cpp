// gockerctl's saved registry credentials: the keys docker uses, the file it writes, and the
// X-Registry-Auth value pulls and pushes send.
#include "client/credential_store.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

using namespace gocker::client;
namespace fs = std::filesystem;

namespace {

struct TempConfig {
  fs::path dir;
  TempConfig() {
    char name[] = "/tmp/gocker-creds.XXXXXX";
    dir = ::mkdtemp(name);
  }
  ~TempConfig() { fs::remove_all(dir); }
  std::string path() const { return (dir / "config.json").string(); }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("registry keys: Docker Hub's legacy index address, else host[:port]") {
  CHECK(registry_server_key("") == "https://index.docker.io/v1/");
  CHECK(registry_server_key("docker.io") == "https://index.docker.io/v1/");
  CHECK(registry_server_key("https://index.docker.io/v1/") == "https://index.docker.io/v1/");
  CHECK(registry_server_key("127.0.0.1:5000") == "127.0.0.1:5000");
  CHECK(registry_server_key("https://registry.example.com:8443/v2/") == "registry.example.com:8443");
  CHECK(registry_of_reference("busybox") == "https://index.docker.io/v1/");
  CHECK(registry_of_reference("me/app:1") == "https://index.docker.io/v1/");
  CHECK(registry_of_reference("127.0.0.1:5001/me/app:1") == "127.0.0.1:5001");
  CHECK(registry_of_reference("localhost/app") == "localhost");
  CHECK(registry_of_reference("quay.io/org/app@sha256:abc") == "quay.io");
}

TEST_CASE("base64: docker's config.json form and the URL-safe header form round-trip") {
  CHECK(base64_encode("{}") == "e30=");
  CHECK(base64_encode("user:pa ss") == "dXNlcjpwYSBzcw==");
  CHECK(base64_encode("\xfb\xff", true) == "-_8=");
  CHECK(base64_decode("dXNlcjpwYSBzcw==") == "user:pa ss");
  CHECK_FALSE(base64_decode("not base64!").has_value());
}

TEST_CASE("credentials are saved 0600 in docker's format, found, sent, and forgotten") {
  TempConfig config;
  CredentialStore store(config.path());
  CHECK_FALSE(store.find("127.0.0.1:5001").has_value());
  nlohmann::json empty_header = nlohmann::json::parse(*base64_decode(registry_auth_header(store, "127.0.0.1:5001/a")));
  CHECK(empty_header == nlohmann::json::object());

  REQUIRE(store.save("127.0.0.1:5001", RegistryLogin{"alice", "s3:cret"}));
  REQUIRE(store.save("https://index.docker.io/v1/", RegistryLogin{"bob", "hub"}));
  struct stat info {};
  REQUIRE(::stat(config.path().c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto saved = nlohmann::json::parse(slurp(config.path()));
  CHECK(saved["auths"]["127.0.0.1:5001"]["auth"] == base64_encode("alice:s3:cret"));

  auto found = store.find("127.0.0.1:5001");
  REQUIRE(found.has_value());
  CHECK(found->username == "alice");
  CHECK(found->password == "s3:cret");  // only the first ':' separates
  auto header = nlohmann::json::parse(*base64_decode(registry_auth_header(store, "127.0.0.1:5001/me/app:1")));
  CHECK(header["username"] == "alice");
  CHECK(header["password"] == "s3:cret");
  CHECK(header["serveraddress"] == "127.0.0.1:5001");
  CHECK(nlohmann::json::parse(*base64_decode(registry_auth_header(store, "busybox")))["username"] == "bob");

  auto forgotten = store.forget("127.0.0.1:5001");
  REQUIRE(forgotten);
  CHECK(*forgotten);
  CHECK_FALSE(store.find("127.0.0.1:5001").has_value());
  CHECK(store.find("https://index.docker.io/v1/").has_value());
  auto again = store.forget("127.0.0.1:5001");
  REQUIRE(again);
  CHECK_FALSE(*again);
}

TEST_CASE("an identity token in config.json is found and sent, with or without an auth entry") {
  TempConfig config;
  std::ofstream(config.path()) << R"({"auths": {"registry.example": {"auth": ")" << base64_encode("00000000-0000:")
                               << R"(", "identitytoken": "refresh-1"}, "other.example": {"identitytoken": "refresh-2"}}})";
  CredentialStore store(config.path());
  auto found = store.find("registry.example");
  REQUIRE(found.has_value());
  CHECK(found->username == "00000000-0000");
  CHECK(found->password.empty());
  CHECK(found->identity_token == "refresh-1");
  auto header = nlohmann::json::parse(*base64_decode(registry_auth_header(store, "registry.example/me/app:1")));
  CHECK(header["identitytoken"] == "refresh-1");
  CHECK(header["username"] == "00000000-0000");
  auto bare = store.find("other.example");
  REQUIRE(bare.has_value());
  CHECK(bare->username.empty());
  CHECK(bare->identity_token == "refresh-2");
  // Saved with a refresh token (a login that got one): docker's form, the user without a password.
  REQUIRE(store.save("token.example", RegistryLogin{"carol", "", "refresh-3"}));
  auto saved = nlohmann::json::parse(slurp(config.path()));
  CHECK(saved["auths"]["token.example"]["auth"] == base64_encode("carol:"));
  CHECK(saved["auths"]["token.example"]["identitytoken"] == "refresh-3");
  CHECK(store.find("token.example")->identity_token == "refresh-3");
  // Saved with a password: no identity token in the header.
  REQUIRE(store.save("registry.example", RegistryLogin{"alice", "pw"}));
  header = nlohmann::json::parse(*base64_decode(registry_auth_header(store, "registry.example/me/app:1")));
  CHECK_FALSE(header.contains("identitytoken"));
}

TEST_CASE("a config.json that is not a JSON object is an error, not overwritten") {
  TempConfig config;
  std::ofstream(config.path()) << "[1, 2";
  CredentialStore store(config.path());
  CHECK_FALSE(store.save("h:1", RegistryLogin{"u", "p"}));
  CHECK(slurp(config.path()) == "[1, 2");
}
