#include "runtime/namespace_join.hpp"

#include <fcntl.h>
#include <sched.h>

#include <vector>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"

namespace gocker::runtime {
namespace {

int clone_flag(NamespaceType type) {
  switch (type) {
    case NamespaceType::Pid: return CLONE_NEWPID;
    case NamespaceType::Mount: return CLONE_NEWNS;
    case NamespaceType::Uts: return CLONE_NEWUTS;
    case NamespaceType::Ipc: return CLONE_NEWIPC;
    case NamespaceType::Network: return CLONE_NEWNET;
    case NamespaceType::User: return CLONE_NEWUSER;
    case NamespaceType::Cgroup: return CLONE_NEWCGROUP;
  }
  return 0;
}

Result<UniqueFd> open_namespace(const std::string& path) {
  UniqueFd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd) return Error::from_errno(errno, "open namespace " + gocker::quoted(path));
  return fd;
}

Status enter(const UniqueFd& fd, NamespaceType type, const std::string& path) {
  // The flag makes the kernel check that the file is a namespace of that type.
  if (::setns(fd.get(), clone_flag(type)) != 0) return Error::from_errno(errno, "join namespace " + gocker::quoted(path));
  return ok();
}

}  // namespace

Status join_pid_namespace_for_children(const OciSpec& spec) {
  for (const auto& [type, path] : spec.namespace_paths) {
    if (type != NamespaceType::Pid) continue;
    auto fd = open_namespace(path);
    if (!fd) return std::move(fd).error();
    return enter(*fd, type, path);
  }
  return ok();
}

Status join_namespaces(const OciSpec& spec) {
  std::vector<std::pair<UniqueFd, const std::pair<NamespaceType, std::string>*>> opened;
  for (const auto& entry : spec.namespace_paths) {
    if (entry.first == NamespaceType::Pid) continue;  // the monitor did (see above)
    if (entry.first == NamespaceType::User) return Error::invalid("joining a user namespace is not supported");
    auto fd = open_namespace(entry.second);
    if (!fd) return std::move(fd).error();
    opened.emplace_back(std::move(*fd), &entry);
  }
  // The mount namespace last, so nothing else is opened or entered relative to it.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [fd, entry] : opened) {
      bool is_mount = entry->first == NamespaceType::Mount;
      if (is_mount != (pass == 1)) continue;
      GOCKER_TRY(enter(fd, entry->first, entry->second));
    }
  }
  return ok();
}

}  // namespace gocker::runtime
