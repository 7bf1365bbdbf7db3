// syscall-probe: makes one system call inside a container and says how it went, for the tests of
// what a container may do (busybox has no keyctl, ptrace or raw-syscall tools). Static, so it runs
// in any image from a read-only bind mount.
//
//   syscall-probe keyctl | ptrace | unshare | clone3 | fds | nr N | write PATH
//
// Prints "ok" or "errno N" (the call's errno) on stdout and exits 0 either way; "fds" prints the
// open descriptors of the process, space-separated. Exit 2 is a usage error.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

int report(long result) {
  if (result < 0) std::printf("errno %d\n", errno);
  else std::printf("ok\n");
  return 0;
}

int list_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return report(-1);
  const int own = ::dirfd(dir);
  bool first = true;
  while (struct dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    if (std::atoi(entry->d_name) == own) continue;
    std::printf("%s%s", first ? "" : " ", entry->d_name);
    first = false;
  }
  std::printf("\n");
  ::closedir(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const char* what = argv[1];
  if (!std::strcmp(what, "keyctl")) return report(::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
  if (!std::strcmp(what, "ptrace")) return report(::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr));
  if (!std::strcmp(what, "unshare")) return report(::unshare(CLONE_NEWUTS));
  // A NULL clone_args pointer: a filter that lets clone3 through makes it EFAULT, never a child.
  if (!std::strcmp(what, "clone3")) return report(::syscall(SYS_clone3, nullptr, 0));
  if (!std::strcmp(what, "fds")) return list_fds();
  if (!std::strcmp(what, "nr") && argc == 3) return report(::syscall(std::atol(argv[2]), 0, 0, 0, 0, 0, 0));
  if (!std::strcmp(what, "write") && argc == 3) return report(::open(argv[2], O_WRONLY | O_CLOEXEC));
  return 2;
}
