// Registry authentication with bearer tokens (images issue 5), Docker Hub's flow: Debian's
// docker-registry (distribution 2.8) configured with `auth: token:` sends clients to a token
// server, tests/tools/registry_token_server.py, which this program starts beside it on 127.0.0.1
// of the harness's network namespace. The server signs RS256 JWTs with a key it makes at start;
// its certificate is the registry's rootcertbundle and rides in each token's x5c header. It
// grants alice pull and push everywhere (also through a refresh token, OAuth 2's POST), reader
// pull only, bob pull and push under bob/ only, anonymous users pull under public/ only, and
// refuses wrong passwords with 401; each token request is logged as a JSON line, so the tests
// read which scopes gockerd asked for and how many tokens a transfer took.
//
// Checked: pushes and pulls without credentials are refused with a one-line reason; gockerctl
// login refuses a wrong password and saves the right one; push and pull then round-trip an image
// with one token per transfer (shared by the parallel blob requests), the push asking for
// "pull,push"; anonymous pulls of a public repository work; a push mounts layers from another
// repository of the registry with one token for both (and uploads them when the token has no pull
// there); a token without push (reader) is a clean refusal, not a loop; an identity token (OAuth
// refresh token) in config.json is exchanged by POST, for gockerctl and the docker CLI; logout
// makes the next push fail again; against a token server that answers "access_token" only and
// gives refresh tokens, login keeps the refresh token instead of the password (gockerctl and the
// docker CLI alike) and pushes use it; and the docker CLI's login, push and pull through gockerd.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>

#include "tests/support/harness.hpp"
#include "tests/support/test_registry.hpp"

using namespace gocker::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kService = "gocker-test-registry";
constexpr const char* kIssuer = "gocker-test-token-issuer";

// A token server and the registry that trusts it.
class TokenRegistry {
 public:
  // `extra_arguments`: more of the token server's options (--token-field, --offline-tokens).
  TokenRegistry(const std::string& dir, int registry_port, int token_port,
                const std::vector<std::string>& extra_arguments = {})
      : host_("127.0.0.1:" + std::to_string(registry_port)), log_path_(dir + "/tokens.log") {
    fs::create_directories(dir);
    const std::string listen = "127.0.0.1:" + std::to_string(token_port);
    const std::string certificate = dir + "/token-signer.pem";
    std::vector<std::string> argv = {
        "/usr/bin/python3", std::string(GOCKER_SOURCE_DIR) + "/tests/tools/registry_token_server.py",
        "--listen", listen, "--cert-out", certificate, "--log", log_path_, "--issuer", kIssuer, "--service", kService,
        "--user", "alice:s3cret", "--reader", "reader:r3ad", "--scoped-user", "bob:b0b:bob",
        "--refresh-token", "refresh-alice:alice", "--public", "public"};
    argv.insert(argv.end(), extra_arguments.begin(), extra_arguments.end());
    token_server_ = std::make_unique<BackgroundServer>(std::move(argv), dir + "/token-server.log", "127.0.0.1", token_port);
    if (!token_server_->wait_listening()) {
      error_ = "the token server did not start: " + read_file(dir + "/token-server.log").value_or("(no log)");
      return;
    }
    registry_ = std::make_unique<TestRegistry>(dir + "/registry", "127.0.0.1", registry_port, "",
                                               "auth:\n  token:\n    realm: http://" + listen + "/token\n" +
                                                   "    service: " + kService + "\n    issuer: " + kIssuer +
                                                   "\n    rootcertbundle: " + certificate + "\n");
    if (!registry_->wait_listening())
      error_ = "docker-registry did not start: " + read_file(dir + "/registry/registry.log").value_or("(no log)");
  }

  const std::string& error() const { return error_; }
  const std::string& host() const { return host_; }

  // The token requests logged so far: {"account", "scopes", "granted", "status"}.
  std::vector<nlohmann::json> token_requests() const {
    std::vector<nlohmann::json> requests;
    for (const auto& line : split_lines(read_file(log_path_).value_or(""))) {
      auto parsed = nlohmann::json::parse(line, nullptr, false);
      if (parsed.is_object()) requests.push_back(std::move(parsed));
    }
    return requests;
  }
  // The requests logged after the first `since`.
  std::vector<nlohmann::json> token_requests_since(size_t since) const {
    auto requests = token_requests();
    return std::vector<nlohmann::json>(requests.begin() + static_cast<std::ptrdiff_t>(std::min(since, requests.size())),
                                       requests.end());
  }

 private:
  std::string host_;
  std::string log_path_;
  std::string error_;
  std::unique_ptr<BackgroundServer> token_server_;
  std::unique_ptr<TestRegistry> registry_;
};

Daemon& daemon_under_test() {
  static Daemon daemon;
  return daemon;
}

TokenRegistry& token_registry() {
  static TokenRegistry registry(daemon_under_test().temp_dir() + "/token-auth", 5002, 5003);
  return registry;
}

// gockerctl with a credential store of its own (never the home directory's).
CommandResult ctl(const std::vector<std::string>& args, const std::string& config_name = "client-config",
                  std::optional<std::string> stdin_data = std::nullopt) {
  auto& daemon = daemon_under_test();
  CommandOptions options;
  options.stdin_data = std::move(stdin_data);
  options.env = {{"GOCKER_CONFIG", daemon.temp_dir() + "/" + config_name}};
  return daemon.gockerctl(args, options);
}

// The non-empty lines of `text`.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (auto& line : split_lines(text))
    if (!trim(line).empty()) lines.push_back(line);
  return lines;
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

// The local image's id; "" when there is none.
std::string image_id(const std::string& image) {
  auto inspected = daemon_under_test().gockerctl({"image", "inspect", image});
  if (inspected.exit_code != 0) return "";
  auto parsed = nlohmann::json::parse(inspected.out, nullptr, false);
  if (!parsed.is_array() || parsed.empty() || !parsed[0]["Id"].is_string()) return "";
  return parsed[0]["Id"].get<std::string>();
}

// A three-layer image tagged `image` (busybox's and two committed ones, so a pull after rmi
// downloads two blobs in parallel); its id.
std::string make_image(const std::string& image, const std::string& content) {
  auto& daemon = daemon_under_test();
  const std::string container = "src-" + std::to_string(std::hash<std::string>{}(image) % 100000);
  const std::string middle = "middle-" + container + ":1";
  std::string base = "busybox";
  for (const auto& [target, command] : std::vector<std::pair<std::string, std::string>>{
           {middle, "echo first > /first"}, {image, "echo " + content + " > /content"}}) {
    auto ran = daemon.gockerctl({"run", "--name", container, "--network", "none", base, "sh", "-c", command});
    REQUIRE_MESSAGE(ran.exit_code == 0, ran.describe());
    auto committed = daemon.gockerctl({"commit", "-c", "CMD [\"cat\", \"/content\"]", container, target});
    REQUIRE_MESSAGE(committed.exit_code == 0, committed.describe());
    REQUIRE(daemon.gockerctl({"rm", container}).exit_code == 0);
    base = target;
  }
  REQUIRE(daemon.gockerctl({"rmi", middle}).exit_code == 0);
  const std::string id = image_id(image);
  REQUIRE(!id.empty());
  return id;
}

}  // namespace

TEST_CASE("without credentials a push and a pull of a private repository are refused, with a one-line reason") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  auto& registry = token_registry();
  REQUIRE_MESSAGE(registry.error().empty(), registry.error());
  const std::string image = registry.host() + "/private/anon:1";
  REQUIRE(daemon.gockerctl({"tag", "busybox", image}).exit_code == 0);
  const size_t before = registry.token_requests().size();

  auto pushed = ctl({"push", image});
  CHECK(pushed.exit_code == 1);
  CHECK_MESSAGE(lines_of(pushed.err).size() == 1, pushed.describe());
  CHECK_MESSAGE(contains(pushed.err, "denied: requested access to the resource is denied"), pushed.describe());
  // gockerd asked anonymously for what a push needs, and was given nothing.
  auto asked = registry.token_requests_since(before);
  REQUIRE_FALSE(asked.empty());
  CHECK(asked.front()["account"] == "");
  CHECK(asked.front()["account_parameter"] == "");
  CHECK(asked.front()["scopes"][0] == "repository:private/anon:pull,push");
  CHECK(asked.front()["granted"] == nlohmann::json::array());

  REQUIRE(daemon.gockerctl({"rmi", image}).exit_code == 0);
  auto pulled = ctl({"pull", image});
  CHECK(pulled.exit_code == 1);
  CHECK_MESSAGE(lines_of(pulled.err).size() == 1, pulled.describe());
  CHECK_MESSAGE(contains(pulled.err, "pull access denied for private/anon"), pulled.describe());
  CHECK(image_id(image).empty());
}

TEST_CASE("login with bearer tokens: a wrong password is refused, the right one saved; push and pull carry it; logout") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  auto& registry = token_registry();
  REQUIRE_MESSAGE(registry.error().empty(), registry.error());
  const std::string config_dir = daemon.temp_dir() + "/alice-config";

  auto wrong = ctl({"login", "-u", "alice", "--password-stdin", registry.host()}, "alice-config", "nope\n");
  CHECK(wrong.exit_code == 1);
  CHECK_MESSAGE(lines_of(wrong.err).size() == 1, wrong.describe());
  CHECK_MESSAGE(contains(wrong.err, "unauthorized: incorrect username or password"), wrong.describe());
  CHECK_FALSE(fs::exists(config_dir + "/config.json"));
  auto unknown = ctl({"login", "-u", "mallory", "--password-stdin", registry.host()}, "alice-config", "s3cret\n");
  CHECK(unknown.exit_code == 1);
  CHECK_FALSE(fs::exists(config_dir + "/config.json"));

  size_t mark = registry.token_requests().size();
  auto logged_in = ctl({"login", "-u", "alice", "--password-stdin", registry.host()}, "alice-config", "s3cret\n");
  REQUIRE_MESSAGE(logged_in.exit_code == 0, logged_in.describe());
  CHECK(contains(logged_in.out, "Login Succeeded"));
  auto login_tokens = registry.token_requests_since(mark);
  REQUIRE(login_tokens.size() == 1);
  CHECK(login_tokens[0]["account"] == "alice");
  CHECK(login_tokens[0]["status"] == 200);
  auto saved = nlohmann::json::parse(read_file(config_dir + "/config.json").value_or(""), nullptr, false);
  REQUIRE(saved.is_object());
  CHECK(saved["auths"].contains(registry.host()));

  // Push: one token, asked for with "pull,push", shared by the config check, the three parallel
  // layer uploads and the manifest.
  const std::string image = registry.host() + "/private/app:1";
  const std::string id = make_image(image, "pushed-with-a-token");
  mark = registry.token_requests().size();
  auto pushed = ctl({"push", image}, "alice-config");
  REQUIRE_MESSAGE(pushed.exit_code == 0, pushed.describe());
  CHECK_MESSAGE(count_of(pushed.out, ": Pushed") == 3, pushed.out);
  CHECK_MESSAGE(contains(pushed.out, "1: digest: sha256:"), pushed.out);
  auto push_tokens = registry.token_requests_since(mark);
  REQUIRE_MESSAGE(push_tokens.size() == 1, nlohmann::json(push_tokens).dump());
  CHECK(push_tokens[0]["account"] == "alice");
  CHECK(push_tokens[0]["account_parameter"] == "alice");  // as docker's client sends it
  CHECK(push_tokens[0]["scopes"][0] == "repository:private/app:pull,push");

  // Pull it back: the same image, with one token for "pull".
  REQUIRE(daemon.gockerctl({"rmi", image}).exit_code == 0);
  REQUIRE(image_id(id).empty());
  mark = registry.token_requests().size();
  auto pulled = ctl({"pull", image}, "alice-config");
  REQUIRE_MESSAGE(pulled.exit_code == 0, pulled.describe());
  CHECK(image_id(image) == id);
  CHECK_MESSAGE(count_of(pulled.out, ": Pull complete") == 2, pulled.out);
  auto pull_tokens = registry.token_requests_since(mark);
  REQUIRE_MESSAGE(pull_tokens.size() == 1, nlohmann::json(pull_tokens).dump());
  CHECK(pull_tokens[0]["scopes"] == nlohmann::json::array({"repository:private/app:pull"}));
  auto ran = daemon.gockerctl({"run", "--rm", "--network", "none", image});
  CHECK_MESSAGE(ran.out == "pushed-with-a-token\n", ran.describe());

  // A public repository: alice pushes, anyone pulls, nobody else pushes.
  const std::string shared = registry.host() + "/public/tool:1";
  REQUIRE(daemon.gockerctl({"tag", image, shared}).exit_code == 0);
  auto pushed_public = ctl({"push", shared}, "alice-config");
  REQUIRE_MESSAGE(pushed_public.exit_code == 0, pushed_public.describe());
  REQUIRE(daemon.gockerctl({"rmi", shared}).exit_code == 0);
  mark = registry.token_requests().size();
  auto anonymous_pull = ctl({"pull", shared}, "anonymous-config");
  REQUIRE_MESSAGE(anonymous_pull.exit_code == 0, anonymous_pull.describe());
  CHECK(image_id(shared) == id);
  auto anonymous_tokens = registry.token_requests_since(mark);
  REQUIRE(anonymous_tokens.size() == 1);
  CHECK(anonymous_tokens[0]["account"] == "");
  CHECK(anonymous_tokens[0]["granted"] ==
        nlohmann::json::parse(R"([{"type": "repository", "name": "public/tool", "actions": ["pull"]}])"));
  auto anonymous_push = ctl({"push", shared}, "anonymous-config");
  CHECK(anonymous_push.exit_code == 1);
  CHECK_MESSAGE(contains(anonymous_push.err, "denied"), anonymous_push.describe());

  // Logged out: the next push is refused again.
  auto logged_out = ctl({"logout", registry.host()}, "alice-config");
  CHECK(logged_out.exit_code == 0);
  CHECK(contains(logged_out.out, "Removing login credentials for " + registry.host()));
  auto after_logout = ctl({"push", image}, "alice-config");
  CHECK(after_logout.exit_code == 1);
  CHECK_MESSAGE(lines_of(after_logout.err).size() == 1, after_logout.describe());
  CHECK_MESSAGE(contains(after_logout.err, "denied: requested access to the resource is denied"), after_logout.describe());
}

TEST_CASE("a push mounts the layers another repository of the registry has, when the token allows it") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  auto& registry = token_registry();
  REQUIRE_MESSAGE(registry.error().empty(), registry.error());
  const std::string source = registry.host() + "/private/mount-src:1";
  const std::string target = registry.host() + "/private/mount-dst:1";
  const std::string id = make_image(source, "mounted");
  REQUIRE(ctl({"login", "-u", "alice", "--password-stdin", registry.host()}, "mount-config", "s3cret\n").exit_code == 0);
  auto pushed = ctl({"push", source}, "mount-config");
  REQUIRE_MESSAGE(pushed.exit_code == 0, pushed.describe());

  // Every layer mounted, none uploaded; one token for the target's pull,push and the source's pull.
  REQUIRE(daemon.gockerctl({"tag", source, target}).exit_code == 0);
  size_t mark = registry.token_requests().size();
  auto mounted = ctl({"push", target}, "mount-config");
  REQUIRE_MESSAGE(mounted.exit_code == 0, mounted.describe());
  CHECK_MESSAGE(count_of(mounted.out, ": Mounted from ") == 3, mounted.out);
  CHECK_MESSAGE(count_of(mounted.out, ": Mounted from private/mount-src") >= 2, mounted.out);
  CHECK_MESSAGE(!contains(mounted.out, "Pushed"), mounted.out);
  auto asked = registry.token_requests_since(mark);
  REQUIRE_MESSAGE(asked.size() == 1, nlohmann::json(asked).dump());
  const auto& scopes = asked[0]["scopes"];
  CHECK(scopes[0] == "repository:private/mount-dst:pull,push");
  CHECK(std::find(scopes.begin(), scopes.end(), "repository:private/mount-src:pull") != scopes.end());

  // What the registry holds under the target is whole: gone locally, pulled back, it runs.
  REQUIRE(daemon.gockerctl({"rmi", source, target}).exit_code == 0);
  REQUIRE(image_id(id).empty());
  auto pulled = ctl({"pull", target}, "mount-config");
  REQUIRE_MESSAGE(pulled.exit_code == 0, pulled.describe());
  CHECK(image_id(target) == id);
  auto ran = daemon.gockerctl({"run", "--rm", "--network", "none", target});
  CHECK_MESSAGE(ran.out == "mounted\n", ran.describe());

  // bob may push under bob/ but not read private/: the mount is refused, the layers are uploaded.
  const std::string own = registry.host() + "/bob/app:1";
  REQUIRE(daemon.gockerctl({"tag", target, own}).exit_code == 0);
  REQUIRE(ctl({"login", "-u", "bob", "--password-stdin", registry.host()}, "bob-config", "b0b\n").exit_code == 0);
  mark = registry.token_requests().size();
  auto uploaded = ctl({"push", own}, "bob-config");
  REQUIRE_MESSAGE(uploaded.exit_code == 0, uploaded.describe());
  CHECK_MESSAGE(count_of(uploaded.out, ": Pushed") == 3, uploaded.out);
  CHECK_MESSAGE(!contains(uploaded.out, "Mounted from"), uploaded.out);
  for (const auto& request : registry.token_requests_since(mark)) CHECK(request["account"] == "bob");
  REQUIRE(daemon.gockerctl({"rmi", own, target}).exit_code == 0);
  auto pulled_own = ctl({"pull", own}, "bob-config");
  REQUIRE_MESSAGE(pulled_own.exit_code == 0, pulled_own.describe());
  CHECK(image_id(own) == id);
}

TEST_CASE("a token without push (a read-only user) refuses the push cleanly; the pull works") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  auto& registry = token_registry();
  REQUIRE_MESSAGE(registry.error().empty(), registry.error());
  // Something to pull, pushed by alice.
  const std::string image = registry.host() + "/private/readable:1";
  const std::string id = make_image(image, "readable");
  REQUIRE(ctl({"login", "-u", "alice", "--password-stdin", registry.host()}, "writer-config", "s3cret\n").exit_code == 0);
  auto pushed = ctl({"push", image}, "writer-config");
  REQUIRE_MESSAGE(pushed.exit_code == 0, pushed.describe());

  auto logged_in = ctl({"login", "-u", "reader", "--password-stdin", registry.host()}, "reader-config", "r3ad\n");
  REQUIRE_MESSAGE(logged_in.exit_code == 0, logged_in.describe());
  const size_t mark = registry.token_requests().size();
  auto refused = ctl({"push", image}, "reader-config");
  CHECK(refused.exit_code == 1);
  CHECK_MESSAGE(lines_of(refused.err).size() == 1, refused.describe());
  CHECK_MESSAGE(contains(refused.err, "denied: requested access to the resource is denied"), refused.describe());
  // The registry's 401 after the token leads to one more token request, not to a loop.
  auto asked = registry.token_requests_since(mark);
  CHECK_MESSAGE(asked.size() <= 2, nlohmann::json(asked).dump());
  for (const auto& request : asked) CHECK(request["account"] == "reader");

  REQUIRE(daemon.gockerctl({"rmi", image}).exit_code == 0);
  auto pulled = ctl({"pull", image}, "reader-config");
  REQUIRE_MESSAGE(pulled.exit_code == 0, pulled.describe());
  CHECK(image_id(image) == id);
}

// config.json as `az acr login` leaves it: a placeholder user without a password, and the OAuth
// refresh token (identitytoken) that stands for the real account.
void write_identity_token_config(const std::string& dir, const std::string& host, const std::string& token) {
  fs::create_directories(dir);
  std::ofstream(dir + "/config.json") << nlohmann::json{
      {"auths", {{host, {{"auth", "MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOg=="}, {"identitytoken", token}}}}}};
}

TEST_CASE("an identity token (an OAuth refresh token) in config.json is exchanged for access tokens by POST") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  auto& registry = token_registry();
  REQUIRE_MESSAGE(registry.error().empty(), registry.error());
  const std::string image = registry.host() + "/private/refreshed:1";
  const std::string id = make_image(image, "refreshed");
  write_identity_token_config(daemon.temp_dir() + "/refresh-config", registry.host(), "refresh-alice");

  size_t mark = registry.token_requests().size();
  auto pushed = ctl({"push", image}, "refresh-config");
  REQUIRE_MESSAGE(pushed.exit_code == 0, pushed.describe());
  auto asked = registry.token_requests_since(mark);
  REQUIRE_MESSAGE(asked.size() == 1, nlohmann::json(asked).dump());
  CHECK(asked[0]["grant_type"] == "refresh_token");
  CHECK(asked[0]["account"] == "alice");
  REQUIRE(asked[0]["scopes"].size() == 1);  // the OAuth form: every scope in one value
  CHECK(asked[0]["scopes"][0].get<std::string>().rfind("repository:private/refreshed:pull,push", 0) == 0);

  REQUIRE(daemon.gockerctl({"rmi", image}).exit_code == 0);
  auto pulled = ctl({"pull", image}, "refresh-config");
  REQUIRE_MESSAGE(pulled.exit_code == 0, pulled.describe());
  CHECK(image_id(image) == id);

  // A refresh token the server does not know (revoked, say): a one-line refusal.
  write_identity_token_config(daemon.temp_dir() + "/revoked-config", registry.host(), "refresh-revoked");
  auto refused = ctl({"push", image}, "revoked-config");
  CHECK(refused.exit_code == 1);
  CHECK_MESSAGE(lines_of(refused.err).size() == 1, refused.describe());
  CHECK_MESSAGE(contains(refused.err, "unauthorized: the identity token was refused"), refused.describe());

  // The docker CLI sends the same config.json's identity token through gockerd.
  if (docker_cli_path().empty()) {
    MESSAGE("SKIPPED PART: no docker CLI on this machine; its identity token was not exercised");
    return;
  }
  const std::string docker_config = daemon.temp_dir() + "/refresh-docker-config";
  write_identity_token_config(docker_config, registry.host(), "refresh-alice");
  const Env docker_env = {{"DOCKER_HOST", daemon.host()}, {"DOCKER_CONFIG", docker_config}};
  REQUIRE(daemon.gockerctl({"rmi", image}).exit_code == 0);
  mark = registry.token_requests().size();
  auto docker_pulled = run_command({docker_cli_path(), "pull", image}, CommandOptions{std::nullopt, docker_env});
  REQUIRE_MESSAGE(docker_pulled.exit_code == 0, docker_pulled.describe());
  CHECK(image_id(image) == id);
  auto docker_asked = registry.token_requests_since(mark);
  REQUIRE(!docker_asked.empty());
  CHECK(docker_asked[0]["grant_type"] == "refresh_token");
  auto docker_pushed = run_command({docker_cli_path(), "push", image}, CommandOptions{std::nullopt, docker_env});
  CHECK_MESSAGE(docker_pushed.exit_code == 0, docker_pushed.describe());
}

TEST_CASE("an OAuth-style token server (access_token only, a refresh token at login): the login keeps that token") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  TokenRegistry registry(daemon.temp_dir() + "/access-token-auth", 5004, 5005,
                         {"--token-field", "access_token", "--offline-tokens"});
  REQUIRE_MESSAGE(registry.error().empty(), registry.error());
  const std::string image = registry.host() + "/private/oauth:1";
  REQUIRE(daemon.gockerctl({"tag", "busybox", image}).exit_code == 0);
  auto logged_in = ctl({"login", "-u", "alice", "--password-stdin", registry.host()}, "oauth-config", "s3cret\n");
  REQUIRE_MESSAGE(logged_in.exit_code == 0, logged_in.describe());
  // As the docker CLI does: the refresh token is saved, the password is not.
  auto saved = nlohmann::json::parse(read_file(daemon.temp_dir() + "/oauth-config/config.json").value_or(""), nullptr, false);
  REQUIRE(saved.is_object());
  const auto& entry = saved["auths"][registry.host()];
  CHECK(entry["auth"] == "YWxpY2U6");  // base64 of "alice:"
  REQUIRE(entry["identitytoken"].is_string());
  CHECK(entry["identitytoken"].get<std::string>().rfind("refresh-", 0) == 0);

  size_t mark = registry.token_requests().size();
  auto pushed = ctl({"push", image}, "oauth-config");
  REQUIRE_MESSAGE(pushed.exit_code == 0, pushed.describe());
  auto asked = registry.token_requests_since(mark);
  REQUIRE(asked.size() == 1);
  CHECK(asked[0]["grant_type"] == "refresh_token");
  CHECK(asked[0]["account"] == "alice");
  REQUIRE(daemon.gockerctl({"rmi", image}).exit_code == 0);
  auto pulled = ctl({"pull", image}, "oauth-config");
  REQUIRE_MESSAGE(pulled.exit_code == 0, pulled.describe());
  CHECK(image_id(image) == image_id("busybox"));

  if (docker_cli_path().empty()) {
    MESSAGE("SKIPPED PART: no docker CLI on this machine; its login against an OAuth token server was not exercised");
    return;
  }
  const std::string docker_config = daemon.temp_dir() + "/oauth-docker-config";
  const Env docker_env = {{"DOCKER_HOST", daemon.host()}, {"DOCKER_CONFIG", docker_config}};
  auto docker_login = run_command({docker_cli_path(), "login", "-u", "alice", "--password-stdin", registry.host()},
                                  CommandOptions{"s3cret\n", docker_env});
  REQUIRE_MESSAGE(docker_login.exit_code == 0, docker_login.describe());
  auto docker_saved = nlohmann::json::parse(read_file(docker_config + "/config.json").value_or(""), nullptr, false);
  REQUIRE(docker_saved.is_object());
  CHECK_MESSAGE(docker_saved["auths"][registry.host()]["identitytoken"].is_string(), docker_saved.dump());
  mark = registry.token_requests().size();
  auto docker_pushed = run_command({docker_cli_path(), "push", image}, CommandOptions{std::nullopt, docker_env});
  CHECK_MESSAGE(docker_pushed.exit_code == 0, docker_pushed.describe());
  auto docker_asked = registry.token_requests_since(mark);
  REQUIRE(!docker_asked.empty());
  CHECK(docker_asked[0]["grant_type"] == "refresh_token");
}

TEST_CASE("docker login, push and pull through gockerd against the token-authenticated registry") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  if (docker_cli_path().empty()) {
    MESSAGE("SKIP: no docker CLI on this machine (scripts/install-deps.sh --test installs docker.io)");
    return;
  }
  auto& registry = token_registry();
  REQUIRE_MESSAGE(registry.error().empty(), registry.error());
  const std::string image = registry.host() + "/private/docker-cli:1";
  const std::string id = make_image(image, "pushed-by-docker");

  auto refused = daemon.docker({"push", image});
  CHECK(refused.exit_code != 0);
  CHECK_MESSAGE(contains(refused.err, "denied"), refused.describe());

  auto wrong = daemon.docker({"login", "-u", "alice", "--password-stdin", registry.host()}, CommandOptions{"nope\n", {}});
  CHECK(wrong.exit_code != 0);
  CHECK_MESSAGE(contains(wrong.err, "incorrect username or password"), wrong.describe());

  auto logged_in = daemon.docker({"login", "-u", "alice", "--password-stdin", registry.host()}, CommandOptions{"s3cret\n", {}});
  REQUIRE_MESSAGE(logged_in.exit_code == 0, logged_in.describe());
  CHECK(contains(logged_in.out, "Login Succeeded"));

  auto pushed = daemon.docker({"push", image});
  REQUIRE_MESSAGE(pushed.exit_code == 0, pushed.describe());
  CHECK_MESSAGE(contains(pushed.out, "1: digest: sha256:"), pushed.out);
  REQUIRE(daemon.docker({"rmi", image}).exit_code == 0);
  auto pulled = daemon.docker({"pull", image});
  REQUIRE_MESSAGE(pulled.exit_code == 0, pulled.describe());
  CHECK(image_id(image) == id);
  auto ran = daemon.docker({"run", "--rm", "--network", "none", image});
  CHECK_MESSAGE(ran.out == "pushed-by-docker\n", ran.describe());

  auto logged_out = daemon.docker({"logout", registry.host()});
  CHECK(logged_out.exit_code == 0);
  auto refused_again = daemon.docker({"push", image});
  CHECK(refused_again.exit_code != 0);
  CHECK_MESSAGE(contains(refused_again.err, "denied"), refused_again.describe());
}
