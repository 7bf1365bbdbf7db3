#include "credential_store.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace gocker::client {

namespace {

constexpr const char* kDockerHubKey = "https://index.docker.io/v1/";

Outcome<nlohmann::json> read_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return nlohmann::json::object();
    return Failure::local("read " + path + ": " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().empty()) return nlohmann::json::object();
  auto parsed = nlohmann::json::parse(text.str(), nullptr, false);
  if (!parsed.is_object()) return Failure::local(path + ": not a JSON object");
  return parsed;
}

// Written to a temp file beside it and renamed over it: a crash never leaves half a file, and the
// credentials are never readable by others, not even for a moment.
Outcome<void> write_config(const std::string& path, const nlohmann::json& config) {
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Failure::local("write " + temp + ": " + std::strerror(errno));
  const std::string text = config.dump(1, '\t') + "\n";
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int saved_errno = errno;
  written = ::close(fd) == 0 && written;
  if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = written ? errno : saved_errno;
    ::unlink(temp.c_str());
    return Failure::local("write " + path + ": " + std::strerror(error));
  }
  return {};
}

}  // namespace

Outcome<CredentialStore> CredentialStore::open_default() {
  if (const char* dir = std::getenv("GOCKER_CONFIG"); dir != nullptr && *dir != '\0')
    return CredentialStore(std::string(dir) + "/config.json");
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return Failure::local("neither GOCKER_CONFIG nor HOME is set: no place for config.json");
  return CredentialStore(std::string(home) + "/.gocker/config.json");
}

std::optional<RegistryLogin> CredentialStore::find(const std::string& server) const {
  auto config = read_config(path_);
  if (!config) return std::nullopt;
  auto auths = config->find("auths");
  if (auths == config->end() || !auths->is_object()) return std::nullopt;
  auto entry = auths->find(server);
  if (entry == auths->end() || !entry->is_object()) return std::nullopt;
  RegistryLogin login;
  if (auto identity = entry->find("identitytoken"); identity != entry->end() && identity->is_string())
    login.identity_token = identity->get<std::string>();
  auto auth = entry->find("auth");
  if (auth == entry->end() || !auth->is_string()) {
    if (login.identity_token.empty()) return std::nullopt;
    return login;
  }
  auto pair = base64_decode(auth->get<std::string>());
  if (!pair) return std::nullopt;
  const size_t colon = pair->find(':');
  if (colon == std::string::npos) return std::nullopt;
  login.username = pair->substr(0, colon);
  login.password = pair->substr(colon + 1);
  return login;
}

Outcome<void> CredentialStore::save(const std::string& server, const RegistryLogin& login) const {
  auto config = read_config(path_);
  if (!config) return config.error();
  if (!(*config)["auths"].is_object()) (*config)["auths"] = nlohmann::json::object();
  (*config)["auths"][server] = {{"auth", base64_encode(login.username + ":" + login.password)}};
  if (!login.identity_token.empty()) (*config)["auths"][server]["identitytoken"] = login.identity_token;
  return write_config(path_, *config);
}

Outcome<bool> CredentialStore::forget(const std::string& server) const {
  auto config = read_config(path_);
  if (!config) return config.error();
  auto auths = config->find("auths");
  if (auths == config->end() || !auths->is_object() || auths->erase(server) == 0) return false;
  auto written = write_config(path_, *config);
  if (!written) return written.error();
  return true;
}

std::string registry_server_key(const std::string& server_argument) {
  std::string host = server_argument;
  for (const char* scheme : {"https://", "http://"})
    if (host.rfind(scheme, 0) == 0) host = host.substr(std::strlen(scheme));
  host = host.substr(0, host.find('/'));
  if (host.empty() || host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io")
    return kDockerHubKey;
  return host;
}

std::string registry_of_reference(const std::string& reference) {
  // As Docker's reference grammar: the first component is a registry when it has a '.' or a ':',
  // or is "localhost".
  const size_t slash = reference.find('/');
  if (slash == std::string::npos) return kDockerHubKey;
  const std::string first = reference.substr(0, slash);
  if (first.find_first_of(".:") == std::string::npos && first != "localhost") return kDockerHubKey;
  return registry_server_key(first);
}

std::string registry_auth_header(const CredentialStore& store, const std::string& reference) {
  const std::string server = registry_of_reference(reference);
  auto login = store.find(server);
  if (!login) return base64_encode("{}", true);
  nlohmann::json auth{{"username", login->username}, {"password", login->password}, {"serveraddress", server}};
  if (!login->identity_token.empty()) auth["identitytoken"] = login->identity_token;
  return base64_encode(auth.dump(), true);
}

std::string base64_encode(const std::string& bytes, bool url_safe) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(length > 0 ? length : 0));
  if (url_safe)
    for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> base64_decode(const std::string& text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3 + 1, '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (length < 0) return std::nullopt;
  size_t padding = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '=' && padding < 2; --i) ++padding;
  out.resize(static_cast<size_t>(length) - padding);
  return out;
}

}  // namespace gocker::client
