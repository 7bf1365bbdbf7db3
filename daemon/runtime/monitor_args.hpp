#pragma once
// gocker-monitor's command line, built by the engine side and parsed by the monitor:
//   gocker-monitor --id <container id> --bundle <dir> --state-dir <dir> --log <path> --attach <path>
// The control socket is fd 3. Only paths travel as argv: the container's configuration is the
// bundle's config.json. --log and --attach may be empty (no log file, no attach socket).
// Standalone mode (gocker-runc) adds --control-socket PATH, --console-socket PATH,
// --inherit-stdio 1 and --preserve-fds N; the preserved fds arrive as 4..4+N-1.
// Another OCI runtime (gockerd --runtime, oci_runtime.hpp): --runtime PATH --runtime-root DIR, for
// both modes.
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "runtime/exec_launch.hpp"
#include "runtime/monitor_launch.hpp"

namespace gocker::runtime {

inline constexpr int kMonitorControlFd = 3;

std::vector<std::string> build_monitor_argv(const MonitorOptions& options);
// Fills everything but monitor_binary.
Result<MonitorOptions> parse_monitor_argv(const std::vector<std::string>& arguments);

// Standby mode (monitor_standby.hpp): `gocker-monitor standby ...` waits for the argv above as one
// kArguments message on the control socket, NUL-separated.
inline constexpr const char* kStandbyMode = "standby";
std::string encode_monitor_arguments(const std::vector<std::string>& arguments);
std::vector<std::string> decode_monitor_arguments(std::string_view payload);

// Exec mode (exec_monitor.hpp):
//   gocker-monitor exec --id <container id> --exec-id <exec id> --state-dir <dir> --attach <path>
// The process to run arrives as kExecSpec on the control socket, never as argv.
inline constexpr const char* kExecMode = "exec";
std::vector<std::string> build_exec_monitor_argv(const ExecMonitorOptions& options);
// Fills everything but monitor_binary; arguments[1] is kExecMode.
Result<ExecMonitorOptions> parse_exec_monitor_argv(const std::vector<std::string>& arguments);

}  // namespace gocker::runtime
