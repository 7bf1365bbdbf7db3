#pragma once
// posix_spawn's attribute and file-action objects, owned. posix_spawn (glibc: clone(CLONE_VM |
// CLONE_VFORK) + exec) is the fork+exec of a threaded process done right: between the clone and the
// exec only glibc's async-signal-safe file actions run, and no page tables are copied. Every child
// we spawn starts with a clean signal state (nothing blocked, every signal at its default) whatever
// the spawner blocks or handles: the daemon's threads, or the monitor's signalfd for SIGCHLD.
#include <spawn.h>

namespace gocker::runtime {

class SpawnSetup {
 public:
  SpawnSetup();
  ~SpawnSetup();
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // The child's fds 0-2 on /dev/null.
  void stdio_to_dev_null();
  // Closes the child's fds from `lowest` up before its exec (after the file actions added before):
  // Boost.Asio opens the daemon's connections without O_CLOEXEC, and a child holding a copy keeps
  // a closed connection registered in the daemon's epoll set. Not for a binary exec'd through
  // /proc/self/fd (a sealed monitor): its descriptor would go first.
  void close_inherited_from(int lowest);

  posix_spawnattr_t attributes;
  posix_spawn_file_actions_t actions;
};

}  // namespace gocker::runtime
