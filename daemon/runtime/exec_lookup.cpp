#include "runtime/exec_lookup.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strings.hpp"

namespace gocker::runtime {

std::string path_from_env(const std::vector<std::string>& env) {
  std::string path = kDefaultPath;
  // The last definition wins, as with execve's own environment handling in shells.
  for (const std::string& entry : env) {
    if (starts_with(entry, "PATH=")) path = entry.substr(5);
  }
  return path;
}

Result<std::string> resolve_executable(const std::string& command, const std::string& path_variable,
                                       const ProbeFile& probe) {
  std::string shown = "exec: " + gocker::quoted(command);
  if (command.empty()) return Error{ErrorKind::NotFound, ENOENT, shown + ": executable file not found in $PATH"};
  if (command.find('/') != std::string::npos) {
    switch (probe(command)) {
      case FileProbe::kExecutable: return command;
      case FileProbe::kMissing:
        return Error{ErrorKind::NotFound, ENOENT, shown + ": stat " + command + ": no such file or directory"};
      case FileProbe::kNotExecutable: return Error{ErrorKind::Internal, EACCES, shown + ": permission denied"};
    }
  }
  for (const std::string& directory : split(path_variable, ':')) {
    // An empty PATH element means the current directory (POSIX).
    std::string candidate = (directory.empty() ? std::string(".") : directory) + "/" + command;
    if (probe(candidate) == FileProbe::kExecutable) return candidate;
  }
  return Error{ErrorKind::NotFound, ENOENT, shown + ": executable file not found in $PATH"};
}

FileProbe probe_file(const std::string& path) {
  struct stat file_stat {};
  if (::stat(path.c_str(), &file_stat) != 0) return FileProbe::kMissing;
  if (!S_ISREG(file_stat.st_mode)) return FileProbe::kNotExecutable;
  if (::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) == 0) return FileProbe::kExecutable;
  // glibc answers AT_EACCESS with faccessat2, which an older seccomp profile (runtime-tools', say)
  // refuses with EPERM: judge by the mode bits then, as Go's LookPath does for runc.
  if (errno != EPERM && errno != ENOSYS) return FileProbe::kNotExecutable;
  const mode_t mode = file_stat.st_mode;
  const bool executable = ::geteuid() == 0             ? (mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0
                          : file_stat.st_uid == ::geteuid() ? (mode & S_IXUSR) != 0
                          : file_stat.st_gid == ::getegid() ? (mode & S_IXGRP) != 0
                                                            : (mode & S_IXOTH) != 0;
  return executable ? FileProbe::kExecutable : FileProbe::kNotExecutable;
}

int exit_code_for_exec_error(int sys_errno) { return sys_errno == ENOENT ? 127 : 126; }

}  // namespace gocker::runtime
