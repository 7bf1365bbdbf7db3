// gockerd as a long-running service: its own open-files limit raised while containers keep the
// default one, and image uploads (load, import) that stall being cut off without a trace.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/harness.hpp"

using namespace gocker::test;

namespace {

#define REQUIRE_DAEMON(daemon) REQUIRE_MESSAGE((daemon).started(), (daemon).start_error())

bool strict() { return std::getenv("GOCKER_TEST_STRICT") != nullptr; }

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

// "Max open files  <soft>  <hard>  files" of /proc/<pid>/limits.
std::pair<std::string, std::string> open_files_limits(pid_t pid) {
  std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) != 0) continue;
    std::istringstream fields(line.substr(std::strlen("Max open files")));
    std::string soft, hard;
    fields >> soft >> hard;
    return {soft, hard};
  }
  return {};
}

// Lowers this process's soft RLIMIT_NOFILE (what the daemon it starts inherits, as from its unit's
// LimitNOFILE=1024:...) for the scope's lifetime.
class SoftOpenFilesLimit {
 public:
  explicit SoftOpenFilesLimit(rlim_t soft) {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    struct rlimit lowered = saved_;
    lowered.rlim_cur = soft;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  }
  ~SoftOpenFilesLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  SoftOpenFilesLimit(const SoftOpenFilesLimit&) = delete;
  SoftOpenFilesLimit& operator=(const SoftOpenFilesLimit&) = delete;

 private:
  struct rlimit saved_ {};
};

}  // namespace

// ---- open files ---------------------------------------------------------------------------------

TEST_CASE("gockerd raises its own open-files soft limit; containers keep the one it started with") {
  struct rlimit own {};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &own) == 0);
  if (own.rlim_max <= 1024) {
    if (strict()) FAIL("GOCKER_TEST_STRICT=1 and the hard open-files limit here is " << own.rlim_max);
    MESSAGE("SKIP (this case): the hard open-files limit here is " << own.rlim_max << ", nothing to raise");
    return;
  }
  const std::string hard = std::to_string(own.rlim_max);
  // As under the unit: started with a soft limit of 1024.
  SoftOpenFilesLimit started_with(1024);
  Daemon daemon;  // the harness runs gockerd with --log-level debug
  REQUIRE_DAEMON(daemon);

  const auto [daemon_soft, daemon_hard] = open_files_limits(daemon.pid());
  CHECK(daemon_soft == hard);
  CHECK(daemon_hard == hard);
  CHECK_MESSAGE(daemon.log().find("open files: soft limit " + hard + " (was 1024), hard limit " + hard) != std::string::npos,
                daemon.log());

  // A container, and a process exec'd into one, get 1024 (soft) and the daemon's hard limit.
  auto run = daemon.gockerctl({"run", "--rm", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn"});
  REQUIRE_MESSAGE(run.exit_code == 0, run.describe());
  CHECK(trimmed(run.out) == "1024\n" + hard);
  auto started = daemon.gockerctl({"run", "-d", "--name", "idle", "busybox", "sleep", "1000"});
  REQUIRE_MESSAGE(started.exit_code == 0, started.describe());
  auto exec = daemon.gockerctl({"exec", "idle", "sh", "-c", "ulimit -n; ulimit -Hn"});
  REQUIRE_MESSAGE(exec.exit_code == 0, exec.describe());
  CHECK(trimmed(exec.out) == "1024\n" + hard);
  // The container's PID 1 itself, seen from the host.
  auto pid = daemon.gockerctl({"inspect", "-f", "{{.State.Pid}}", "idle"});
  REQUIRE_MESSAGE(pid.exit_code == 0, pid.describe());
  const auto [init_soft, init_hard] = open_files_limits(static_cast<pid_t>(std::stol(pid.out)));
  CHECK(init_soft == "1024");
  CHECK(init_hard == hard);
  CHECK(daemon.gockerctl({"rm", "-f", "idle"}).exit_code == 0);

  // --ulimit nofile still decides, up to the daemon's hard limit.
  auto wider = daemon.gockerctl({"run", "--rm", "--ulimit", "nofile=4096:8192", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn"});
  REQUIRE_MESSAGE(wider.exit_code == 0, wider.describe());
  CHECK(trimmed(wider.out) == "4096\n8192");
  auto soft_only = daemon.gockerctl({"run", "--rm", "--ulimit", "nofile=" + hard, "busybox", "sh", "-c", "ulimit -n"});
  REQUIRE_MESSAGE(soft_only.exit_code == 0, soft_only.describe());
  CHECK(trimmed(soft_only.out) == hard);
}

// ---- the group gocker ---------------------------------------------------------------------------

namespace {

class TempDirectory {
 public:
  TempDirectory() {
    char pattern[] = "/tmp/gk-service.XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    path_ = pattern;
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A root directory with just enough of /etc for systemd-sysusers and groupadd --prefix.
std::string make_fake_root(const std::string& path) {
  std::filesystem::create_directories(path + "/etc");
  std::ofstream(path + "/etc/group") << "root:x:0:\n";
  std::ofstream(path + "/etc/gshadow") << "root:*::\n";
  std::ofstream(path + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n";
  std::ofstream(path + "/etc/shadow") << "root:*:19000:0:99999:7:::\n";
  return path;
}

// The gid of `name` in ROOT/etc/group, -1 when absent (or listed twice).
long group_id(const std::string& root, const std::string& name) {
  long gid = -1;
  int found = 0;
  for (const std::string& line : split_lines(read_file(root + "/etc/group").value_or(""))) {
    if (line.rfind(name + ":x:", 0) != 0) continue;
    ++found;
    gid = std::stol(line.substr(name.size() + 3));
  }
  return found == 1 ? gid : -1;
}

}  // namespace

TEST_CASE("the sysusers.d file is installed and makes the system group gocker, as groupadd does without systemd-sysusers") {
  TempDirectory scratch;
  const std::string prefix = scratch.path() + "/prefix";
  auto installed = run_command({"cmake", "--install", GOCKER_BINARY_DIR, "--component", "systemd", "--prefix", prefix});
  REQUIRE_MESSAGE(installed.exit_code == 0, installed.describe());
  const std::string conf = prefix + "/lib/sysusers.d/gocker.conf";
  CHECK(read_file(conf) == read_file(std::string(GOCKER_SOURCE_DIR) + "/systemd/gocker.sysusers"));
  CHECK(contains(read_file(conf).value_or(""), "\ng gocker -\n"));
  CHECK(std::filesystem::exists(prefix + "/lib/systemd/system/gockerd.service"));
  CHECK(std::filesystem::exists(prefix + "/lib/systemd/system/gockerd.socket"));

  const std::string script = std::string(GOCKER_SOURCE_DIR) + "/scripts/add-gocker-group.sh";
  // systemd-sysusers, as at boot and by quickstart on a systemd host.
  const std::string with_sysusers = make_fake_root(scratch.path() + "/with-sysusers");
  long sysusers_gid = -1;
  if (detail::find_on_path("systemd-sysusers").empty()) {
    if (strict()) FAIL("GOCKER_TEST_STRICT=1 and systemd-sysusers is not installed");
    MESSAGE("SKIP (part of this case): systemd-sysusers is not installed");
  } else {
    auto added = run_command({"/bin/sh", script, conf, with_sysusers});
    REQUIRE_MESSAGE(added.exit_code == 0, added.describe());
    sysusers_gid = group_id(with_sysusers, "gocker");
    CHECK(sysusers_gid > 0);
    CHECK(sysusers_gid < 1000);  // a system group (login.defs SYS_GID_MAX)
  }

  // Where systemd-sysusers is absent: a PATH with only what the fallback needs.
  const std::string tools = scratch.path() + "/tools";
  std::filesystem::create_directories(tools);
  for (const char* tool : {"awk", "groupadd"}) {
    const std::string found = detail::find_on_path(tool);
    REQUIRE_MESSAGE(!found.empty(), tool << " is not installed");
    std::filesystem::create_symlink(found, tools + "/" + tool);
  }
  const std::string without_sysusers = make_fake_root(scratch.path() + "/without-sysusers");
  for (int time = 0; time < 2; ++time) {  // the second run changes nothing
    CommandOptions options;
    options.env = {{"PATH", tools}};
    auto added = run_command({"/bin/sh", script, conf, without_sysusers}, options);
    REQUIRE_MESSAGE(added.exit_code == 0, added.describe());
  }
  const long groupadd_gid = group_id(without_sysusers, "gocker");
  CHECK(groupadd_gid > 0);
  CHECK(groupadd_gid < 1000);
  if (sysusers_gid > 0) CHECK(groupadd_gid == sysusers_gid);  // the same first free system gid
}
