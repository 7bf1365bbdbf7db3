#include "runtime/security/process_limits.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"

namespace gocker::runtime {
namespace {

Status write_small_file(const std::string& path, const std::string& value, const std::string& what) {
  UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
  if (!fd) return Error::from_errno(errno, what + ": open " + quoted(path));
  ssize_t written = ::write(fd.get(), value.data(), value.size());
  if (written != static_cast<ssize_t>(value.size())) return Error::from_errno(errno, what + ": write " + quoted(path));
  return ok();
}

std::string limit_text(rlim_t value) { return value == RLIM_INFINITY ? "unlimited" : std::to_string(value); }

}  // namespace

Status apply_rlimits(const std::vector<ProcessRlimit>& rlimits) {
  for (const ProcessRlimit& limit : rlimits) {
    struct rlimit wanted {
      static_cast<rlim_t>(limit.soft), static_cast<rlim_t>(limit.hard)
    };
    if (::setrlimit(limit.resource, &wanted) == 0) continue;
    int saved = errno;
    Error error = Error::from_errno(saved, "setrlimit " + rlimit_name(limit.resource));
    struct rlimit current {};
    if (saved == EPERM && ::getrlimit(limit.resource, &current) == 0) {
      error.message += ": hard limit " + limit_text(wanted.rlim_max) + " is above this process's " +
                       limit_text(current.rlim_max) + " and raising it needs CAP_SYS_RESOURCE";
    }
    return error;
  }
  return ok();
}

Result<OpenFilesLimits> raise_open_files_limit() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return Error::from_errno(errno, "getrlimit RLIMIT_NOFILE");
  OpenFilesLimits limits{limit.rlim_cur, limit.rlim_cur, limit.rlim_max};
  if (limit.rlim_cur == limit.rlim_max) return limits;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Error::from_errno(errno, "raise RLIMIT_NOFILE soft limit to " + limit_text(limit.rlim_max));
  }
  limits.soft = limit.rlim_max;
  return limits;
}

Status set_oom_score_adj(int value) {
  Status status = write_small_file("/proc/self/oom_score_adj", std::to_string(value), "set oom_score_adj");
  if (!status && (status.error().sys_errno == EACCES || status.error().sys_errno == EPERM)) {
    Error error = status.error();
    error.message += " (lowering it below the current value needs CAP_SYS_RESOURCE)";
    return error;
  }
  return status;
}

Status write_sysctls(const std::map<std::string, std::string>& sysctls) {
  for (const auto& [key, value] : sysctls) {
    if (key.empty() || key.find("..") != std::string::npos || key.find('/') != std::string::npos) {
      return Error::invalid("sysctl " + quoted(key) + ": not a kernel parameter name");
    }
    std::string path = "/proc/sys/" + key;
    for (size_t i = 10; i < path.size(); ++i)
      if (path[i] == '.') path[i] = '/';
    GOCKER_TRY(write_small_file(path, value, "sysctl " + key));
  }
  return ok();
}

Status set_no_new_privileges() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Error::from_errno(errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  return ok();
}

}  // namespace gocker::runtime
