// gocker-runc: runc's command line over gocker's runtime (runc/cli.hpp). Global flags come before
// the command, as with runc; every failure exits 1 with runc's message (logging.hpp).
#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "logging.hpp"

using namespace gocker::runc;

namespace {

// runc's wording for a missing or extra positional argument.
int check_id(const std::string& command, const std::string& id) {
  if (id.empty()) return fail("gocker-runc: \"" + command + "\" requires exactly 1 argument(s)");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A hook or a console socket peer that goes away must give EPIPE, not end us half-way through a
  // delete. The monitor and hooks are spawned with default signal dispositions, so nothing inherits it.
  ::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"gocker-runc: a runc-compatible OCI runtime (gocker's runtime, without a daemon)", "gocker-runc"};
  app.set_version_flag("-v,--version", "gocker-runc version " GOCKER_VERSION "\nspec: 1.1.0");
  app.require_subcommand(0, 1);
  GlobalOptions global;
  app.add_option("--root", global.root, "root directory for storage of container state")->capture_default_str();
  app.add_option("--log", global.log_path, "log file path (default: stderr)");
  app.add_option("--log-format", global.log_format, "log format: text or json")->capture_default_str();
  app.add_flag("--debug", global.debug, "enable debug logging");
  app.add_flag("--systemd-cgroup", global.systemd_cgroup, "use systemd for cgroups (not supported: refused)");

  std::function<int()> command;
  auto add_create_flags = [](CLI::App* sub, CreateOptions& options) {
    sub->add_option("-b,--bundle", options.bundle, "path to the root of the bundle directory")->capture_default_str();
    sub->add_option("--console-socket", options.console_socket,
                    "path to an AF_UNIX socket which will receive the pty master (terminal containers)");
    sub->add_option("--pid-file", options.pid_file, "file to write the container init's pid to");
    sub->add_flag("--no-pivot", options.no_pivot, "accepted for compatibility: gocker-runc always uses pivot_root");
    sub->add_flag("--no-new-keyring", options.no_new_keyring,
                  "accepted for compatibility: gocker-runc creates no session keyring");
    sub->add_option("--preserve-fds", options.preserve_fds, "pass N additional fds (3..3+N-1) to the container");
    sub->add_option("container-id", options.id, "the container's id");
  };

  CreateOptions create_options;
  CLI::App* create = app.add_subcommand("create", "create a container (its process waits for start)");
  add_create_flags(create, create_options);
  create->callback([&] {
    command = [&] {
      if (int failed = check_id("create", create_options.id)) return failed;
      return run_create(global, create_options);
    };
  });

  CreateOptions run_options;
  CLI::App* run = app.add_subcommand("run", "create and start a container");
  add_create_flags(run, run_options);
  run->add_flag("-d,--detach", run_options.detach, "detach from the container's process");
  run->callback([&] {
    command = [&] {
      if (int failed = check_id("run", run_options.id)) return failed;
      return run_run(global, run_options);
    };
  });

  std::string start_id;
  CLI::App* start = app.add_subcommand("start", "execute the user-defined process in a created container");
  start->add_option("container-id", start_id, "the container's id");
  start->callback([&] {
    command = [&] { return check_id("start", start_id) ? kExitFailure : run_start(global, start_id); };
  });

  std::string state_id;
  CLI::App* state = app.add_subcommand("state", "output the state of a container (runtime-spec state JSON)");
  state->add_option("container-id", state_id, "the container's id");
  state->callback([&] {
    command = [&] { return check_id("state", state_id) ? kExitFailure : run_state(global, state_id); };
  });

  KillOptions kill_options;
  CLI::App* kill = app.add_subcommand("kill", "send a signal (default SIGTERM) to the container's init process");
  kill->add_flag("-a,--all", kill_options.all, "send the signal to every process in the container's cgroup");
  kill->add_option("container-id", kill_options.id, "the container's id");
  kill->add_option("signal", kill_options.signal, "signal name (KILL, SIGKILL) or number")->capture_default_str();
  kill->callback([&] {
    command = [&] { return check_id("kill", kill_options.id) ? kExitFailure : run_kill(global, kill_options); };
  });

  DeleteOptions delete_options;
  CLI::App* remove = app.add_subcommand("delete", "delete a stopped container and what it holds");
  remove->add_flag("-f,--force", delete_options.force, "kill the container first if it is created or running");
  remove->add_option("container-id", delete_options.id, "the container's id");
  remove->callback([&] {
    command = [&] { return check_id("delete", delete_options.id) ? kExitFailure : run_delete(global, delete_options); };
  });

  ListOptions list_options;
  CLI::App* list = app.add_subcommand("list", "list the containers in --root");
  list->alias("ls");
  list->add_flag("-q,--quiet", list_options.quiet, "display only container ids");
  list->add_option("-f,--format", list_options.format, "table or json")->capture_default_str();
  list->callback([&] { command = [&] { return run_list(global, list_options); }; });

  ExecOptions exec_options;
  CLI::App* exec = app.add_subcommand("exec", "run one more process in a running container");
  exec->add_flag("-d,--detach", exec_options.detach, "do not wait for the process; leave it running");
  exec->add_flag("-t,--tty", exec_options.tty, "a terminal for the process");
  exec->add_option("--console-socket", exec_options.console_socket,
                   "path to an AF_UNIX socket which will receive the pty master (with -t)");
  exec->add_option("-p,--process", exec_options.process_file, "a JSON file with the OCI process to run");
  exec->add_option("--cwd", exec_options.cwd, "the working directory inside the container");
  exec->add_option("-e,--env", exec_options.env, "an environment variable KEY=VALUE (repeatable)");
  exec->add_option("-u,--user", exec_options.user, "uid[:gid]");
  exec->add_option("--pid-file", exec_options.pid_file, "where to write the process's pid");
  exec->add_option("container-id", exec_options.id, "the container's id");
  // The command after the id is the process's, flags and all ("exec c1 ls -l").
  exec->prefix_command();
  exec->callback([&] {
    exec_options.args = exec->remaining();
    command = [&] {
      if (check_id("exec", exec_options.id)) return kExitFailure;
      return run_exec(global, exec_options);
    };
  });

  std::string pause_id;
  CLI::App* pause = app.add_subcommand("pause", "suspend every process of the container (cgroup freezer)");
  pause->add_option("container-id", pause_id, "the container's id");
  pause->callback([&] { command = [&] { return check_id("pause", pause_id) ? kExitFailure : run_pause(global, pause_id); }; });

  std::string resume_id;
  CLI::App* resume = app.add_subcommand("resume", "resume the processes pause suspended");
  resume->add_option("container-id", resume_id, "the container's id");
  resume->callback([&] { command = [&] { return check_id("resume", resume_id) ? kExitFailure : run_resume(global, resume_id); }; });

  PsOptions ps_options;
  CLI::App* ps = app.add_subcommand("ps", "list the processes running in the container");
  ps->add_option("-f,--format", ps_options.format, "table or json")->capture_default_str();
  ps->add_option("container-id", ps_options.id, "the container's id");
  // What follows the id goes to ps as it is ("ps ID -o pid,comm"), as runc passes it on.
  ps->prefix_command();
  ps->callback([&] {
    ps_options.ps_args = ps->remaining();
    command = [&] { return check_id("ps", ps_options.id) ? kExitFailure : run_ps(global, ps_options); };
  });

  std::string spec_bundle;
  bool spec_rootless = false;
  CLI::App* spec = app.add_subcommand("spec", "write a new config.json to start from");
  spec->add_option("-b,--bundle", spec_bundle, "directory to write config.json to (default: the current one)");
  spec->add_flag("--rootless", spec_rootless, "a spec for a rootless container (not supported)");
  spec->callback([&] { command = [&] { return run_spec(spec_bundle, spec_rootless); }; });

  CLI::App* features = app.add_subcommand("features", "show what this runtime supports (runtime-spec features JSON)");
  features->callback([&] { command = [&] { return run_features(); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    std::cerr << "gocker-runc: " << error.what() << "\n";
    return kExitFailure;
  }
  if (!configure_logging(global.log_path, global.log_format, global.debug)) return kExitFailure;
  if (!command) {
    std::cout << app.help();
    return 0;
  }
  bool creates = create->parsed() || run->parsed();
  if (global.systemd_cgroup && creates) return fail("systemd cgroup driver is not supported by gocker-runc");
  try {
    return command();
  } catch (const std::exception& error) {
    return fail(std::string("internal error: ") + error.what());
  }
}
