// The daemon's own surface, as a client meets it: who may open the API socket (-G/--group), the
// API over TCP only with TLS and client certificates (curl and the docker CLI as clients, hijacked
// attach streams included), the limits on request heads, targets and bodies, malformed input, and
// many clients at once without a thread or an fd left per connection.
//
// Certificates are made with the openssl CLI in the test's own temp dir; all TCP traffic is on
// the loopback of the harness's own network namespace.
#include <doctest/doctest.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/harness.hpp"
#include "tests/support/test_pki.hpp"

using namespace gocker::test;

namespace {

#define REQUIRE_DAEMON(daemon) REQUIRE_MESSAGE((daemon).started(), (daemon).start_error())

constexpr const char* kTlsHost = "tcp://127.0.0.1:2376";
constexpr const char* kTlsUrl = "https://127.0.0.1:2376";

bool strict() { return std::getenv("GOCKER_TEST_STRICT") != nullptr; }

// A loud skip of one case (a failure under GOCKER_TEST_STRICT=1).
void skip_case(const std::string& why) {
  if (strict()) FAIL("GOCKER_TEST_STRICT=1 and " << why);
  MESSAGE("SKIP (this case): " << why);
}

bool has_program(const std::string& name) { return !detail::find_on_path(name).empty(); }

// ---- raw HTTP on the unix socket ---------------------------------------------------------------

int connect_unix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  REQUIRE_MESSAGE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0,
                  "connect " << path << ": " << std::strerror(errno));
  return fd;
}

// Whether `received` holds a whole response with a Content-Length (the daemon's JSON answers).
bool is_complete_response(const std::string& received) {
  const size_t head_end = received.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  const size_t length_at = received.find("Content-Length: ");
  if (length_at == std::string::npos || length_at > head_end) return false;
  const size_t length = std::strtoul(received.c_str() + length_at + 16, nullptr, 10);
  return received.size() >= head_end + 4 + length;
}

// Sends `request` while reading whatever comes back, until a whole response is in, the daemon
// closes the connection, or the deadline passes. The daemon may answer (and hang up) before it has read everything: writing
// stops then, and the answer already sent is still read.
std::string exchange_raw(const std::string& socket_path, const std::string& request, std::chrono::milliseconds timeout = 20s) {
  const int fd = connect_unix(socket_path);
  detail::set_nonblocking(fd);
  const auto deadline = Clock::now() + timeout;
  size_t sent = 0;
  bool sending = true;
  std::string received;
  for (;;) {
    pollfd entry{fd, static_cast<short>(POLLIN | (sending ? POLLOUT : 0)), 0};
    int ready = ::poll(&entry, 1, detail::remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    if (sending && (entry.revents & POLLOUT)) {
      ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == request.size()) sending = false;
    }
    if (entry.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buffer[65536];
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n > 0) {
        received.append(buffer, static_cast<size_t>(n));
        if (is_complete_response(received)) break;
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        break;  // EOF, or ECONNRESET after the answer (the daemon closed with our bytes unread)
      }
    }
  }
  ::close(fd);
  return received;
}

struct RawAnswer {
  int status = 0;
  std::string body;
  std::string message;  // the JSON error body's "message", if any
};

RawAnswer parse_answer(const std::string& raw) {
  RawAnswer answer;
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || raw.size() < 12) return answer;
  answer.status = std::atoi(raw.substr(9, 3).c_str());
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return answer;
  answer.body = raw.substr(head_end + 4);
  auto json = nlohmann::json::parse(answer.body, nullptr, false);
  if (json.is_object() && json.contains("message") && json["message"].is_string()) answer.message = json["message"];
  return answer;
}

std::string get_request(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: gocker\r\n" + extra_headers + "\r\n";
}

std::string post_request(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: gocker\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// ---- what the kernel says about the daemon --------------------------------------------------------

size_t count_entries(const std::string& directory) {
  size_t count = 0;
  if (DIR* dir = ::opendir(directory.c_str())) {
    while (const dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    ::closedir(dir);
  }
  return count;
}
size_t open_fds(pid_t pid) { return count_entries("/proc/" + std::to_string(pid) + "/fd"); }

// "3 -> socket:[123]" lines, for failure messages.
std::string fd_listing(pid_t pid) {
  std::string listing;
  const std::string directory = "/proc/" + std::to_string(pid) + "/fd";
  if (DIR* dir = ::opendir(directory.c_str())) {
    while (const dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      char target[256] = {};
      ssize_t n = ::readlink((directory + "/" + entry->d_name).c_str(), target, sizeof target - 1);
      listing += std::string(entry->d_name) + " -> " + (n > 0 ? std::string(target, static_cast<size_t>(n)) : "?") + "\n";
    }
    ::closedir(dir);
  }
  return listing;
}
size_t thread_count(pid_t pid) { return count_entries("/proc/" + std::to_string(pid) + "/task"); }

// Waits (bounded) until the daemon's fd count is back to at most `limit`; returns the last count.
size_t wait_for_fds_at_most(pid_t pid, size_t limit, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  size_t count = open_fds(pid);
  while (count > limit && Clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);  // the test's own wait, not the product's
    count = open_fds(pid);
  }
  return count;
}

struct stat stat_of(const std::string& path) {
  struct stat info {};
  REQUIRE_MESSAGE(::stat(path.c_str(), &info) == 0, "stat " << path << ": " << std::strerror(errno));
  return info;
}

// ---- certificates --------------------------------------------------------------------------------

DaemonOptions tls_daemon_options(const TestPki& pki) {
  DaemonOptions options;
  options.extra_args = {"-H",          kTlsHost,          "--tlsverify", "--tlscacert", pki.ca(),
                        "--tlscert",   pki.server_cert(), "--tlskey",    pki.server_key()};
  return options;
}

CommandResult curl_tls(const TestPki& pki, const std::vector<std::string>& extra, const std::string& path) {
  std::vector<std::string> argv = {"curl", "-sS", "--max-time", "20", "--cacert", pki.ca()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(std::string(kTlsUrl) + path);
  return run_command(argv);
}

CommandResult docker_tls(const Daemon& daemon, const TestPki& pki, std::vector<std::string> args,
                         CommandOptions options = {}) {
  std::vector<std::string> argv = {docker_cli_path(), "--tlsverify", "--tlscacert", pki.ca(), "--tlscert",
                                   pki.client_cert(), "--tlskey",     pki.client_key(), "-H", kTlsHost};
  argv.insert(argv.end(), args.begin(), args.end());
  options.env.emplace_back("DOCKER_CONFIG", daemon.temp_dir() + "/docker-config");
  options.env.emplace_back("DOCKER_HOST", "");
  options.env.emplace_back("DOCKER_TLS_VERIFY", "");
  options.env.emplace_back("DOCKER_CERT_PATH", "");
  return run_command(argv, options);
}

}  // namespace

// ---- the unix socket's group ---------------------------------------------------------------------

TEST_CASE("the API socket is 0660 and belongs to --group: its members connect, others do not") {
  // getgrnam's result lives in static storage: each gid is copied before the next call.
  const group* daemon_group = ::getgrnam("daemon");
  const gid_t member_gid = daemon_group ? daemon_group->gr_gid : 0;
  const group* adm_group = ::getgrnam("adm");
  const gid_t other_gid = adm_group ? adm_group->gr_gid : 0;
  if (daemon_group == nullptr || adm_group == nullptr) {
    skip_case("this host has no groups \"daemon\" and \"adm\" to try the socket's group with");
    return;
  }
  DaemonOptions options;
  options.extra_args = {"--group", "daemon"};
  Daemon daemon(options);
  REQUIRE_DAEMON(daemon);

  const struct stat info = stat_of(daemon.socket_path());
  CHECK(S_ISSOCK(info.st_mode));
  CHECK((info.st_mode & 07777) == 0660);
  CHECK(info.st_uid == 0);
  CHECK(info.st_gid == member_gid);

  if (!has_program("setpriv") || !has_program("curl")) {
    skip_case("setpriv (util-linux) or curl missing: the connect as a group member was not tried");
    return;
  }
  // Let an unprivileged uid reach the socket: the harness's temp dir is 0700.
  REQUIRE(::chmod(daemon.temp_dir().c_str(), 0711) == 0);
  auto as_gid = [&daemon](gid_t gid) {
    return run_command({"setpriv", "--reuid=65534", "--regid=" + std::to_string(gid), "--clear-groups", "curl", "-sS",
                        "--max-time", "10", "--unix-socket", daemon.socket_path(), "http://gocker/_ping"});
  };
  auto member = as_gid(member_gid);
  CHECK_MESSAGE(member.exit_code == 0, member.describe());
  CHECK(member.out == "OK");
  auto outsider = as_gid(other_gid);
  CHECK_MESSAGE(outsider.exit_code != 0, outsider.describe());
  CHECK(outsider.out.empty());
}

TEST_CASE("without the default group the socket stays root:root with a warning; a named missing group stops the start") {
  {
    Daemon daemon;
    REQUIRE_DAEMON(daemon);
    const struct stat info = stat_of(daemon.socket_path());
    CHECK((info.st_mode & 07777) == 0660);
    if (const group* gocker_group = ::getgrnam("gocker")) {
      CHECK(info.st_gid == gocker_group->gr_gid);
    } else {
      CHECK(info.st_gid == 0);
      CHECK(contains(daemon.log(), "group \"gocker\" does not exist: the API socket is root:root 0660"));
    }
  }
  DaemonOptions options;
  options.extra_args = {"--group", "gocker-test-no-such-group"};
  Daemon daemon(options);
  CHECK(!daemon.started());
  CHECK(contains(daemon.start_error(), "gockerd: --group \"gocker-test-no-such-group\": no such group"));
  CHECK(::access(daemon.socket_path().c_str(), F_OK) != 0);  // refused before binding anything
}

// ---- TCP only with TLS -----------------------------------------------------------------------------

TEST_CASE("-H tcp:// without --tlsverify and its three files is refused with a one-line reason") {
  {
    DaemonOptions options;
    options.extra_args = {"-H", kTlsHost};
    Daemon daemon(options);
    CHECK(!daemon.started());
    CHECK(contains(daemon.start_error(), "exited with status 1"));
    CHECK(contains(daemon.start_error(),
                   "gockerd: -H tcp://127.0.0.1:2376: the API is served over TCP only with TLS and client certificates: "
                   "add --tlsverify --tlscacert CA.pem --tlscert SERVER-CERT.pem --tlskey SERVER-KEY.pem\n"));
    CHECK(::access(daemon.socket_path().c_str(), F_OK) != 0);
  }
  {
    DaemonOptions options;
    options.extra_args = {"-H", kTlsHost, "--tlsverify", "--tlscacert", "/etc/hostname"};
    Daemon daemon(options);
    CHECK(!daemon.started());
    CHECK(contains(daemon.start_error(), "gockerd: --tlsverify needs --tlscacert, --tlscert and --tlskey (missing: --tlscert, --tlskey)"));
  }
  {
    DaemonOptions options;
    options.extra_args = {"-H", "tcp://localhost:2376", "--tlsverify"};
    Daemon daemon(options);
    CHECK(!daemon.started());
    CHECK(contains(daemon.start_error(), "host \"tcp://localhost:2376\": the address must be a numeric"));
  }
}

TEST_CASE("TLS: a key that does not match the certificate is refused at start") {
  if (!has_program("openssl")) return skip_case("no openssl CLI to make certificates with");
  TestPki pki;
  REQUIRE_MESSAGE(pki.error().empty(), pki.error());
  DaemonOptions options;
  options.extra_args = {"-H", kTlsHost, "--tlsverify", "--tlscacert", pki.ca(), "--tlscert", pki.server_cert(),
                        "--tlskey", pki.client_key()};
  Daemon daemon(options);
  CHECK(!daemon.started());
  // OpenSSL finds the mismatch as it loads the key ("key values mismatch").
  CHECK(contains(daemon.start_error(), "gockerd: TLS: --tlskey \"" + pki.client_key() + "\": "));
  CHECK(contains(daemon.start_error(), "mismatch"));
}

TEST_CASE("TLS: curl with a client certificate the CA signed is served; without one, or with another CA's, it is not") {
  if (!has_program("openssl") || !has_program("curl")) return skip_case("no openssl or curl CLI");
  TestPki pki;
  REQUIRE_MESSAGE(pki.error().empty(), pki.error());
  Daemon daemon(tls_daemon_options(pki));
  REQUIRE_DAEMON(daemon);
  CHECK(contains(daemon.log(), "listening on tcp://127.0.0.1:2376 (TLS, client certificates signed by"));

  auto ping = curl_tls(pki, {"--cert", pki.client_cert(), "--key", pki.client_key()}, "/_ping");
  CHECK_MESSAGE(ping.exit_code == 0, ping.describe());
  CHECK(ping.out == "OK");
  // Measured after the first connection, which may leave what OpenSSL opens once.
  const size_t baseline_fds = wait_for_fds_at_most(daemon.pid(), 0, 1s);
  const std::string baseline_listing = fd_listing(daemon.pid());
  auto version = curl_tls(pki, {"--cert", pki.client_cert(), "--key", pki.client_key()}, "/v1.41/version");
  CHECK_MESSAGE(version.exit_code == 0, version.describe());
  auto version_json = nlohmann::json::parse(version.out, nullptr, false);
  CHECK(version_json.is_object());
  CHECK(version_json.value("ApiVersion", "") == "1.41");
  // The limits hold on TCP too: the same session sits behind the relay.
  auto too_long = curl_tls(pki, {"--cert", pki.client_cert(), "--key", pki.client_key(), "-w", "%{http_code}", "-o", "/dev/null"},
                           "/containers/json?filters=" + std::string(20000, 'x'));
  CHECK(too_long.out == "414");

  auto anonymous = curl_tls(pki, {}, "/_ping");
  CHECK_MESSAGE(anonymous.exit_code != 0, anonymous.describe());
  CHECK(anonymous.out.empty());
  auto rogue = curl_tls(pki, {"--cert", pki.rogue_cert(), "--key", pki.rogue_key()}, "/_ping");
  CHECK_MESSAGE(rogue.exit_code != 0, rogue.describe());
  CHECK(rogue.out.empty());
  // Plain HTTP on the TLS port gets nothing either.
  auto plain = run_command({"curl", "-sS", "--max-time", "10", "http://127.0.0.1:2376/_ping"});
  CHECK(plain.exit_code != 0);
  CHECK(plain.out.empty());
  CHECK(contains(daemon.log(), "TLS handshake with 127.0.0.1:"));

  // Every relay and session ended with its client: the fds are back.
  const size_t after = wait_for_fds_at_most(daemon.pid(), baseline_fds, 10s);
  CHECK_MESSAGE(after <= baseline_fds, "fds before " << baseline_fds << ":\n" << baseline_listing << "after " << after
                                                     << ":\n" << fd_listing(daemon.pid()));
}

TEST_CASE("TLS: the docker CLI runs containers over TCP, attached streams included") {
  if (!has_program("openssl")) return skip_case("no openssl CLI to make certificates with");
  if (docker_cli_path().empty()) return skip_case("no docker CLI (scripts/install-deps.sh --test installs docker.io)");
  TestPki pki;
  REQUIRE_MESSAGE(pki.error().empty(), pki.error());
  Daemon daemon(tls_daemon_options(pki));
  REQUIRE_DAEMON(daemon);

  auto version = docker_tls(daemon, pki, {"version", "--format", "{{.Server.APIVersion}}"});
  CHECK_MESSAGE(version.exit_code == 0, version.describe());
  CHECK(trim(version.out) == "1.41");

  // Attach (a hijacked connection) through the relay: output, exit code.
  auto echo = docker_tls(daemon, pki, {"run", "--rm", "busybox", "echo", "hi"});
  CHECK_MESSAGE(echo.exit_code == 0, echo.describe());
  CHECK(echo.out == "hi\n");
  auto status = docker_tls(daemon, pki, {"run", "--rm", "busybox", "sh", "-c", "exit 3"});
  CHECK_MESSAGE(status.exit_code == 3, status.describe());

  // stdin through TLS and its end (the CLI's CloseWrite sends close_notify; the relay turns it
  // into EOF for the container) while the output still comes back.
  CommandOptions with_stdin;
  with_stdin.stdin_data = "line one\nline two\n";
  auto cat = docker_tls(daemon, pki, {"run", "-i", "--rm", "busybox", "cat"}, with_stdin);
  CHECK_MESSAGE(cat.exit_code == 0, cat.describe());
  CHECK(cat.out == "line one\nline two\n");

  auto ps = docker_tls(daemon, pki, {"ps", "-a", "-q"});
  CHECK_MESSAGE(ps.exit_code == 0, ps.describe());
  CHECK(trim(ps.out).empty());  // every --rm container is gone
}

// ---- limits and malformed input ----------------------------------------------------------------

TEST_CASE("oversized heads, targets and bodies get 431, 414 and 413 with a JSON message; the daemon serves on") {
  Daemon daemon;
  REQUIRE_DAEMON(daemon);
  const std::string& socket = daemon.socket_path();

  auto header = parse_answer(exchange_raw(socket, get_request("/_ping", "X-Registry-Auth: " + std::string(100 * 1024, 'a') + "\r\n")));
  CHECK(header.status == 431);
  CHECK(header.message == "request header fields are larger than the limit of 65536 bytes");
  // A header block of 40 KiB (registry credentials can be long) is fine.
  auto fits = parse_answer(exchange_raw(socket, get_request("/_ping", "X-Registry-Auth: " + std::string(40 * 1024, 'a') + "\r\nConnection: close\r\n")));
  CHECK(fits.status == 200);

  for (size_t length : {size_t{20 * 1024}, size_t{300 * 1024}}) {
    auto target = parse_answer(exchange_raw(socket, get_request("/containers/json?filters=" + std::string(length, 'x'))));
    CHECK_MESSAGE(target.status == 414, "a target of " << length << " bytes");
    CHECK(target.message == "request URI is longer than the limit of 16384 bytes");
  }

  const std::string big_json = "{\"Image\":\"busybox\",\"Labels\":{\"x\":\"" + std::string(2 * 1024 * 1024, 'x') + "\"}}";
  auto announced = parse_answer(exchange_raw(socket, post_request("/containers/create", big_json)));
  CHECK(announced.status == 413);
  CHECK(announced.message == "request body is larger than the limit of 1048576 bytes");
  std::string chunked = "POST /v1.41/containers/create HTTP/1.1\r\nHost: gocker\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n";
  for (size_t at = 0; at < big_json.size(); at += 65536) {
    const std::string piece = big_json.substr(at, 65536);
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
    chunked += size_line + piece + "\r\n";
  }
  chunked += "0\r\n\r\n";
  auto streamed = parse_answer(exchange_raw(socket, chunked));
  CHECK(streamed.status == 413);
  CHECK(streamed.message == "request body is larger than the limit of 1048576 bytes");

  // Nothing was created, and the daemon answers.
  auto list = daemon.http("GET", "/containers/json?all=1");
  CHECK(list.status == 200);
  CHECK(trim(list.body) == "[]");

  // A config of 200 KiB (many labels) is within the JSON limit.
  nlohmann::json config = {{"Image", "busybox"}, {"Cmd", {"true"}}};
  for (int i = 0; i < 2000; ++i) config["Labels"]["label" + std::to_string(i)] = std::string(90, 'v');
  auto created = daemon.http("POST", "/containers/create?name=many-labels", config.dump());
  CHECK_MESSAGE(created.status == 201, created.describe());
  // And docker cp keeps its own, larger limit: 3 MiB into a container.
  const std::string big_file = daemon.temp_dir() + "/big.bin";
  std::ofstream(big_file) << std::string(3 * 1024 * 1024, 'z');
  auto copied = daemon.gockerctl({"cp", big_file, "many-labels:/big.bin"});
  CHECK_MESSAGE(copied.exit_code == 0, copied.describe());
  CHECK(daemon.gockerctl({"rm", "many-labels"}).exit_code == 0);
}

TEST_CASE("malformed and hostile JSON gets a 400 with a message on every route that reads a body") {
  Daemon daemon;
  REQUIRE_DAEMON(daemon);
  for (const char* target : {"/containers/create", "/networks/create", "/volumes/create"}) {
    auto answer = parse_answer(exchange_raw(daemon.socket_path(), post_request(target, "{\"Name\": busybox")));
    CHECK_MESSAGE(answer.status == 400, target << ": " << answer.body);
    CHECK_MESSAGE(!answer.message.empty(), target);
  }
  auto not_object = daemon.http("POST", "/containers/create", "[1,2,3]");
  CHECK(not_object.status == 400);
  // Nesting half a million levels deep, inside the size limit: refused, and the daemon lives.
  const std::string deep = std::string(500000, '[') + std::string(500000, ']');
  const std::string deep_field = std::string(200000, '[') + std::string(200000, ']');
  for (const char* target : {"/containers/create", "/networks/create", "/volumes/create"}) {
    auto nested = parse_answer(exchange_raw(daemon.socket_path(), post_request(target, deep)));
    CHECK_MESSAGE(nested.status == 400, target);
    // The same depth inside a field the route reads.
    auto in_field = parse_answer(exchange_raw(daemon.socket_path(), post_request(target, "{\"Image\":\"busybox\",\"Name\":\"x\",\"Labels\":" + deep_field + ",\"Env\":" + deep_field + "}")));
    CHECK_MESSAGE(in_field.status == 400, target << ": " << in_field.body.substr(0, 300));
  }
  CHECK(daemon.http("GET", "/_ping").body == "OK");
  CHECK(::kill(daemon.pid(), 0) == 0);
}

TEST_CASE("a client that stalls in the middle of a request holds nobody else up") {
  Daemon daemon;
  REQUIRE_DAEMON(daemon);
  const int stalled = connect_unix(daemon.socket_path());
  const std::string partial = "POST /containers/create HTTP/1.1\r\nHost: gocker\r\nContent-Length: 100\r\n\r\n{\"Ima";
  REQUIRE(::send(stalled, partial.data(), partial.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(partial.size()));
  const int half_head = connect_unix(daemon.socket_path());
  REQUIRE(::send(half_head, "GET /_ping HTTP/1.1\r\nHo", 23, MSG_NOSIGNAL) == 23);
  const auto started = Clock::now();
  auto ping = daemon.http("GET", "/_ping");
  CHECK(ping.body == "OK");
  CHECK(detail::since(started) < 5s);
  ::close(stalled);
  ::close(half_head);
}

// ---- many clients ------------------------------------------------------------------------------

TEST_CASE("200 kept-alive connections: all served, a new client too, no thread per connection, fds back after") {
  constexpr int kConnections = 200;
  Daemon daemon;
  REQUIRE_DAEMON(daemon);
  const pid_t pid = daemon.pid();
  REQUIRE(daemon.http("GET", "/_ping").body == "OK");  // warm: the pool's threads exist
  const size_t baseline_fds = open_fds(pid);
  const size_t baseline_threads = thread_count(pid);

  std::vector<int> connections;
  for (int i = 0; i < kConnections; ++i) connections.push_back(connect_unix(daemon.socket_path()));
  const std::string ping = get_request("/_ping");
  for (int fd : connections) REQUIRE(::send(fd, ping.data(), ping.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(ping.size()));
  int answered = 0;
  for (int fd : connections) {
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string received;
    char buffer[4096];
    while (received.find("\r\n\r\nOK") == std::string::npos) {
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      received.append(buffer, static_cast<size_t>(n));
    }
    if (received.rfind("HTTP/1.1 200 OK\r\n", 0) == 0 && !contains(received, "Connection: close") &&
        contains(received, "\r\n\r\nOK"))
      ++answered;
  }
  CHECK(answered == kConnections);

  // All still open on the daemon's side, served by the same few threads.
  const size_t loaded_fds = open_fds(pid);
  const size_t loaded_threads = thread_count(pid);
  CHECK(loaded_fds + 2 >= baseline_fds + kConnections);  // the warm-up connection may still be open at the baseline
  CHECK_MESSAGE(loaded_threads <= baseline_threads + 2, "threads: " << baseline_threads << " -> " << loaded_threads);

  // A new client is answered while they are all open, on a kept-alive one as well.
  CHECK(daemon.http("GET", "/_ping").body == "OK");
  const std::string again = get_request("/v1.41/version");
  REQUIRE(::send(connections.front(), again.data(), again.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(again.size()));
  std::string version;
  char buffer[4096];
  while (!contains(version, "\"ApiVersion\"")) {
    ssize_t n = ::recv(connections.front(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    version.append(buffer, static_cast<size_t>(n));
  }
  CHECK(contains(version, "\"ApiVersion\":\"1.41\""));

  for (int fd : connections) ::close(fd);
  const size_t after = wait_for_fds_at_most(pid, baseline_fds + 2, 10s);
  CHECK_MESSAGE(after <= baseline_fds + 2, "fds: baseline " << baseline_fds << ", with connections " << loaded_fds
                                                            << ", after closing " << after);
  CHECK(thread_count(pid) <= baseline_threads + 2);
}

TEST_CASE("gockerd re-executes itself with glibc's tcache off and keeps its name") {
  Daemon daemon;
  REQUIRE_DAEMON(daemon);
  const std::string proc = "/proc/" + std::to_string(daemon.pid());
  std::ifstream comm_file(proc + "/comm");
  std::string comm;
  std::getline(comm_file, comm);
  CHECK(comm == "gockerd");  // executed by its path, not as /proc/self/exe ("exe")
  std::ifstream environ_file(proc + "/environ");
  std::string variable;
  bool tuned = false;
  while (std::getline(environ_file, variable, '\0'))
    if (variable.rfind("GLIBC_TUNABLES=", 0) == 0) tuned = contains(variable, "glibc.malloc.tcache_count=0");
  CHECK(tuned);
  CHECK(daemon.http("GET", "/_ping").body == "OK");
}

TEST_CASE("every descriptor gockerd holds is close-on-exec: client connections and monitor sockets too") {
  // A child holding a copy of a closed connection kept it in the daemon's epoll set (adopted_socket.hpp).
  Daemon daemon;
  REQUIRE_DAEMON(daemon);
  std::vector<int> connections;
  for (int i = 0; i < 3; ++i) {
    const int fd = connect_unix(daemon.socket_path());
    const std::string ping = get_request("/_ping");
    REQUIRE(::send(fd, ping.data(), ping.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(ping.size()));
    char buffer[512];
    REQUIRE(::recv(fd, buffer, sizeof buffer, 0) > 0);  // accepted and answered: the daemon holds it
    connections.push_back(fd);
  }
  auto run = daemon.gockerctl({"run", "-d", "--name", "cloexec", "busybox", "sleep", "100"});
  REQUIRE_MESSAGE(run.exit_code == 0, run.describe());
  auto logs = daemon.gockerctl({"logs", "cloexec"});  // a connection to its monitor
  CHECK(logs.exit_code == 0);

  const std::string proc = "/proc/" + std::to_string(daemon.pid());
  std::vector<std::string> inheritable;
  size_t sockets = 0;
  for (const auto& entry : std::filesystem::directory_iterator(proc + "/fd")) {
    const int fd = std::stoi(entry.path().filename().string());
    if (fd <= 2) continue;
    std::error_code error;
    const std::string target = std::filesystem::read_symlink(entry.path(), error).string();
    if (error) continue;  // closed while we looked
    std::ifstream info(proc + "/fdinfo/" + std::to_string(fd));
    std::string key;
    std::string flags;
    while (info >> key && key != "flags:") {}
    info >> flags;
    if (flags.empty()) continue;
    if (target.rfind("socket:", 0) == 0) ++sockets;
    if ((std::stoul(flags, nullptr, 8) & O_CLOEXEC) == 0) inheritable.push_back(std::to_string(fd) + " " + target);
  }
  for (int fd : connections) ::close(fd);
  CHECK(sockets >= 4);  // the listener and the connections above
  std::string listed;
  for (const auto& line : inheritable) listed += "\n  " + line;
  CHECK_MESSAGE(inheritable.empty(), "descriptors a child would inherit:" << listed);
  daemon.gockerctl({"rm", "-f", "cloexec"});
}
