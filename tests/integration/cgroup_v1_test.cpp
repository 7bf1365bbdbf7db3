// The cgroup v1 driver on this host's real /sys/fs/cgroup: the limits the kernel reports back, a
// process joining every hierarchy, removal, and an OOM kill under a memory limit.
//
// Root only: the harness (tests/support/harness.cpp) exits 77 loudly when not root. On a host
// whose /sys/fs/cgroup is cgroup2 this program skips the same way: the v2 driver is covered by
// unit tests against a temp directory. Every cgroup made here lives under
// "gocker-test-<pid>" in each hierarchy and is removed by a guard even when a check fails.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"
#include "tests/support/harness.hpp"

namespace gocker::runtime {
namespace {

constexpr int64_t kMiB = 1024 * 1024;
const std::string kRoot = "/sys/fs/cgroup";

std::unique_ptr<CgroupDriver> v1_driver_or_skip() {
  auto driver = detect_cgroup_driver(kRoot);
  if (!driver) test::skip_program("cannot detect the cgroup layout: " + driver.error().message);
  if ((*driver)->version() != CgroupVersion::V1) {
    test::skip_program(kRoot + " is a cgroup2 mount: this test is for cgroup v1 hosts");
  }
  return std::move(driver).value();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "reading ", path);
  std::stringstream content;
  content << in.rdbuf();
  return trim(content.str());
}

// The hierarchy directory name of a v1 cgroup path ("/sys/fs/cgroup/cpu,cpuacct/x/y" -> "cpu,cpuacct").
std::string hierarchy_of(const std::string& path) {
  return split(std::string_view(path).substr(kRoot.size() + 1), '/').front();
}

// The path (of `paths`) whose hierarchy carries `controller`; fails the test if none does.
std::string path_for(const std::vector<std::string>& paths, const std::string& controller) {
  for (const std::string& path : paths) {
    for (const std::string& name : split(hierarchy_of(path), ',')) {
      if (name == controller) return path;
    }
  }
  FAIL("no cgroup path for controller " << controller);
  return {};
}

// A forked child that blocks on a pipe until release(), then runs `after_release` and exits with
// its result. Killed and reaped by the destructor if the test did not reap it.
class BlockedChild {
 public:
  explicit BlockedChild(int (*after_release)()) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(fds[1]);
      char byte;
      ssize_t n;
      do {
        n = ::read(fds[0], &byte, 1);
      } while (n < 0 && errno == EINTR);
      ::_exit(n == 1 ? after_release() : 3);
    }
    ::close(fds[0]);
    release_fd_ = fds[1];
  }
  BlockedChild(const BlockedChild&) = delete;
  BlockedChild& operator=(const BlockedChild&) = delete;
  ~BlockedChild() {
    if (release_fd_ >= 0) ::close(release_fd_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const { return pid_; }

  // Lets the child go on and waits for it to end; returns its wait status.
  int release_and_wait() {
    REQUIRE(::write(release_fd_, "g", 1) == 1);
    ::close(release_fd_);
    release_fd_ = -1;
    int status = 0;
    pid_t waited;
    do {
      waited = ::waitpid(pid_, &status, 0);
    } while (waited < 0 && errno == EINTR);
    REQUIRE(waited == pid_);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int release_fd_ = -1;
};

int exit_at_once() { return 0; }

// Touches 64 MiB, twice the cgroup's limit: the memcg OOM killer must SIGKILL us part-way.
int allocate_64_mib() {
  constexpr size_t kSize = 64 * kMiB;
  void* memory = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return 2;
  volatile char* bytes = static_cast<volatile char*>(memory);
  for (size_t offset = 0; offset < kSize; offset += 4096) bytes[offset] = 1;
  return 0;  // survived: the limit did not hold
}

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> lines;
  for (std::string& line : split(read_text(path), '\n')) {
    if (!line.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

bool contains(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

TEST_CASE("cgroup v1: create, limits read back by the kernel, join, destroy") {
  auto driver = v1_driver_or_skip();
  const std::string parent = "gocker-test-" + std::to_string(::getpid());
  const std::string cgroup = parent + "/c1";
  ScopeGuard remove_cgroups([&] {
    // Best effort after a failed check; the success path checks these itself.
    (void)driver->destroy(cgroup);
    (void)driver->destroy(parent);
  });

  Status created = driver->create(cgroup);
  REQUIRE_MESSAGE(created, (created ? "" : created.error().message));
  const std::vector<std::string> paths = driver->paths(cgroup);
  MESSAGE("cgroup paths: " << [&] {
    std::string all;
    for (const std::string& path : paths) all += "\n  " + path;
    return all;
  }());
  for (const std::string& path : paths) CHECK_MESSAGE(std::filesystem::is_directory(path), path);
  const std::string memory = path_for(paths, "memory");
  const std::string cpu = path_for(paths, "cpu");
  const std::string cpuset = path_for(paths, "cpuset");
  const std::string pids = path_for(paths, "pids");
  path_for(paths, "cpuacct");

  // Both levels inherited the root's cpuset; without that, joining fails with ENOSPC.
  const std::string cpuset_root = kRoot + "/" + hierarchy_of(cpuset);
  CHECK(read_text(cpuset_root + "/" + parent + "/cpuset.cpus") == read_text(cpuset_root + "/cpuset.cpus"));
  CHECK(read_text(cpuset + "/cpuset.mems") == read_text(cpuset_root + "/cpuset.mems"));

  CgroupLimits limits;
  limits.memory_limit = 64 * kMiB;
  limits.memory_swap = 128 * kMiB;
  limits.cpu_quota = 50000;
  limits.cpu_period = 100000;
  limits.cpu_shares = 512;
  limits.cpuset_cpus = "0";
  limits.cpuset_mems = "0";
  limits.pids_limit = 50;
  Status set = driver->set_limits(cgroup, limits);
  REQUIRE_MESSAGE(set, (set ? "" : set.error().message));
  CHECK(read_text(memory + "/memory.limit_in_bytes") == "67108864");
  const bool has_memsw = std::filesystem::exists(memory + "/memory.memsw.limit_in_bytes");
  if (has_memsw) {
    CHECK(read_text(memory + "/memory.memsw.limit_in_bytes") == "134217728");
  } else {
    MESSAGE("no memory.memsw.limit_in_bytes (swap accounting off): memory+swap was skipped");
  }
  CHECK(read_text(cpu + "/cpu.cfs_quota_us") == "50000");
  CHECK(read_text(cpu + "/cpu.cfs_period_us") == "100000");
  CHECK(read_text(cpu + "/cpu.shares") == "512");
  CHECK(read_text(cpuset + "/cpuset.cpus") == "0");
  CHECK(read_text(cpuset + "/cpuset.mems") == "0");
  CHECK(read_text(pids + "/pids.max") == "50");

  // The kernel refuses memsw < memory at any instant, so these only pass in the right order:
  // lowering below the current memsw writes memory first, raising above it writes memsw first.
  CgroupLimits lower;
  lower.memory_limit = 32 * kMiB;
  lower.memory_swap = 48 * kMiB;
  Status lowered = driver->set_limits(cgroup, lower);
  REQUIRE_MESSAGE(lowered, (lowered ? "" : lowered.error().message));
  CgroupLimits raise;
  raise.memory_limit = 256 * kMiB;
  raise.memory_swap = 512 * kMiB;
  Status raised = driver->set_limits(cgroup, raise);
  REQUIRE_MESSAGE(raised, (raised ? "" : raised.error().message));
  CHECK(read_text(memory + "/memory.limit_in_bytes") == "268435456");
  if (has_memsw) CHECK(read_text(memory + "/memory.memsw.limit_in_bytes") == "536870912");

  BlockedChild child(exit_at_once);
  Status added = driver->add_pid(cgroup, child.pid());
  REQUIRE_MESSAGE(added, (added ? "" : added.error().message));
  const std::string pid_text = std::to_string(child.pid());
  for (const std::string& path : paths) {
    CHECK_MESSAGE(contains(lines_of(path + "/cgroup.procs"), pid_text), path);
  }
  // /proc/<pid>/cgroup lines read "<id>:<controllers>:/<path>", one per hierarchy.
  const std::vector<std::string> membership = lines_of("/proc/" + pid_text + "/cgroup");
  for (const std::string& path : paths) {
    const std::string expected = hierarchy_of(path) + ":/" + cgroup;
    bool found = false;
    for (const std::string& line : membership) found = found || ends_with(line, ":" + expected);
    CHECK_MESSAGE(found, "no line ending in " << expected << " in /proc/" << pid_text << "/cgroup");
  }

  // A cgroup with a process in it cannot go: the error says which and why.
  Status busy = driver->destroy(cgroup);
  REQUIRE_FALSE(busy);
  CHECK(busy.error().kind == ErrorKind::Conflict);
  CHECK(busy.error().message.find("destroy cgroup \"" + cgroup + "\": remove cgroup \"") == 0);
  CHECK(busy.error().message.find("Device or resource busy") != std::string::npos);

  const int status = child.release_and_wait();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  Status destroyed = driver->destroy(cgroup);
  REQUIRE_MESSAGE(destroyed, (destroyed ? "" : destroyed.error().message));
  CHECK(driver->destroy(cgroup));  // already gone: fine
  REQUIRE(driver->destroy(parent));
  for (const std::string& path : paths) CHECK_MESSAGE(!std::filesystem::exists(path), path);
  for (const std::string& path : driver->paths(parent)) CHECK_MESSAGE(!std::filesystem::exists(path), path);
}

TEST_CASE("cgroup v1: a 64 MiB allocation under a 32 MiB limit is OOM-killed and counted") {
  auto driver = v1_driver_or_skip();
  const std::string parent = "gocker-test-" + std::to_string(::getpid());
  const std::string cgroup = parent + "/oom";
  ScopeGuard remove_cgroups([&] {
    (void)driver->destroy(cgroup);
    (void)driver->destroy(parent);
  });
  REQUIRE(driver->create(cgroup));
  CgroupLimits limits;
  limits.memory_limit = 32 * kMiB;
  limits.memory_swap = 32 * kMiB;  // no swap either, so the only way out is the OOM killer
  Status set = driver->set_limits(cgroup, limits);
  REQUIRE_MESSAGE(set, (set ? "" : set.error().message));
  auto before = driver->oom_kill_count(cgroup);
  REQUIRE_MESSAGE(before.has_value(), (before ? "" : before.error().message));
  CHECK(*before == 0);

  int status = 0;
  {
    BlockedChild child(allocate_64_mib);
    Status added = driver->add_pid(cgroup, child.pid());
    REQUIRE_MESSAGE(added, (added ? "" : added.error().message));
    status = child.release_and_wait();  // the child allocates only once it is in the cgroup
  }
  CHECK_MESSAGE(WIFSIGNALED(status), "child was not killed; exit status " << WEXITSTATUS(status));
  if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGKILL);
  auto after = driver->oom_kill_count(cgroup);
  REQUIRE_MESSAGE(after.has_value(), (after ? "" : after.error().message));
  CHECK(*after >= 1);

  REQUIRE(driver->destroy(cgroup));
  REQUIRE(driver->destroy(parent));
  for (const std::string& path : driver->paths(parent)) CHECK_MESSAGE(!std::filesystem::exists(path), path);
}

}  // namespace
}  // namespace gocker::runtime
