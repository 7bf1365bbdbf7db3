#pragma once
// The two setup channels of a container start, and every message that crosses them.
//
// Each edge is one socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC): SEQPACKET keeps message
// boundaries (one send = one recv) and reports EOF when the peer's last copy of its end closes,
// which is how "exec happened" is signalled without a message (the init's end is CLOEXEC).
//
//  gockerd (engine)            gocker-monitor                         init (clone of the monitor)
//  ────────────────            ──────────────                         ───────────────────────────
//  spawn_monitor():
//    socketpair "control"
//    spawn monitor, fd 3 ───▶  double-fork + setsid (daemon reaps
//    = control socket          the intermediate), subreaper,
//                              read bundle/config.json, create cgroup,
//                              socketpair "sync", stdio pipes,
//                              clone3(CLONE_NEW*) ─────────────────▶ (waits)
//                              [new user namespace: write the init's
//                               gid_map and uid_map]
//                              ── kIdMapped ──────────────────────▶  [user namespace only]
//                              add init pid to cgroup
//                              ── kCgroupJoined ──────────────────▶  make / rprivate, bind rootfs,
//                                                                    mounts, pivot_root, hostname,
//                                                                    [pty: open /dev/ptmx inside]
//                              ◀── kPtyMaster (SCM_RIGHTS) ───────   [terminal only]
//                                                                    stdio, (caps/seccomp: later),
//                                                                    setgroups/setgid/setuid,
//                                                                    chdir, resolve args[0]
//                              ◀── kReady ────────────────────────
//                              write state_dir/monitor.json
//    ◀── kReady {pids, cgroup paths} ──
//  (engine connects attach clients)
//  go():  ── kGo ──────────▶   ── kGo ────────────────────────────▶  close fds > 2, execve
//                              ◀── EOF (sync end was CLOEXEC) ─────   exec succeeded
//    ◀── kStarted ─────────                                          (or kError: exec failed)
//  (engine closes control)     keeps running without the daemon
//
// A failure at any step travels back as kError {step, errno, message} and is rebuilt into an
// Error with that errno. The control socket closing before kGo means "abandon": the monitor kills
// the init, removes the cgroup and exits. After kStarted the daemon may go away at any time.
//
// Wire format of a message: [type: 1 byte][JSON payload, may be empty]; at most kMaxMessageSize.
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace gocker::runtime::sync {

enum class MessageType : uint8_t {
  // monitor -> init
  kCgroupJoined = 1,
  // init -> monitor
  kPtyMaster = 2,
  // init -> monitor, monitor -> daemon (payload: StartedProcesses JSON)
  kReady = 3,
  // daemon -> monitor, monitor -> init
  kGo = 4,
  // monitor -> daemon
  kStarted = 5,
  // any direction: {"step": "...", "errno": N, "message": "..."}
  kError = 6,
  // daemon -> exec monitor, the first message of `gocker-monitor exec` (payload: runtime/exec_spec.hpp)
  kExecSpec = 7,
  // monitor -> init, first of all when the init is in a new user namespace: its maps are written
  kIdMapped = 8,
  // init -> monitor, with createContainer/startContainer hooks: mounts are done, run prestart and
  // createRuntime now; monitor -> init: done (payload: the state JSON the init's hooks read)
  kRunHooks = 9,
  kHooksDone = 10,
  // monitor -> daemon, before kReady with the built-in runtime: the init exists (payload: its pid
  // in decimal), so its network namespace can be wired while it builds its filesystem
  kCloned = 11,
  // daemon -> standby monitor: the container's monitor argv (monitor_args.hpp, standby mode)
  kArguments = 12,
};

inline constexpr size_t kMaxMessageSize = 64 * 1024;

struct Message {
  MessageType type;
  std::string payload;
  UniqueFd fd;  // the SCM_RIGHTS fd, if one came along
};

// A setup failure as it travels: the step that failed, errno, and the full message text.
struct SetupError {
  std::string step;
  int sys_errno = 0;
  std::string message;
};

std::string encode_setup_error(const SetupError& error);
SetupError decode_setup_error(std::string_view payload);
// Rebuilds an Error: kind from errno as Error::from_errno would, message as sent.
Error error_from_setup_error(const SetupError& error);
SetupError setup_error_from_error(std::string step, const Error& error);

Status send_message(int socket, MessageType type, std::string_view payload = {}, int fd_to_pass = -1);
// nullopt on EOF (the peer closed its end).
Result<std::optional<Message>> receive_message(int socket);

}  // namespace gocker::runtime::sync
