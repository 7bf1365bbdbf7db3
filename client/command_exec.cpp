// gockerctl exec: run a command in a running container, as `docker exec` does:
//   1. POST /containers/{id}/exec with the command and -i/-t/-u/-w/-e;
//   2. -d: POST /exec/{id}/start {"Detach":true}; otherwise the same start hijacked, streamed
//      like an attach (raw terminal and resizes with -t, stdin with -i, half-closed at EOF);
//   3. GET /exec/{id}/json once the stream has ended: its ExitCode is ours.
// Unlike `run`, no signals are proxied (docker's exec has no sig-proxy): ^C ends the client.
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "api/exec_types.hpp"
#include "attach_session.hpp"
#include "commands.hpp"
#include "messages.hpp"
#include "run_flags.hpp"
#include "signal_relay.hpp"
#include "stream_pump.hpp"
#include "terminal.hpp"
#include "url.hpp"

namespace gocker::client {

namespace {

struct ExecFlags {
  bool interactive = false;
  bool tty = false;
  bool detach = false;
  bool privileged = false;
  std::string user;
  std::string workdir;
  std::string detach_keys;
  std::vector<std::string> env;
  std::vector<std::string> env_files;
  std::vector<std::string> arguments;  // CONTAINER CMD [ARG...]
};

std::string exec_path(const std::string& exec_id, std::string_view suffix) { return "/exec/" + exec_id + std::string(suffix); }

Outcome<api::ExecCreateRequest> build_exec_request(const ExecFlags& flags) {
  api::ExecCreateRequest request;
  request.attach_stdin = flags.interactive && !flags.detach;
  request.attach_stdout = !flags.detach;
  request.attach_stderr = !flags.detach;
  request.tty = flags.tty;
  request.user = flags.user;
  request.working_dir = flags.workdir;
  request.privileged = flags.privileged;
  request.detach_keys = flags.detach_keys;
  request.cmd.assign(flags.arguments.begin() + 1, flags.arguments.end());
  // Env files first, then -e (a bare -e NAME takes the client's value), as for run.
  for (const auto& path : flags.env_files) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return Failure::usage("open " + path + ": " + std::strerror(errno));
    std::ostringstream content;
    content << file.rdbuf();
    auto entries = parse_env_file(content.str(), lookup_process_env);
    if (!entries) return std::move(entries).error();
    request.env.insert(request.env.end(), entries->begin(), entries->end());
  }
  for (const auto& entry : flags.env) {
    auto equals = entry.find('=');
    if (equals == 0) return Failure::usage("invalid environment variable: " + entry);
    if (equals != std::string::npos) {
      request.env.push_back(entry);
    } else if (auto value = lookup_process_env(entry)) {
      request.env.push_back(entry + "=" + *value);
    }
  }
  return request;
}

void send_exec_window_size(ApiClient& client, const std::string& exec_id) {
  auto size = window_size(STDOUT_FILENO);
  if (!size || size->rows == 0 || size->columns == 0) return;
  auto target = api_target(exec_path(exec_id, "/resize"),
                           {{"h", std::to_string(size->rows)}, {"w", std::to_string(size->columns)}});
  // As docker's CLI: a failed resize (the process just exited) is not an error of the exec.
  [[maybe_unused]] auto resized = client.call(Method::Post, target);
}

// The exit code recorded by the daemon, which records it before ending the stream.
int exec_exit_code(ApiClient& client, const std::string& exec_id) {
  auto inspected = client.get_json(api_target(exec_path(exec_id, "/json")));
  if (!inspected) {
    print_failure(inspected.error());
    return kExitCommandFailure;
  }
  api::ExecInspect inspect;
  try {
    api::from_json(*inspected, inspect);
  } catch (const nlohmann::json::exception& error) {
    std::cerr << "malformed exec inspect response from the daemon: " << error.what() << "\n";
    return kExitCommandFailure;
  }
  // Still running means the stream broke early; docker's CLI then exits 0 as well.
  return inspect.exit_code.value_or(0);
}

int run_exec(const GlobalOptions& global, const ExecFlags& flags) {
  if (!flags.arguments.empty() && flags.arguments.front().size() > 1 && flags.arguments.front().front() == '-') {
    print_failure(Failure::usage("unknown flag: " + flags.arguments.front() + "\nSee 'gockerctl exec --help'."));
    return kExitCliFailure;
  }
  if (flags.arguments.size() < 2) {
    std::cerr << "\"exec\" requires at least 2 arguments.\nUsage:  gockerctl exec [OPTIONS] CONTAINER COMMAND [ARG...]\n";
    return kExitCommandFailure;
  }
  if (flags.tty && flags.interactive && !flags.detach && !is_terminal(STDIN_FILENO)) {
    std::cerr << "the input device is not a TTY\n";
    return kExitCommandFailure;
  }
  auto request = build_exec_request(flags);
  if (!request) {
    print_failure(request.error());
    return exit_code_for(request.error(), kExitCommandFailure);
  }
  auto client = open_client(global);
  if (!client) {
    print_failure(client.error());
    return exit_code_for(client.error(), kExitCommandFailure);
  }
  nlohmann::json body = *request;
  auto created = client->call_expecting_success(
      Method::Post, api_target(container_path(flags.arguments.front(), "/exec")), &body);
  if (!created) {
    print_failure(created.error());
    return kExitCommandFailure;
  }
  api::ExecCreateResponse response;
  auto parsed = nlohmann::json::parse(created->body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) api::from_json(parsed, response);
  if (response.id.empty()) {
    std::cerr << "the daemon's exec create response has no id\n";
    return kExitCommandFailure;
  }
  const std::string exec_id = response.id;

  nlohmann::json start = api::ExecStartRequest{flags.detach, flags.tty};
  if (flags.detach) {
    auto started = client->call_expecting_success(Method::Post, api_target(exec_path(exec_id, "/start")), &start);
    if (!started) {
      print_failure(started.error());
      return kExitCommandFailure;
    }
    return 0;
  }

  auto stream = client->hijack(api_target(exec_path(exec_id, "/start")), &start);
  if (!stream) {
    print_failure(stream.error());
    return kExitCommandFailure;
  }
  std::optional<RawTerminal> raw_terminal;
  if (flags.tty && flags.interactive && is_terminal(STDIN_FILENO)) {
    auto entered = RawTerminal::enter(STDIN_FILENO);
    if (!entered) {
      print_failure(entered.error());
      return kExitCommandFailure;
    }
    raw_terminal.emplace(std::move(*entered));
  }
  const bool resize = flags.tty && is_terminal(STDOUT_FILENO);
  // Only for SIGWINCH: with -t the keys go raw to the pty anyway; without it ^C ends the client.
  std::optional<SignalRelay> relay;
  if (resize) {
    auto installed = SignalRelay::install();
    if (installed) relay.emplace(std::move(*installed));
    send_exec_window_size(*client, exec_id);
  }
  PumpOptions options;
  options.tty = flags.tty;
  options.forward_stdin = flags.interactive;
  ApiClient& api = *client;
  if (resize) options.on_window_change = [&api, &exec_id] { send_exec_window_size(api, exec_id); };
  options.on_signal = [&raw_terminal](int signal_number) {
    if (raw_terminal) raw_terminal->restore();
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
  };
  auto pumped = pump_attach_stream(*stream, options, relay ? &*relay : nullptr);
  if (raw_terminal) raw_terminal->restore();
  if (!pumped) {
    print_failure(pumped.error());
    return kExitCommandFailure;
  }
  return exec_exit_code(*client, exec_id);
}

}  // namespace

void register_exec_command(CLI::App& app, CommandTable& table, const GlobalOptions& global) {
  auto flags = std::make_shared<ExecFlags>();
  CLI::App* exec = app.add_subcommand("exec", "Execute a command in a running container");
  exec->set_help_flag("--help", "Print usage");
  // Everything from the container on is the command line: `exec w sh -c 'echo $$'` hands -c to sh.
  exec->prefix_command();
  auto repeated = [exec](const std::string& names, std::vector<std::string>& into, const std::string& help) {
    exec->add_option(names, into, help)
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  };
  exec->add_flag("-d,--detach", flags->detach, "Detached mode: run command in the background");
  exec->add_flag("-i,--interactive", flags->interactive, "Keep STDIN open even if not attached");
  exec->add_flag("-t,--tty", flags->tty, "Allocate a pseudo-TTY");
  exec->add_flag("--privileged", flags->privileged, "Give extended privileges to the command");
  exec->add_option("-u,--user", flags->user, "Username or UID (format: \"<name|uid>[:<group|gid>]\")");
  exec->add_option("-w,--workdir", flags->workdir, "Working directory inside the container");
  exec->add_option("--detach-keys", flags->detach_keys, "Override the key sequence for detaching a container");
  repeated("-e,--env", flags->env, "Set environment variables");
  repeated("--env-file", flags->env_files, "Read in a file of environment variables");
  table.push_back({exec, [&global, exec, flags] {
                     flags->arguments = exec->remaining();
                     return run_exec(global, *flags);
                   }});
}

}  // namespace gocker::client
