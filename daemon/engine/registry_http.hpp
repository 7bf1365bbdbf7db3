#pragma once
// HTTP to one registry (OCI distribution spec v2), synchronous: it runs on the registry worker
// threads (engine/registry_service.hpp), never on the daemon's io threads. One connection per
// request; every socket has a send and receive timeout, so a stalled registry ends a pull with an
// error instead of holding a worker forever.
//
// Transport: plain HTTP for registries marked insecure (loopback ones always are, as in Docker),
// else TLS over OpenSSL with the system's CAs plus, as Docker's certs.d, the directory
// <config>/certs.d/<host:port>/: every *.crt is a CA, and client.cert + client.key (any
// <name>.cert with its <name>.key) a client certificate.
//
// Authentication (distribution's token spec): a request answered 401 is retried once after
// answering the challenge in its WWW-Authenticate header (not one with a streamed body, which
// cannot be sent twice: callers make an ordinary request to the registry first):
//   Basic realm=...                           -> Authorization: Basic base64(user:password)
//   Bearer realm=URL,service=S,scope=X        -> GET URL?service=S&scope=<each of our scopes>
//                                                &account=<user> (with basic credentials when we
//                                                have some, as docker's client does), take "token"
//                                                (or "access_token") and send Authorization: Bearer T
//                                                With an identity token (an OAuth 2 refresh token):
//                                                POST URL with the form oauth_refresh_form() makes,
//                                                and take "access_token" (or "token") the same way
// The token is kept for this client's later requests.
//
// Redirects (a blob store behind the registry) are followed for GET and HEAD, up to five, without
// the Authorization header when they lead to another host.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace gocker::engine {

struct RegistryCredentials {
  std::string username;
  std::string password;
  std::string identity_token;  // an OAuth refresh token (docker login's IdentityToken)
  bool empty() const { return username.empty() && password.empty() && identity_token.empty(); }
};

struct RegistryEndpoint {
  std::string host;  // "127.0.0.1:5000", "registry-1.docker.io"
  bool insecure = false;  // plain HTTP
  std::string certs_dir;  // <config>/certs.d/<host>; need not exist
};

struct HttpResult {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;                            // empty when the body went to a sink
  std::string header(const std::string& lowercase_name) const {
    auto found = headers.find(lowercase_name);
    return found == headers.end() ? std::string() : found->second;
  }
};

// The body of a request: nothing, bytes, a file read from its start, or a stream of unknown
// length (a layer compressed while it is pushed), sent with chunked transfer encoding: `producer`
// fills the buffer it is given and returns how much it wrote, 0 at the end.
struct RequestBody {
  std::string bytes;
  int file_fd = -1;  // borrowed; read with pread from offset 0
  int64_t file_size = 0;
  std::function<Result<size_t>(char* buffer, size_t capacity)> producer;
  std::string content_type;
};

// Receives a 2xx response's body piece by piece; an error stops the transfer.
using BodySink = std::function<Status(const char* data, size_t length)>;

class RegistryHttp {
 public:
  // `scope` is the token scope asked for ("repository:tools/x:pull"), or several separated by
  // spaces (a push that mounts blobs from another repository also needs "repository:other:pull").
  RegistryHttp(RegistryEndpoint endpoint, RegistryCredentials credentials, std::string scope);
  ~RegistryHttp();
  RegistryHttp(const RegistryHttp&) = delete;
  RegistryHttp& operator=(const RegistryHttp&) = delete;

  // Sends `method` to `target` ("/v2/...", or an absolute URL such as an upload Location) and
  // returns the response. A 2xx body goes to `sink` when one is given; every other body is kept in
  // HttpResult::body (at most 4 MiB, as a manifest or an error document). Statuses are not errors
  // here; transport, TLS and authentication failures are.
  Result<HttpResult> send(std::string_view method, const std::string& target,
                          const std::map<std::string, std::string>& headers = {}, const RequestBody* body = nullptr,
                          const BodySink* sink = nullptr);

  // "http://host" or "https://host": where relative targets go.
  std::string base_url() const;

  // The Authorization value after a challenge was answered; another client of the same registry
  // (a parallel transfer) starts with it instead of answering the challenge again.
  const std::string& authorization() const { return authorization_; }
  void set_authorization(std::string value) { authorization_ = std::move(value); }

  // Login (dockerd's behaviour): token requests made with a password also ask for a refresh token
  // (offline_token=true&client_id=gocker); the one a token server sent is refresh_token() after.
  void ask_for_refresh_token() { ask_refresh_token_ = true; }
  const std::string& refresh_token() const { return refresh_token_; }

 private:
  struct Url;
  Result<HttpResult> send_once(std::string_view method, const Url& url, const std::map<std::string, std::string>& headers,
                               const RequestBody* body, const BodySink* sink, bool with_authorization);
  Status answer_challenge(const std::string& www_authenticate);

  RegistryEndpoint endpoint_;
  RegistryCredentials credentials_;
  std::string scope_;
  std::string authorization_;  // the Authorization header value once a challenge was answered
  bool ask_refresh_token_ = false;
  std::string refresh_token_;
};

// Parses a WWW-Authenticate value: the scheme ("bearer", "basic", lowercased) and its parameters.
struct AuthChallenge {
  std::string scheme;
  std::map<std::string, std::string> parameters;
};
AuthChallenge parse_auth_challenge(std::string_view header);

// The token request for a bearer challenge: `realm` with service, one scope parameter per
// space-separated entry of `scopes` (the token spec's form for several), account when there is a
// user, and offline_token=true&client_id=gocker when `offline` (a refresh token is wanted); each
// value percent-encoded.
std::string token_request_url(const std::string& realm, const std::string& service, const std::string& scopes,
                              const std::string& account, bool offline = false);

// The form body that exchanges an OAuth 2 refresh token for an access token (distribution's OAuth
// spec): grant_type=refresh_token, the token, service, client_id=gocker and the scopes as one
// space-separated scope value; each value percent-encoded.
std::string oauth_refresh_form(const std::string& service, const std::string& scopes, const std::string& refresh_token);

// Base64 (standard alphabet, padded) and its inverse, which also takes the URL-safe alphabet and
// missing padding (Docker sends X-Registry-Auth base64url-encoded).
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// 127.0.0.0/8, ::1 and localhost: registries Docker treats as insecure without being told.
bool registry_is_loopback(std::string_view host);

}  // namespace gocker::engine
