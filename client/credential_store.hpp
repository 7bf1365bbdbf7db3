#pragma once
// Registry credentials saved by `gockerctl login`, in Docker's config.json format ("auths":
// {server: {"auth": base64("user:password")}}, or {"auth": base64("user:"), "identitytoken": T}
// when the login gave a refresh token), at $GOCKER_CONFIG/config.json or
// ~/.gocker/config.json (mode 0600, replaced atomically). The daemon never stores them: each
// pull and push sends the registry's entry in its X-Registry-Auth header, as the docker CLI does.
#include <optional>
#include <string>

#include "outcome.hpp"

namespace gocker::client {

struct RegistryLogin {
  std::string username;
  std::string password;
  // An OAuth 2 refresh token ("identitytoken" in config.json, as docker login leaves it for some
  // registries and cloud CLIs write it); sent instead of the password when there is one. (An
  // initializer, so that {user, password} stays a complete aggregate initialization.)
  std::string identity_token{};
};

class CredentialStore {
 public:
  // The store of this user (GOCKER_CONFIG, else HOME).
  static Outcome<CredentialStore> open_default();
  explicit CredentialStore(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  std::optional<RegistryLogin> find(const std::string& server) const;
  Outcome<void> save(const std::string& server, const RegistryLogin& login) const;
  // False when there was nothing saved for `server`.
  Outcome<bool> forget(const std::string& server) const;

 private:
  std::string path_;
};

// The key a registry's credentials are saved under: Docker Hub's legacy index address for
// docker.io (what docker saves), else "host[:port]". Accepts a login argument
// ("https://host:5000/", "host:5000") or nothing (Docker Hub).
std::string registry_server_key(const std::string& server_argument);
// The registry an image reference names: "127.0.0.1:5000/me/app:1" -> "127.0.0.1:5000",
// "busybox" and "me/app" -> Docker Hub's key.
std::string registry_of_reference(const std::string& reference);
// The X-Registry-Auth value for a reference's registry: base64url of Docker's AuthConfig, or of
// "{}" when nothing is saved (which is what docker sends too).
std::string registry_auth_header(const CredentialStore& store, const std::string& reference);

// Standard base64 (used in config.json's "auth") and the URL-safe form (X-Registry-Auth).
std::string base64_encode(const std::string& bytes, bool url_safe = false);
std::optional<std::string> base64_decode(const std::string& text);

}  // namespace gocker::client
