// gockerctl pull, push, login, logout: the daemon talks to the registry; the client shows the
// progress stream it answers with, and keeps the credentials login checked (credential_store.hpp).
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include "attach_session.hpp"
#include "commands.hpp"
#include "credential_store.hpp"
#include "messages.hpp"
#include "progress_display.hpp"
#include "terminal.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

int fail(const Failure& failure) {
  print_failure(failure);
  return exit_code_for(failure, kExitCommandFailure);
}

// "name[:tag]" or "name@digest", split as the docker CLI sends them (fromImage, tag).
std::pair<std::string, std::string> split_reference(const std::string& reference) {
  if (const size_t at = reference.find('@'); at != std::string::npos)
    return {reference.substr(0, at), reference.substr(at + 1)};
  const size_t colon = reference.rfind(':');
  const size_t slash = reference.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {reference, "latest"};
  return {reference.substr(0, colon), reference.substr(colon + 1)};
}

// Streams a registry job's progress to stdout; an {"error"} in it is the command's failure.
int show_progress(ApiClient& client, const std::string& target, bool quiet,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
  std::ostream null_stream(nullptr);
  ProgressDisplay display(quiet ? null_stream : std::cout, !quiet && is_terminal(STDOUT_FILENO));
  auto streamed = client.stream(
      Method::Post, target, [&display](std::string_view piece) { return display.feed(piece); }, headers);
  if (streamed) streamed = display.finish();
  if (!streamed) return fail(streamed.error());
  return 0;
}

// ---- pull ----
struct PullFlags {
  bool quiet = false;
  std::string reference;
};

// The saved credentials of the reference's registry, as docker sends them (also when none are).
Outcome<std::string> registry_auth_for(const std::string& reference) {
  auto store = CredentialStore::open_default();
  if (!store) return std::move(store).error();
  return registry_auth_header(*store, reference);
}

int pull(const GlobalOptions& global, const PullFlags& flags) {
  auto client = open_client(global);
  if (!client) return fail(client.error());
  auto auth = registry_auth_for(flags.reference);
  if (!auth) return fail(auth.error());
  auto [name, tag] = split_reference(flags.reference);
  const int code = show_progress(*client, api_target("/images/create", {{"fromImage", name}, {"tag", tag}}), flags.quiet,
                                 {{"X-Registry-Auth", *auth}});
  if (code != 0) return code;
  std::cout << name << (tag.rfind("sha256:", 0) == 0 ? "@" : ":") << tag << std::endl;
  return 0;
}

// ---- push ----
struct PushFlags {
  bool all_tags = false;
  bool quiet = false;
  std::string reference;
};

bool has_tag_or_digest(const std::string& reference) {
  const size_t slash = reference.rfind('/');
  return reference.find_first_of(":@", slash == std::string::npos ? 0 : slash) != std::string::npos;
}

// As docker 23+: NAME alone pushes NAME:latest, unless --all-tags (every local tag of NAME).
int push(const GlobalOptions& global, const PushFlags& flags) {
  if (flags.all_tags && has_tag_or_digest(flags.reference))
    return fail(Failure::usage("tag can't be used with --all-tags/-a"));
  auto client = open_client(global);
  if (!client) return fail(client.error());
  auto auth = registry_auth_for(flags.reference);
  if (!auth) return fail(auth.error());
  auto [name, tag] = split_reference(flags.reference);
  if (flags.all_tags) tag.clear();
  const std::string target = api_target("/images/" + escape_component(name) + "/push", {{"tag", tag}});
  return show_progress(*client, target, flags.quiet, {{"X-Registry-Auth", *auth}});
}

// ---- login, logout ----
struct LoginFlags {
  std::string username;
  std::string password;
  bool password_stdin = false;
  std::string server;
};

// A line from the terminal; without echo for a password.
Outcome<std::string> prompt(const std::string& label, bool secret) {
  std::cerr << label << std::flush;
  termios saved{};
  const bool hide = secret && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (hide) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (hide) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!got) return Failure::local("login: no input");
  return line;
}

int login(const GlobalOptions& global, LoginFlags flags) {
  if (flags.password_stdin) {
    if (!flags.password.empty()) return fail(Failure::usage("--password and --password-stdin are mutually exclusive"));
    if (flags.username.empty()) return fail(Failure::usage("Must provide --username with --password-stdin"));
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    flags.password = std::move(text);
  } else if (!flags.password.empty()) {
    std::cerr << "WARNING! Using --password via the CLI is insecure. Use --password-stdin." << std::endl;
  }
  if (flags.username.empty() || flags.password.empty()) {
    if (!is_terminal(STDIN_FILENO)) return fail(Failure::local("Cannot perform an interactive login from a non TTY device"));
    if (flags.username.empty()) {
      auto username = prompt("Username: ", false);
      if (!username) return fail(username.error());
      flags.username = *username;
    }
    if (flags.password.empty()) {
      auto password = prompt("Password: ", true);
      if (!password) return fail(password.error());
      flags.password = *password;
    }
  }
  if (flags.username.empty() || flags.password.empty()) return fail(Failure::local("Error: Username and password are required"));
  auto store = CredentialStore::open_default();
  if (!store) return fail(store.error());
  auto client = open_client(global);
  if (!client) return fail(client.error());
  const std::string server = registry_server_key(flags.server);
  nlohmann::json body{{"username", flags.username}, {"password", flags.password}, {"serveraddress", server}};
  auto answered = client->call_expecting_success(Method::Post, api_target("/auth", {}), &body);
  if (!answered) return fail(answered.error());
  // As the docker CLI: a refresh token the registry's token server gave is kept instead of the
  // password.
  RegistryLogin login{flags.username, flags.password};
  if (auto reply = nlohmann::json::parse(answered->body, nullptr, false); reply.is_object())
    if (auto token = reply.find("IdentityToken"); token != reply.end() && token->is_string()) {
      if (std::string value = token->get<std::string>(); !value.empty()) {
        login.password.clear();
        login.identity_token = std::move(value);
      }
    }
  if (auto saved = store->save(server, login); !saved) return fail(saved.error());
  std::cout << "Login Succeeded" << std::endl;
  return 0;
}

int logout(const std::string& server_argument) {
  auto store = CredentialStore::open_default();
  if (!store) return fail(store.error());
  const std::string server = registry_server_key(server_argument);
  auto forgotten = store->forget(server);
  if (!forgotten) return fail(forgotten.error());
  if (!*forgotten) std::cout << "Not logged in to " << server << std::endl;
  else std::cout << "Removing login credentials for " << server << std::endl;
  return 0;
}

}  // namespace

void register_registry_commands(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  auto pull_flags = std::make_shared<PullFlags>();
  CLI::App* pull_command = app.add_subcommand("pull", "Download an image from a registry");
  pull_command->add_flag("-q,--quiet", pull_flags->quiet, "Suppress verbose output");
  pull_command->add_option("NAME[:TAG|@DIGEST]", pull_flags->reference)->required();
  table.push_back({pull_command, [&global, pull_flags] { return pull(global, *pull_flags); }});

  auto push_flags = std::make_shared<PushFlags>();
  CLI::App* push_command = app.add_subcommand("push", "Upload an image to a registry");
  push_command->add_flag("-a,--all-tags", push_flags->all_tags, "Push all tags of the repository");
  push_command->add_flag("-q,--quiet", push_flags->quiet, "Suppress verbose output");
  push_command->add_option("NAME[:TAG]", push_flags->reference)->required();
  table.push_back({push_command, [&global, push_flags] { return push(global, *push_flags); }});

  auto login_flags = std::make_shared<LoginFlags>();
  CLI::App* login_command = app.add_subcommand("login", "Log in to a registry");
  login_command->add_option("-u,--username", login_flags->username, "Username");
  login_command->add_option("-p,--password", login_flags->password, "Password");
  login_command->add_flag("--password-stdin", login_flags->password_stdin, "Take the password from stdin");
  login_command->add_option("SERVER", login_flags->server, "The registry (Docker Hub when omitted)");
  table.push_back({login_command, [&global, login_flags] { return login(global, *login_flags); }});

  auto logout_server = std::make_shared<std::string>();
  CLI::App* logout_command = app.add_subcommand("logout", "Log out from a registry");
  logout_command->add_option("SERVER", *logout_server, "The registry (Docker Hub when omitted)");
  table.push_back({logout_command, [logout_server] { return logout(*logout_server); }});
}

}  // namespace gocker::client
