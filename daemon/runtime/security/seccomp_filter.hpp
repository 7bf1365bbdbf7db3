#pragma once
// Turns a config.json seccomp profile into a kernel filter with libseccomp, and loads a profile
// into the calling (single-threaded) process. Where in a process's setup loading happens is the
// caller's business (process_setup.cpp): it decides whether no_new_privs is already set.
#include "base/result.hpp"
#include "runtime/security/seccomp_program.hpp"
#include "runtime/security/security_config.hpp"

namespace gocker::runtime {

// Rules follow runc's reading of the spec: names libseccomp does not know are skipped; a rule
// whose action is the default action is dropped; a rule's argument conditions are ANDed when each
// names a different argument, otherwise each condition is a rule of its own (ORed). Syscall
// numbers above the highest this libseccomp knows answer ENOSYS rather than the default action,
// so a newer libc falls back to an older syscall (clone3 -> clone) instead of failing with EPERM.
// Syscalls are matched by libseccomp's own table, so compile where the program will run (gockerd
// and its monitor are one build).
//
// The layout trades compile time for load and run time. A linear chain compiles fastest (~7 ms for
// Docker's profile on three architectures) and suits a program compiled where it is loaded. A
// binary tree (libseccomp's SCMP_FLTATR_CTL_OPTIMIZE=2) takes about twice as long to compile but
// loads in ~0.5 ms instead of ~0.85 ms (the kernel walks the program once per syscall number to
// build its allow cache) and looks each syscall up in log(n) steps: the form for a stored program
// that every container start loads.
enum class SeccompLayout { kLinear, kBinaryTree };
Result<SeccompProgram> compile_seccomp_program(const SeccompProfile& profile, SeccompLayout layout = SeccompLayout::kLinear);

// Names the libseccomp and program format that compile_seccomp_program uses ("libseccomp 2.5.4,
// program format 1, binary tree"): a stored program is only as good as the compiler that made it.
std::string seccomp_compiler_identity(SeccompLayout layout);

// Loads the profile's precompiled program when config.json named one, else compiles it here.
// Never sets no_new_privs itself.
Status load_seccomp_profile(const SeccompProfile& profile);

// The highest native syscall number libseccomp can name, and the last one answered ENOSYS.
int highest_known_syscall();
inline constexpr int kFutureSyscallWindow = 64;

}  // namespace gocker::runtime
