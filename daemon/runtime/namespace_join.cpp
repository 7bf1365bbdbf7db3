#include "runtime/namespace_join.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "runtime/sync_protocol.hpp"
#include "runtime/sys/syscalls.hpp"

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

// The pid a pidfd refers to, in the pid namespace of our /proc ("Pid:" of its fdinfo).
Result<pid_t> pid_of_pidfd(int pidfd) {
  const std::string path = "/proc/self/fdinfo/" + std::to_string(pidfd);
  std::ifstream fdinfo(path);
  if (!fdinfo) return Error::from_errno(errno, "open " + path);
  std::string line;
  while (std::getline(fdinfo, line)) {
    if (line.rfind("Pid:", 0) != 0) continue;
    long pid = std::strtol(line.c_str() + 4, nullptr, 10);
    if (pid > 0) return static_cast<pid_t>(pid);
  }
  return Error::internal(path + ": no pid for the new init");
}

// The joiner (a child of the monitor, so single-threaded and not sharing its fs_struct, which
// setns into a user namespace requires). Never returns, except as the init: 0.
pid_t run_joiner(const UniqueFd& user_namespace, const std::string& path, uint64_t clone_flags, UniqueFd& report) {
  auto fail = [&report](const std::string& step, const Error& error) {
    sync::SetupError setup_error{step, error.sys_errno, step + ": " + error.message};
    (void)sync::send_message(report.get(), sync::MessageType::kError, sync::encode_setup_error(setup_error));
    ::_exit(1);
  };
  // We stay host root (uid 0 is kept across setns) with every capability in the joined namespace
  // and none outside it; the init becomes the namespace's root after the rootfs is bound.
  if (::setns(user_namespace.get(), CLONE_NEWUSER) != 0) {
    fail("join user namespace", Error::from_errno(errno, "join user namespace " + gocker::quoted(path)));
  }
  int pidfd = -1;
  struct clone_args args {};
  args.flags = clone_flags | CLONE_PARENT | CLONE_PIDFD;
  args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  // clone3 refuses an exit_signal with CLONE_PARENT: the child inherits ours (SIGCHLD), which the
  // monitor, its parent now, receives when the init exits.
  args.exit_signal = 0;
  pid_t pid = sys::clone3(&args);
  if (pid == 0) {
    report.reset();
    return 0;
  }
  if (pid < 0) fail("clone container init", Error::from_errno(errno, "clone container init in user namespace " + gocker::quoted(path)));
  // The pidfd travels as an fd, so its pid is the monitor's to read, in the monitor's pid namespace.
  (void)sync::send_message(report.get(), sync::MessageType::kReady, {}, pidfd);
  ::_exit(0);
}

}  // namespace

Result<pid_t> clone_in_user_namespace(const std::string& user_namespace_path, uint64_t clone_flags, UniqueFd& pidfd) {
  auto user_namespace = open_namespace(user_namespace_path);
  if (!user_namespace) return std::move(user_namespace).error();
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return Error::from_errno(errno, "create user namespace joiner socketpair");
  }
  UniqueFd report{pair[0]};
  UniqueFd joiner_end{pair[1]};
  struct clone_args args {};
  args.exit_signal = SIGCHLD;
  pid_t joiner = sys::clone3(&args);
  if (joiner < 0) return Error::from_errno(errno, "clone user namespace joiner");
  if (joiner == 0) {
    report.reset();
    pid_t init = run_joiner(*user_namespace, user_namespace_path, clone_flags, joiner_end);
    user_namespace->reset();
    return init;
  }
  joiner_end.reset();
  auto message = sync::receive_message(report.get());
  // The joiner exits right after its report (or its failure): reaped here, not by the event loop.
  int status = 0;
  while (::waitpid(joiner, &status, 0) < 0 && errno == EINTR) {
  }
  if (!message) return std::move(message).error().context("user namespace joiner");
  if (!message->has_value()) return Error::internal("user namespace joiner exited without a report");
  sync::Message& received = **message;
  if (received.type == sync::MessageType::kError) {
    return sync::error_from_setup_error(sync::decode_setup_error(received.payload));
  }
  if (received.type != sync::MessageType::kReady || !received.fd) {
    return Error::internal("user namespace joiner: unexpected report");
  }
  auto pid = pid_of_pidfd(received.fd.get());
  if (!pid) return std::move(pid).error();
  pidfd = std::move(received.fd);
  return *pid;
}

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
    if (entry.first == NamespaceType::User) continue;  // joined before the clone (clone_in_user_namespace)
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
