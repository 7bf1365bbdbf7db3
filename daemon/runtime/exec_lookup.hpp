#pragma once
// Finding the command on the container's PATH, as Docker users know it (Go's exec.LookPath, which
// runc uses): names with a slash are taken as they are; other names are searched in PATH, skipping
// candidates that are not executable. The search is pure given a probe, so it is unit-tested
// without a filesystem.
#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace gocker::runtime {

inline constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

enum class FileProbe { kMissing, kNotExecutable, kExecutable };
using ProbeFile = std::function<FileProbe(const std::string& path)>;

// PATH from a "KEY=value" environment, kDefaultPath when unset.
std::string path_from_env(const std::vector<std::string>& env);

// The path to execve, or an error carrying the errno and message the user sees:
//   ENOENT  exec: "<cmd>": executable file not found in $PATH    (exit 127)
//   ENOENT  exec: "<cmd>": stat <cmd>: no such file or directory (exit 127, names with a slash)
//   EACCES  exec: "<cmd>": permission denied                     (exit 126)
Result<std::string> resolve_executable(const std::string& command, const std::string& path_variable,
                                       const ProbeFile& probe);

// The probe against the real filesystem: a regular file the caller may execute (faccessat X_OK
// with the effective ids, so it must run after the switch to the container's user).
FileProbe probe_file(const std::string& path);

// Docker's exit code for a command that could not be started: 127 not found, 126 otherwise.
int exit_code_for_exec_error(int sys_errno);

}  // namespace gocker::runtime
