#pragma once
// Turns a config.json seccomp profile into a kernel filter with libseccomp and loads it into the
// calling (single-threaded) process. Where in a process's setup this happens is the caller's
// business (process_setup.cpp): it decides whether no_new_privs is already set.
#include "base/result.hpp"
#include "runtime/security/security_config.hpp"

namespace gocker::runtime {

// Rules follow runc's reading of the spec: names libseccomp does not know are skipped; a rule
// whose action is the default action is dropped; a rule's argument conditions are ANDed when each
// names a different argument, otherwise each condition is a rule of its own (ORed). Syscall
// numbers above the highest this libseccomp knows answer ENOSYS rather than the default action,
// so a newer libc falls back to an older syscall (clone3 -> clone) instead of failing with EPERM.
// The filter never sets no_new_privs itself.
Status load_seccomp_profile(const SeccompProfile& profile);

// The highest native syscall number libseccomp can name, and the last one answered ENOSYS.
int highest_known_syscall();
inline constexpr int kFutureSyscallWindow = 64;

}  // namespace gocker::runtime
