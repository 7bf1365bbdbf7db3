// The process-wide part of the harness: the namespaces every test program runs in (entered before
// main), skipping, the failure counter and where the binaries under test are.
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "harness.hpp"

namespace gocker::test {
namespace {

using detail::errno_text;

[[noreturn]] void skip_or_fail(const std::string& why, const char* needs) {
  const char* strict = std::getenv("GOCKER_TEST_STRICT");
  const bool is_strict = strict != nullptr && std::string(strict) == "1";
  std::fprintf(stderr,
               "\n"
               "**********************************************************************\n"
               "SKIP: %s\n"
               "  %s\n"
               "  %s\n"
               "**********************************************************************\n\n",
               why.c_str(), needs,
               is_strict ? "GOCKER_TEST_STRICT=1: a skip counts as a FAILURE (exit 1)."
                         : "exiting 77 (skipped); GOCKER_TEST_STRICT=1 would make this a failure.");
  std::fflush(stderr);
  _exit(is_strict ? 1 : 77);
}

[[noreturn]] void skip_namespaces(const std::string& why) {
  skip_or_fail(why, "integration tests need root, a mount and a network namespace.");
}

void bring_loopback_up() {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) skip_namespaces("socket(AF_INET) for bringing lo up: " + errno_text(errno));
  struct ifreq request {};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(fd, SIOCGIFFLAGS, &request) < 0) skip_namespaces("SIOCGIFFLAGS lo: " + errno_text(errno));
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(fd, SIOCSIFFLAGS, &request) < 0) skip_namespaces("SIOCSIFFLAGS lo up: " + errno_text(errno));
  ::close(fd);
}

void enter_test_namespaces() {
  if (::geteuid() != 0) skip_namespaces("not running as root (euid " + std::to_string(::geteuid()) + ")");
  if (::unshare(CLONE_NEWNS | CLONE_NEWNET) != 0)
    skip_namespaces("unshare(CLONE_NEWNS | CLONE_NEWNET): " + errno_text(errno));
  // The copies of a shared host mount stay in the host's peer group after unshare: make them
  // private first so nothing we mount reaches the host, then shared again (a new peer group of
  // ours alone), which is what "/" looks like on a systemd host. A runtime that forgets to make
  // its own namespace MS_REC|MS_PRIVATE then leaks its mounts into our namespace, where tests
  // look for them.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    skip_namespaces("make / rprivate: " + errno_text(errno));
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SHARED, nullptr) != 0)
    skip_namespaces("make / rshared: " + errno_text(errno));
  bring_loopback_up();
  // Writes to a child's stdin pipe after it exited must be an EPIPE, not the end of the test.
  // Children get SIGPIPE back at its default (posix_spawn SETSIGDEF, or explicitly after fork).
  ::signal(SIGPIPE, SIG_IGN);
}

// Runs before main (and so before doctest or any test starts a thread): unshare(CLONE_NEWNS)
// fails with EINVAL in a multi-threaded process.
const bool g_namespaces_entered = (enter_test_namespaces(), true);

std::atomic<unsigned> g_failures{0};

std::string from_env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

void skip_program(const std::string& why) { skip_or_fail(why, "this test program cannot run here."); }

unsigned failure_count() { return g_failures.load(); }
void note_failure() { ++g_failures; }

#ifndef GOCKERD_BIN
#define GOCKERD_BIN "gockerd"
#endif
#ifndef GOCKERCTL_BIN
#define GOCKERCTL_BIN "gockerctl"
#endif
#ifndef GOCKER_MONITOR_BIN
#define GOCKER_MONITOR_BIN "gocker-monitor"
#endif
#ifndef GOCKER_IMAGE_DIR
#define GOCKER_IMAGE_DIR "/usr/local/share/gocker"
#endif

std::string gockerd_binary() { return from_env_or("GOCKERD_BIN", GOCKERD_BIN); }
std::string gockerctl_binary() { return from_env_or("GOCKERCTL_BIN", GOCKERCTL_BIN); }
std::string monitor_binary() { return from_env_or("GOCKER_MONITOR_BIN", GOCKER_MONITOR_BIN); }
std::string image_dir() { return from_env_or("GOCKER_IMAGE_DIR", GOCKER_IMAGE_DIR); }

}  // namespace gocker::test
