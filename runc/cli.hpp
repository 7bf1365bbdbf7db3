#pragma once
// gocker-runc's commands. Each takes the global options and its own, and returns the process exit
// code; failures go through fail() (logging.hpp), which writes them the way runc does.
#include <string>
#include <vector>

#include "base/result.hpp"
#include "container_store.hpp"

namespace gocker::runc {

struct GlobalOptions {
  std::string root = "/run/gocker-runc";
  std::string log_path;            // empty: stderr
  std::string log_format = "text";  // text | json
  bool debug = false;
  bool systemd_cgroup = false;
};

struct CreateOptions {
  std::string id;
  std::string bundle = ".";
  std::string pid_file;
  std::string console_socket;
  bool no_pivot = false;
  bool no_new_keyring = false;
  int preserve_fds = 0;
  bool detach = false;  // run only
};

struct KillOptions {
  std::string id;
  std::string signal = "SIGTERM";
  bool all = false;
};

struct DeleteOptions {
  std::string id;
  bool force = false;
};

struct ListOptions {
  bool quiet = false;
  std::string format = "table";
};

int run_create(const GlobalOptions& global, const CreateOptions& options);
int run_start(const GlobalOptions& global, const std::string& id);
int run_run(const GlobalOptions& global, const CreateOptions& options);
int run_state(const GlobalOptions& global, const std::string& id);
int run_kill(const GlobalOptions& global, const KillOptions& options);
int run_delete(const GlobalOptions& global, const DeleteOptions& options);
int run_list(const GlobalOptions& global, const ListOptions& options);
int run_spec(const std::string& bundle, bool rootless);

struct PsOptions {
  std::string id;
  std::string format = "table";  // table (ps's own lines) | json (pids)
  std::vector<std::string> ps_args;  // for ps; runc's default -ef
};
struct ExecOptions {
  std::string id;
  std::vector<std::string> args;
  std::string process_file;  // -p: an OCI process object instead of the flags
  std::string cwd;
  std::vector<std::string> env;
  std::string user;  // uid[:gid]
  std::string pid_file;
  std::string console_socket;  // -t: where the pty master goes (SCM_RIGHTS), as with create
  bool detach = false;
  bool tty = false;
};
int run_exec(const GlobalOptions& global, const ExecOptions& options);

int run_pause(const GlobalOptions& global, const std::string& id);
int run_resume(const GlobalOptions& global, const std::string& id);
int run_ps(const GlobalOptions& global, const PsOptions& options);
int run_features();

// Thaws the container's cgroup (resume; delete --force of a paused container).
Status thaw_container(const ContainerRecord& record);

// The gocker-monitor binary: $GOCKER_MONITOR_BIN, else next to gocker-runc in a build tree, else
// the installed one in libexec.
std::string monitor_binary_path();

}  // namespace gocker::runc
