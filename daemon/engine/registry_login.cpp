// POST /auth (docker login): the daemon tries the credentials against the registry itself, on
// the registry workers, since that takes a round trip or two to it (and to its token server).
// Nothing is stored: the client keeps the credentials and sends them with each pull and push.
// As dockerd, a login with a password asks a token server for a refresh token too; when one comes
// back, the job's stream carries it as its only line, {"IdentityToken": "..."}, which POST /auth
// answers with, and clients save it instead of the password.
#include <string>
#include <string_view>

#include "base/strings.hpp"
#include "engine/engine_impl.hpp"
#include "engine/registry_http.hpp"
#include "engine/registry_service.hpp"

namespace gocker::engine {
namespace {

// The registry host of a login's serveraddress: "https://host:5000/v2/" -> "host:5000"; Docker
// Hub's legacy index address (what the docker CLI sends by default) and "" -> "docker.io".
Result<std::string> registry_host(std::string_view address) {
  for (std::string_view scheme : {"https://", "http://"})
    if (starts_with(address, scheme)) address.remove_prefix(scheme.size());
  address = address.substr(0, address.find('/'));
  if (address.empty() || address == "index.docker.io" || address == "registry-1.docker.io" || address == "docker.io")
    return std::string("docker.io");
  for (char c : address) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                         c == '-' || c == ':' || c == '[' || c == ']';
    if (!allowed) return Error::invalid("invalid registry address " + quoted(std::string(address)));
  }
  return std::string(address);
}

}  // namespace

Result<std::shared_ptr<Engine::ProgressJob>> EngineImpl::check_login(const LoginOptions& options) {
  auto host = registry_host(options.server_address);
  if (!host) return std::move(host).error();
  if (options.identity_token.empty() && (options.username.empty() || options.password.empty()))
    return Error::invalid("login needs a username and a password");
  RegistryService& service = registry();
  RegistryCredentials credentials{options.username, options.password, options.identity_token};
  auto job = [&service, host = *host, credentials](ProgressWriter& progress) -> Status {
    RegistryHttp http(service.endpoint(host), credentials, "");
    http.ask_for_refresh_token();
    const std::string what = "login to " + host;
    auto answer = http.send("GET", "/v2/");
    if (!answer) return std::move(answer).error().context(what);
    if (answer->status == 401) return Error::invalid(what + ": unauthorized: incorrect username or password");
    if (answer->status / 100 != 2)
      return Error::unavailable(what + ": the registry answered " + std::to_string(answer->status) + " to GET /v2/");
    if (!http.refresh_token().empty()) progress.message({{"IdentityToken", http.refresh_token()}});
    return ok();
  };
  return service.start(executor_, std::move(job));
}

}  // namespace gocker::engine
