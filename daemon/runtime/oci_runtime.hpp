#pragma once
// Another OCI runtime (runc, crun, gocker-runc, anything with runc's command line) driven by the
// monitor, which then plays conmon's part (monitor_external.cpp):
//
//   monitor (child subreaper, owns the stdio pipes)
//     <runtime> --root R --log L --log-format json create --bundle B --pid-file P [--console-socket S] ID
//        stdio = the container's pipes (or /dev/null with a terminal; the master arrives on S)
//        exits once the init waits for start; the init is reparented to the monitor
//     read P, pidfd the init, report ready                        (the engine wires the network)
//     <runtime> ... start ID                                       on go
//     ... the same event loop as for the built-in runtime: logs, attach, reap, exit.json ...
//     <runtime> ... delete --force ID                              once the init was reaped
//
//   exec monitor: <runtime> ... exec --process F --detach --pid-file P [--tty --console-socket S] ID
//
// Commands are argv vectors, never a shell line. The runtime's own error text is read back from
// its --log file (JSON lines: {"level":"error","msg":"..."} from runc and crun alike).
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "runtime/oci_config.hpp"

namespace gocker::runtime {

struct OciRuntimeCommand {
  std::string path;      // the runtime binary
  std::string root;      // its --root: the state directory of this daemon's containers
  std::string log_path;  // its --log (JSON lines); read back after a failure
};

// The global part: <path> --root R --log L --log-format json.
std::vector<std::string> runtime_global_argv(const OciRuntimeCommand& runtime);
std::vector<std::string> runtime_create_argv(const OciRuntimeCommand& runtime, const std::string& container_id,
                                             const std::string& bundle_dir, const std::string& pid_file,
                                             const std::string& console_socket);
std::vector<std::string> runtime_start_argv(const OciRuntimeCommand& runtime, const std::string& container_id);
std::vector<std::string> runtime_delete_argv(const OciRuntimeCommand& runtime, const std::string& container_id);
std::vector<std::string> runtime_exec_argv(const OciRuntimeCommand& runtime, const std::string& container_id,
                                           const std::string& process_file, const std::string& pid_file,
                                           const std::string& console_socket);

// The last error-level message of a --log file (runc's and crun's JSON lines; a plain-text line
// is taken as it is). Empty when there is none.
std::string last_runtime_error(std::string_view log_text);
// What a runtime's error means for the user, as dockerd reads runc's: ENOENT for a command that
// does not exist ("executable file not found", "no such file or directory": exit 127), EACCES for
// one that cannot be run ("permission denied": exit 126), else 0.
int errno_for_runtime_error(std::string_view message);
// crun's "executable file `X` not found in $PATH: No such file or directory" in runc's words,
// `exec: "X": executable file not found in $PATH`, which clients read (the docker CLI exits 127 on
// "executable file not found", case-sensitively), and its "open executable: Operation not permitted"
// (a directory) as "permission denied" (exit 126). Any other message is returned as it is.
std::string runc_style_error(std::string_view message);

// The process object `<runtime> exec --process` reads: terminal, user, args, env, cwd, the
// capability sets, noNewPrivileges and rlimits. (The container's seccomp filter applies to every
// process joining it; the runtime brings it along itself.)
nlohmann::json oci_process_json(const OciProcess& process);

// Runs one runtime command to its end with the given stdio (-1: /dev/null), and an empty
// environment but PATH. Any exit but 0 is an error naming the runtime, the command and the
// runtime's own message (from its log), with sys_errno from errno_for_runtime_error.
Status run_runtime_command(const OciRuntimeCommand& runtime, const std::vector<std::string>& argv,
                           int stdin_fd = -1, int stdout_fd = -1, int stderr_fd = -1);

// Reads a --pid-file: one decimal pid.
Result<pid_t> read_pid_file(const std::string& path);

}  // namespace gocker::runtime
