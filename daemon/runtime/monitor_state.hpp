#pragma once
// The monitor's files in the container's state dir, and the encodings shared by the monitor (which
// writes them) and the engine (which reads them, also after a daemon restart).
//
//   <state_dir>/monitor.json  written once, before the monitor reports ready:
//       {"monitor":{"pid":N,"start_time":N},"init":{"pid":N,"start_time":N},"cgroup_paths":["/sys/..."]}
//   <state_dir>/exit.json     written once, when the container has exited (absent while it runs):
//       {"exit_code":N,"oom_killed":bool,"finished_at":"RFC3339Nano","error":"..."}
//       ("error" only when the command could not be started: the exec failure's message)
// Both are written to a .tmp file and renamed, so a reader sees all of a file or none of it.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "runtime/monitor_launch.hpp"

namespace gocker::runtime {

inline constexpr const char* kMonitorStateFile = "monitor.json";
inline constexpr const char* kExitStatusFile = "exit.json";

std::string encode_started_processes(const StartedProcesses& processes);
Result<StartedProcesses> decode_started_processes(std::string_view text);

std::string encode_exit_status(const ExitStatus& status, const std::string& error_message = {});
Result<ExitStatus> decode_exit_status(std::string_view text);

// Docker's exit code for a waitpid() status: the exit status, or 128 + the signal number.
int exit_code_from_wait_status(int wait_status);

// Field 22 (starttime, clock ticks since boot) of a /proc/PID/stat line. The comm field may hold
// spaces and parentheses, so counting starts after the last ')'.
Result<uint64_t> parse_start_time(std::string_view stat_line);
Result<uint64_t> read_process_start_time(pid_t pid);

}  // namespace gocker::runtime
