// gockerd as a long-running service: its own open-files limit raised while containers keep the
// default one, the libraries it needs only now and then not kept loaded while idle, and image
// uploads (load, import) that stall being cut off without a trace.
#include <doctest/doctest.h>
#include <poll.h>
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
#include <thread>
#include <vector>

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

// ---- what an idle daemon keeps loaded -------------------------------------------------------------

namespace {

std::string mapped_files(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("an idle gockerd has libsystemd and libnftables unloaded again after using them") {
  Daemon daemon;  // READY=1 goes through libsystemd's sd_notify; the default bridge's table through libnftables
  REQUIRE_DAEMON(daemon);
  const auto table = run_command({"nft", "list", "table", "ip", "gocker"});
  REQUIRE_MESSAGE(table.exit_code == 0, table.describe());
  CHECK(table.out.find("masquerade") != std::string::npos);

  // A published port rewrites the table: the library is loaded for that and closed again.
  auto run = daemon.gockerctl({"run", "--rm", "-p", "18099:80", "busybox", "true"});
  REQUIRE_MESSAGE(run.exit_code == 0, run.describe());
  const std::string maps = mapped_files(daemon.pid());
  REQUIRE(maps.find("gockerd") != std::string::npos);
  CHECK_MESSAGE(maps.find("libsystemd.so") == std::string::npos, maps);
  CHECK_MESSAGE(maps.find("libnftables.so") == std::string::npos, maps);
  CHECK_MESSAGE(maps.find("libgmp.so") == std::string::npos, maps);
}

TEST_CASE("gockerd loads no C++ runtime, XML or Unicode library") {
#ifndef GOCKER_LEAN_DAEMON_LINK
  MESSAGE("SKIP (this case): gockerd is linked without GOCKER_STATIC_DEPS or without lld 16's section GC, so it loads them");
#else
  // spdlog and fmt are compiled in, the C++ runtime is static, and libarchive's xar writer (the one
  // user of libxml2, and through it ICU and libstdc++.so) is left out of the link.
  Daemon daemon;
  REQUIRE_DAEMON(daemon);
  auto run = daemon.gockerctl({"run", "--rm", "busybox", "true"});
  REQUIRE_MESSAGE(run.exit_code == 0, run.describe());
  const std::string maps = mapped_files(daemon.pid());
  for (const char* library : {"libstdc++.so", "libgcc_s.so", "libxml2.so", "libicuuc.so", "libspdlog.so", "libfmt.so"})
    CHECK_MESSAGE(maps.find(library) == std::string::npos, library << " is mapped:\n" << maps);
#endif
}

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

// ---- stalled image uploads ------------------------------------------------------------------------

namespace {

constexpr auto kStallTimeout = std::chrono::seconds(2);  // gockerd --request-timeout 2

int connect_unix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  REQUIRE_MESSAGE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0,
                  "connect " << path << ": " << std::strerror(errno));
  return fd;
}

void send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    REQUIRE_MESSAGE(n > 0, "send: " << std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
}

// Everything the daemon sends until it closes the connection (or the deadline).
std::string read_until_closed(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string received;
  for (;;) {
    pollfd entry{fd, POLLIN, 0};
    int ready = ::poll(&entry, 1, detail::remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char buffer[4096];
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    received.append(buffer, static_cast<size_t>(n));
  }
  return received;
}

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::atoi(response.substr(9, 3).c_str());
}

// The daemon's descriptors that point into `directory` (an upload's unnamed file there shows as
// "<directory>/#<inode> (deleted)").
std::vector<std::string> fds_into(pid_t pid, const std::string& directory) {
  std::vector<std::string> found;
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(fd_dir, error)) {
    std::error_code link_error;
    const std::string target = std::filesystem::read_symlink(entry.path(), link_error).string();
    if (!link_error && target.rfind(directory + "/", 0) == 0) found.push_back(target);
  }
  return found;
}

size_t entries_in(const std::string& directory) {
  size_t count = 0;
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator(directory, error); !error && it != std::filesystem::directory_iterator();
       it.increment(error))
    ++count;
  return count;
}

std::string busybox_tar() {
  auto tar = read_file(image_dir() + "/busybox-rootfs.tar");
  REQUIRE_MESSAGE(tar.has_value(), "no " << image_dir() << "/busybox-rootfs.tar");
  return *tar;
}

std::string upload_head(const std::string& target, size_t length) {
  return "POST " + target + " HTTP/1.1\r\nHost: gocker\r\nContent-Type: application/x-tar\r\nContent-Length: " +
         std::to_string(length) + "\r\n\r\n";
}

void check_stalled_upload_is_cut_off(const Daemon& daemon, const std::string& target) {
  const std::string tar = busybox_tar();
  REQUIRE(tar.size() > 64 * 1024);
  const std::string tmp_dir = daemon.root() + "/layers/tmp";
  const std::string images_before = daemon.http("GET", "/images/json").body;
  const size_t tmp_entries_before = entries_in(tmp_dir);

  const int fd = connect_unix(daemon.socket_path());
  // The head announces the whole tar; a part of it is sent, then nothing more.
  send_all(fd, upload_head(target, tar.size()) + tar.substr(0, 64 * 1024));
  const auto stalled_at = Clock::now();
  // While it waits, the daemon holds the upload's unnamed file.
  bool held = false;
  for (auto deadline = Clock::now() + 1s; !held && Clock::now() < deadline;) {
    held = !fds_into(daemon.pid(), tmp_dir).empty();
    if (!held) std::this_thread::sleep_for(20ms);
  }
  CHECK_MESSAGE(held, "no upload file of the daemon's under " << tmp_dir);

  const std::string answer = read_until_closed(fd, kStallTimeout + 10s);
  const auto waited = detail::since(stalled_at);
  ::close(fd);
  CHECK_MESSAGE(status_of(answer) == 408, target << ": " << answer);
  CHECK_MESSAGE(contains(answer, "no data for 2 s"), answer);
  CHECK(waited >= kStallTimeout - 200ms);
  CHECK(waited < kStallTimeout + 5s);

  // Nothing left: no image, no file (named or held open), and the daemon serves on.
  CHECK(daemon.http("GET", "/images/json").body == images_before);
  CHECK(entries_in(tmp_dir) == tmp_entries_before);
  CHECK(fds_into(daemon.pid(), tmp_dir).empty());
  CHECK(daemon.http("GET", "/_ping").body == "OK");
}

DaemonOptions stall_daemon_options() {
  DaemonOptions options;
  options.extra_args = {"--request-timeout", std::to_string(kStallTimeout.count())};
  return options;
}

}  // namespace

TEST_CASE("an image load that stalls mid-body is cut off after the request timeout, leaving nothing") {
  Daemon daemon(stall_daemon_options());
  REQUIRE_DAEMON(daemon);
  check_stalled_upload_is_cut_off(daemon, "/v1.41/images/load");
  // An upload on a new connection still works.
  auto saved = daemon.http("GET", "/images/get?names=busybox");
  REQUIRE(saved.status == 200);
  auto loaded = daemon.http("POST", "/images/load?quiet=1", saved.body, "application/x-tar");
  CHECK_MESSAGE(loaded.status == 200, loaded.describe());
}

TEST_CASE("an import that stalls mid-body is cut off; a slow one that keeps sending is not") {
  Daemon daemon(stall_daemon_options());
  REQUIRE_DAEMON(daemon);
  check_stalled_upload_is_cut_off(daemon, "/v1.41/images/create?fromSrc=-&repo=stalled&tag=1");
  CHECK(daemon.http("GET", "/images/stalled:1/json").status == 404);

  // Pauses shorter than the timeout, for longer than it in all: the upload completes.
  const std::string tar = busybox_tar();
  const int fd = connect_unix(daemon.socket_path());
  send_all(fd, upload_head("/v1.41/images/create?fromSrc=-&repo=slow&tag=1", tar.size()));
  const size_t piece = tar.size() / 4 + 1;
  const auto started = Clock::now();
  for (size_t offset = 0; offset < tar.size(); offset += piece) {
    if (offset > 0) std::this_thread::sleep_for(kStallTimeout / 2);
    send_all(fd, tar.substr(offset, piece));
  }
  const std::string answer = read_until_closed(fd, 30s);
  ::close(fd);
  CHECK(detail::since(started) > kStallTimeout);
  CHECK_MESSAGE(status_of(answer) == 200, answer);
  CHECK(daemon.http("GET", "/images/slow:1/json").status == 200);
}
