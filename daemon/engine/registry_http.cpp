#include "engine/registry_http.hpp"

#include <openssl/evp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <variant>

#include "base/strings.hpp"

namespace gocker::engine {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr size_t kErrorBodyLimit = 4 * 1024 * 1024;
constexpr int kIoTimeoutSeconds = 60;
constexpr int kMaxRedirects = 5;

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Blocking sockets with SO_RCVTIMEO/SO_SNDTIMEO: Beast's synchronous calls honour no timeout of
// their own, the kernel's does (the read fails with EAGAIN).
void set_socket_timeouts(int fd) {
  timeval timeout{kIoTimeoutSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

std::string error_text(const beast::error_code& error) { return error.message(); }

bool is_loopback_host(std::string_view host) {
  return starts_with(host, "127.") || starts_with(host, "localhost") || starts_with(host, "[::1]");
}

}  // namespace

struct RegistryHttp::Url {
  bool tls = false;
  std::string host;  // host[:port]
  std::string target;  // path?query

  static Result<Url> parse(std::string_view text) {
    Url url;
    if (starts_with(text, "https://")) {
      url.tls = true;
      text.remove_prefix(8);
    } else if (starts_with(text, "http://")) {
      text.remove_prefix(7);
    } else {
      return Error::invalid("not an http(s) URL: " + std::string(text));
    }
    const size_t slash = text.find('/');
    url.host = std::string(text.substr(0, slash));
    url.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
    if (url.host.empty()) return Error::invalid("URL without a host: " + std::string(text));
    return url;
  }
  std::string hostname() const {
    if (!host.empty() && host.front() == '[') return host.substr(1, host.find(']') - 1);
    const size_t colon = host.rfind(':');
    return colon == std::string::npos ? host : host.substr(0, colon);
  }
  std::string port() const {
    const size_t bracket = host.find(']');
    const size_t colon = host.rfind(':');
    if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket)) return tls ? "443" : "80";
    return host.substr(colon + 1);
  }
};

namespace {

// One TCP or TLS connection.
class Connection {
 public:
  Status open(const RegistryHttp* /*owner*/, bool tls, const std::string& hostname, const std::string& port,
              const std::string& certs_dir) {
    tcp::resolver resolver(io_);
    beast::error_code error;
    auto results = resolver.resolve(hostname, port, error);
    if (error) return Error::unavailable("resolve " + hostname + ": " + error_text(error));
    tcp::socket socket(io_);
    net::connect(socket, results, error);
    if (error) return Error::unavailable("connect to " + hostname + ":" + port + ": " + error_text(error));
    set_socket_timeouts(socket.native_handle());
    if (!tls) {
      plain_.emplace(std::move(socket));
      return ok();
    }
    context_.emplace(ssl::context::tls_client);
    context_->set_verify_mode(ssl::verify_peer);
    context_->set_default_verify_paths(error);
    if (error) return Error::internal("TLS: load the system CAs: " + error_text(error));
    GOCKER_TRY(load_certs_dir(certs_dir));
    tls_.emplace(std::move(socket), *context_);
    // SNI, and the certificate must name the host (RFC 6125 matching by OpenSSL).
    if (!SSL_set_tlsext_host_name(tls_->native_handle(), hostname.c_str()))
      return Error::internal("TLS: set server name " + hostname);
    tls_->set_verify_callback(ssl::host_name_verification(hostname));
    tls_->handshake(ssl::stream_base::client, error);
    if (error) return Error::unavailable("TLS handshake with " + hostname + ":" + port + ": " + error_text(error));
    return ok();
  }

  template <typename F>
  auto visit(F&& f) {
    if (tls_) return f(*tls_);
    return f(*plain_);
  }

  void close() {
    beast::error_code ignored;
    if (tls_) {
      tls_->shutdown(ignored);  // a registry that just drops the connection is fine
      tls_->next_layer().socket().close(ignored);
    } else if (plain_) {
      plain_->socket().close(ignored);
    }
  }

 private:
  Status load_certs_dir(const std::string& certs_dir) {
    std::error_code listing_error;
    if (certs_dir.empty() || !std::filesystem::is_directory(certs_dir, listing_error)) return ok();
    for (const auto& entry : std::filesystem::directory_iterator(certs_dir, listing_error)) {
      const std::string path = entry.path().string();
      const std::string extension = entry.path().extension().string();
      beast::error_code error;
      if (extension == ".crt") {
        context_->load_verify_file(path, error);
        if (error) return Error::invalid("TLS: CA file " + gocker::quoted(path) + ": " + error_text(error));
      } else if (extension == ".cert") {
        std::filesystem::path key = entry.path();
        key.replace_extension(".key");
        context_->use_certificate_chain_file(path, error);
        if (!error) context_->use_private_key_file(key.string(), ssl::context::pem, error);
        if (error)
          return Error::invalid("TLS: client certificate " + gocker::quoted(path) + " / " +
                                gocker::quoted(key.string()) + ": " + error_text(error));
      }
    }
    return ok();
  }

  net::io_context io_;
  std::optional<ssl::context> context_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
};

bool is_truncation(const beast::error_code& error) {
  return error == net::ssl::error::stream_truncated || error == http::error::end_of_stream || error == net::error::eof;
}

template <typename Stream>
Result<HttpResult> exchange(Stream& stream, std::string_view method, const std::string& host, const std::string& target,
                            const std::map<std::string, std::string>& headers, const RequestBody* body,
                            const BodySink* sink) {
  beast::error_code error;
  const http::verb verb = http::string_to_verb(method);
  // The head by hand, then the body: a file body is sent in pieces, never read whole into memory.
  http::request<http::empty_body> request{verb, target, 11};
  request.set(http::field::host, host);
  request.set(http::field::user_agent, "gocker");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) request.set(name, value);
  const bool chunked = body != nullptr && body->producer;
  const int64_t length = body == nullptr ? 0 : (body->file_fd >= 0 ? body->file_size : static_cast<int64_t>(body->bytes.size()));
  if (chunked) {
    request.set(http::field::transfer_encoding, "chunked");
  } else if (body != nullptr || verb == http::verb::put || verb == http::verb::post || verb == http::verb::patch) {
    request.set(http::field::content_length, std::to_string(length));
  }
  if (body != nullptr && !body->content_type.empty()) request.set(http::field::content_type, body->content_type);
  http::request_serializer<http::empty_body> serializer{request};
  http::write_header(stream, serializer, error);
  if (error) return Error::unavailable("send " + std::string(method) + " " + target + ": " + error_text(error));
  if (chunked) {
    // RFC 9112 section 7.1: each piece as "<hex size>\r\n<bytes>\r\n", then "0\r\n\r\n".
    std::vector<char> buffer(256 * 1024);
    for (;;) {
      auto produced = body->producer(buffer.data(), buffer.size());
      if (!produced) return std::move(produced).error().context("send body of " + target);
      if (*produced == 0) {
        net::write(stream, net::buffer(std::string_view("0\r\n\r\n")), error);
        if (error) return Error::unavailable("send body of " + target + ": " + error_text(error));
        break;
      }
      char size_line[24];
      const int size_length = std::snprintf(size_line, sizeof size_line, "%zx\r\n", *produced);
      const std::array<net::const_buffer, 3> pieces{net::buffer(size_line, static_cast<size_t>(size_length)),
                                                    net::buffer(buffer.data(), *produced),
                                                    net::buffer(std::string_view("\r\n"))};
      net::write(stream, pieces, error);
      if (error) return Error::unavailable("send body of " + target + ": " + error_text(error));
    }
  } else if (body != nullptr && body->file_fd >= 0) {
    std::vector<char> buffer(256 * 1024);
    int64_t offset = 0;
    while (offset < body->file_size) {
      const size_t want = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(buffer.size()), body->file_size - offset));
      const ssize_t got = ::pread(body->file_fd, buffer.data(), want, offset);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return Error::from_errno(got < 0 ? errno : EIO, "read upload body");
      net::write(stream, net::buffer(buffer.data(), static_cast<size_t>(got)), error);
      if (error) return Error::unavailable("send body of " + target + ": " + error_text(error));
      offset += got;
    }
  } else if (body != nullptr && !body->bytes.empty()) {
    net::write(stream, net::buffer(body->bytes), error);
    if (error) return Error::unavailable("send body of " + target + ": " + error_text(error));
  }

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  if (verb == http::verb::head) parser.skip(true);
  http::read_header(stream, buffer, parser, error);
  if (error) return Error::unavailable("read response to " + std::string(method) + " " + target + ": " + error_text(error));

  HttpResult result;
  result.status = parser.get().result_int();
  for (const auto& field : parser.get()) result.headers[lowercase(field.name_string())] = std::string(field.value());
  const bool to_sink = sink != nullptr && result.status >= 200 && result.status < 300;

  std::array<char, 64 * 1024> chunk{};
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    http::read(stream, buffer, parser, error);
    if (error == http::error::need_buffer) error = {};
    if (error && !(is_truncation(error) && parser.is_done())) {
      return Error::unavailable("read body of " + target + ": " + error_text(error));
    }
    const size_t got = chunk.size() - parser.get().body().size;
    if (got == 0) continue;
    if (to_sink) {
      GOCKER_TRY((*sink)(chunk.data(), got));
    } else {
      if (result.body.size() + got > kErrorBodyLimit) return Error::invalid("response to " + target + " is too large");
      result.body.append(chunk.data(), got);
    }
  }
  return result;
}

}  // namespace

RegistryHttp::RegistryHttp(RegistryEndpoint endpoint, RegistryCredentials credentials, std::string scope)
    : endpoint_(std::move(endpoint)), credentials_(std::move(credentials)), scope_(std::move(scope)) {}

RegistryHttp::~RegistryHttp() = default;

std::string RegistryHttp::base_url() const { return (endpoint_.insecure ? "http://" : "https://") + endpoint_.host; }

Result<HttpResult> RegistryHttp::send_once(std::string_view method, const Url& url,
                                           const std::map<std::string, std::string>& headers, const RequestBody* body,
                                           const BodySink* sink, bool with_authorization) {
  auto all_headers = headers;
  if (with_authorization && !authorization_.empty()) all_headers["Authorization"] = authorization_;
  Connection connection;
  // certs.d applies to the registry's own host only.
  const std::string certs_dir = url.host == endpoint_.host ? endpoint_.certs_dir : std::string();
  GOCKER_TRY(connection.open(this, url.tls, url.hostname(), url.port(), certs_dir));
  auto result = connection.visit([&](auto& stream) {
    return exchange(stream, method, url.host, url.target, all_headers, body, sink);
  });
  connection.close();
  return result;
}

Result<HttpResult> RegistryHttp::send(std::string_view method, const std::string& target,
                                      const std::map<std::string, std::string>& headers, const RequestBody* body,
                                      const BodySink* sink) {
  auto url = Url::parse(starts_with(target, "http://") || starts_with(target, "https://") ? target : base_url() + target);
  if (!url) return std::move(url).error();
  bool challenged = false;
  for (int redirects = 0;;) {
    const bool same_host = url->host == endpoint_.host;
    auto result = send_once(method, *url, headers, body, sink, same_host);
    if (!result) return result;
    const bool streamed = body != nullptr && body->producer;
    if (result->status == 401 && same_host && !challenged && !streamed) {
      challenged = true;
      const std::string challenge = result->header("www-authenticate");
      if (challenge.empty()) return result;
      GOCKER_TRY(answer_challenge(challenge));
      continue;
    }
    const bool redirect = result->status == 301 || result->status == 302 || result->status == 303 ||
                          result->status == 307 || result->status == 308;
    if (redirect && (method == "GET" || method == "HEAD") && ++redirects <= kMaxRedirects) {
      std::string location = result->header("location");
      if (location.empty()) return result;
      if (starts_with(location, "/")) location = std::string(url->tls ? "https://" : "http://") + url->host + location;
      auto next = Url::parse(location);
      if (!next) return std::move(next).error().context("redirect from " + url->target);
      url = std::move(next);
      continue;
    }
    return result;
  }
}

Status RegistryHttp::answer_challenge(const std::string& www_authenticate) {
  const AuthChallenge challenge = parse_auth_challenge(www_authenticate);
  if (challenge.scheme == "basic") {
    if (credentials_.username.empty()) return Error::unavailable("authentication required by " + endpoint_.host);
    authorization_ = "Basic " + base64_encode(credentials_.username + ":" + credentials_.password);
    return ok();
  }
  if (challenge.scheme != "bearer") {
    return Error::unavailable("unsupported authentication scheme from " + endpoint_.host + ": " + www_authenticate);
  }
  auto realm = challenge.parameters.find("realm");
  if (realm == challenge.parameters.end()) return Error::unavailable("bearer challenge without a realm from " + endpoint_.host);
  auto parameter = [&challenge](const char* name) {
    auto found = challenge.parameters.find(name);
    return found == challenge.parameters.end() ? std::string() : found->second;
  };
  const std::string service = parameter("service");
  const std::string scopes = !scope_.empty() ? scope_ : parameter("scope");
  // An identity token is an OAuth 2 refresh token (docker login's IdentityToken, or what a cloud
  // CLI writes into config.json): exchanged by POST to the realm, distribution's OAuth spec.
  // Otherwise GET with the basic credentials, if any, distribution's token spec; a login also asks
  // for a refresh token then.
  const bool oauth = !credentials_.identity_token.empty();
  const bool offline = !oauth && ask_refresh_token_ && !credentials_.username.empty();
  auto url = Url::parse(oauth ? realm->second
                              : token_request_url(realm->second, service, scopes, credentials_.username, offline));
  if (!url) return std::move(url).error().context("token realm");
  std::map<std::string, std::string> headers;
  RequestBody form;
  if (oauth) {
    form.bytes = oauth_refresh_form(service, scopes, credentials_.identity_token);
    form.content_type = "application/x-www-form-urlencoded";
  } else if (!credentials_.username.empty()) {
    headers["Authorization"] = "Basic " + base64_encode(credentials_.username + ":" + credentials_.password);
  }
  // The token server is another endpoint: no Authorization of ours unless basic credentials.
  const std::string saved = std::move(authorization_);
  authorization_.clear();
  auto response = send_once(oauth ? "POST" : "GET", *url, headers, oauth ? &form : nullptr, nullptr, false);
  if (!response) return std::move(response).error().context("get token from " + url->host);
  // A token server refuses the credentials themselves this way (OAuth: 400 invalid_grant, or 401);
  // a scope it will not grant is left out of the token instead, and the registry refuses the
  // request it was for.
  const std::string answered = " (the token server " + url->host + " answered " + std::to_string(response->status) + ")";
  if (oauth && (response->status == 400 || response->status == 401 || response->status == 403))
    return Error::invalid("unauthorized: the identity token was refused" + answered);
  if (response->status == 401 || response->status == 403) {
    if (!credentials_.username.empty()) return Error::invalid("unauthorized: incorrect username or password" + answered);
    return Error::unavailable("unauthorized: authentication required by " + endpoint_.host + answered);
  }
  if (response->status != 200) {
    return Error::unavailable("token server " + url->host + " answered " + std::to_string(response->status));
  }
  auto document = nlohmann::json::parse(response->body, nullptr, false);
  std::string token;
  if (document.is_object()) {
    for (const char* key : {"token", "access_token"}) {
      auto found = document.find(key);
      if (found != document.end() && found->is_string() && !found->get<std::string>().empty()) {
        token = found->get<std::string>();
        break;
      }
    }
  }
  if (token.empty()) {
    authorization_ = saved;
    return Error::unavailable("token server " + url->host + " sent no token");
  }
  if (auto refresh = document.find("refresh_token"); offline && refresh != document.end() && refresh->is_string())
    refresh_token_ = refresh->get<std::string>();
  authorization_ = "Bearer " + token;
  return ok();
}

std::string token_request_url(const std::string& realm, const std::string& service, const std::string& scopes,
                              const std::string& account, bool offline) {
  std::string url = realm;
  char separator = url.find('?') == std::string::npos ? '?' : '&';
  auto add = [&url, &separator](std::string_view name, std::string_view value) {
    url += separator;
    url += name;
    url += '=';
    url += percent_encode(value);
    separator = '&';
  };
  if (!service.empty()) add("service", service);
  for (const std::string& scope : split(scopes, ' '))
    if (!scope.empty()) add("scope", scope);
  if (!account.empty()) add("account", account);
  if (offline) {
    add("offline_token", "true");
    add("client_id", "gocker");
  }
  return url;
}

std::string oauth_refresh_form(const std::string& service, const std::string& scopes, const std::string& refresh_token) {
  std::string scope;
  for (const std::string& entry : split(scopes, ' '))
    if (!entry.empty()) scope += (scope.empty() ? "" : " ") + entry;
  std::string form = "grant_type=refresh_token&refresh_token=" + percent_encode(refresh_token) +
                     "&service=" + percent_encode(service) + "&client_id=gocker";
  if (!scope.empty()) form += "&scope=" + percent_encode(scope);
  return form;
}

AuthChallenge parse_auth_challenge(std::string_view header) {
  AuthChallenge challenge;
  size_t position = header.find(' ');
  challenge.scheme = lowercase(header.substr(0, position));
  if (position == std::string_view::npos) return challenge;
  std::string_view rest = header.substr(position + 1);
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) rest.remove_prefix(1);
    const size_t equals = rest.find('=');
    if (equals == std::string_view::npos) break;
    std::string name = lowercase(rest.substr(0, equals));
    rest.remove_prefix(equals + 1);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      rest.remove_prefix(1);
      while (!rest.empty() && rest.front() != '"') {
        if (rest.front() == '\\' && rest.size() > 1) rest.remove_prefix(1);
        value.push_back(rest.front());
        rest.remove_prefix(1);
      }
      if (!rest.empty()) rest.remove_prefix(1);
    } else {
      const size_t comma = rest.find(',');
      value = std::string(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    challenge.parameters[name] = value;
  }
  return challenge;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(std::max(length, 0)));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string standard;
  standard.reserve(text.size() + 3);
  for (char c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
    if (c == '\n' || c == '\r' || c == ' ') continue;
    standard.push_back(c);
  }
  while (standard.size() % 4 != 0) standard.push_back('=');
  std::string out(standard.size() / 4 * 3 + 1, '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(standard.data()), static_cast<int>(standard.size()));
  if (length < 0) return std::nullopt;
  size_t padding = 0;
  for (size_t i = standard.size(); i > 0 && standard[i - 1] == '='; --i) ++padding;
  out.resize(static_cast<size_t>(length) - std::min<size_t>(padding, static_cast<size_t>(length)));
  return out;
}

bool registry_is_loopback(std::string_view host) { return is_loopback_host(host); }

}  // namespace gocker::engine
