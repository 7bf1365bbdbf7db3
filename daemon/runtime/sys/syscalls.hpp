#pragma once
// Syscalls glibc 2.36 (Debian 12) has no usable wrapper for. close_range comes from <unistd.h>.
// glibc 2.36's <sys/pidfd.h> declares pidfd_open/pidfd_send_signal without extern "C" (fixed in
// 2.37), so C++ cannot link them: they are here too.
//
// These are thin: one kernel operation each, errno preserved, no retry policy. The callers own
// the error messages (they know which object the call was about).
#include <linux/openat2.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

namespace gocker::runtime::sys {

// pivot_root(2): https://man7.org/linux/man-pages/man2/pivot_root.2.html
inline int pivot_root(const char* new_root, const char* put_old) {
  return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
}

// clone3(2) with fork-like semantics (no new stack: the child continues on a copy-on-write copy of
// the caller's stack, exactly like fork). Returns 0 in the child, the child's pid in the parent.
// Only safe to call from a single-threaded process: glibc's fork handlers (atfork, malloc locks)
// do not run, so the caller must not hold any lock another thread could be holding.
inline pid_t clone3(struct clone_args* args) {
  return static_cast<pid_t>(::syscall(SYS_clone3, args, sizeof(*args)));
}

// openat2(2): used with RESOLVE_IN_ROOT so paths from config.json cannot escape the rootfs through
// symlinks planted in the image (the CVE-2021-30465 class of bugs).
inline int openat2(int dirfd, const char* path, struct open_how* how) {
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, how, sizeof(*how)));
}

inline int pidfd_open(pid_t pid, unsigned int flags) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}

inline int pidfd_send_signal(int pidfd, int signal) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

}  // namespace gocker::runtime::sys
