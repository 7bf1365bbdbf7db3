// gockerd --userns-remap: the container's root is an unprivileged host id from the gocker user's
// subordinate ranges. Checked from both sides: the host's view of the container's processes and
// files (status, upper dir, volume data), and the container's own (uid_map, id, the image's files
// owned by its root through idmapped layers), plus the opt-outs and refusals.
//
// The gocker user and its ranges are made by the install scripts, as quickstart runs them, on an
// overlay over /etc that exists only in this test's mount namespace (the harness gives every test
// program its own): the host's /etc is never written. Every gockerd here is forked from this
// process, so it sees that /etc too.
#include <doctest/doctest.h>
#include <sys/mount.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "tests/support/harness.hpp"

using namespace gocker::test;

namespace {

#define REQUIRE_DAEMON(daemon) REQUIRE_MESSAGE((daemon).started(), (daemon).start_error())

// /etc with the gocker group, user and ranges, for this process's mount namespace only.
class InstalledGockerUser {
 public:
  InstalledGockerUser() {
    char pattern[] = "/tmp/gk-etc.XXXXXX";
    if (!::mkdtemp(pattern)) {
      error_ = "mkdtemp: " + detail::errno_text(errno);
      return;
    }
    dir_ = pattern;
    // Upper and work dirs on a tmpfs: the overlay needs them on a filesystem that can hold them
    // whatever / is, and the tmpfs vanishes with its mount.
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "mode=0700") != 0) {
      error_ = "mount tmpfs on " + dir_ + ": " + detail::errno_text(errno);
      return;
    }
    tmpfs_mounted_ = true;
    std::filesystem::create_directories(dir_ + "/upper");
    std::filesystem::create_directories(dir_ + "/work");
    const std::string options = "lowerdir=/etc,upperdir=" + dir_ + "/upper,workdir=" + dir_ + "/work";
    if (::mount("overlay", "/etc", "overlay", 0, options.c_str()) != 0) {
      error_ = "mount an overlay on /etc: " + detail::errno_text(errno);
      return;
    }
    etc_mounted_ = true;
    const std::string scripts = std::string(GOCKER_SOURCE_DIR) + "/scripts/";
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"/bin/sh", scripts + "add-gocker-group.sh", std::string(GOCKER_SOURCE_DIR) + "/systemd/gocker.sysusers"},
             {"/bin/sh", scripts + "add-gocker-user.sh"},
             {"/bin/sh", scripts + "add-gocker-user.sh"}}) {  // twice: the second run changes nothing
      auto result = run_command(argv);
      if (result.exit_code != 0) {
        error_ = argv[1] + ": " + result.describe();
        return;
      }
    }
    subuid_ = read_file("/etc/subuid").value_or("");
    subgid_ = read_file("/etc/subgid").value_or("");
  }
  ~InstalledGockerUser() {
    if (etc_mounted_) ::umount2("/etc", MNT_DETACH);
    if (tmpfs_mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }
  InstalledGockerUser(const InstalledGockerUser&) = delete;
  InstalledGockerUser& operator=(const InstalledGockerUser&) = delete;

  const std::string& error() const { return error_; }
  const std::string& subuid() const { return subuid_; }
  const std::string& subgid() const { return subgid_; }

 private:
  std::string dir_;
  bool tmpfs_mounted_ = false;
  bool etc_mounted_ = false;
  std::string error_;
  std::string subuid_;
  std::string subgid_;
};

InstalledGockerUser& gocker_user() {
  static InstalledGockerUser user;
  return user;
}

// The start of gocker's range in a subuid/subgid file's text ("gocker:START:COUNT").
long range_start(const std::string& text) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex("(^|\n)gocker:([0-9]+):65536(\n|$)"))) return -1;
  return std::stol(match[2].str());
}

struct Remap {
  long uid = -1;
  long gid = -1;
};

Remap gocker_remap() {
  REQUIRE_MESSAGE(gocker_user().error().empty(), gocker_user().error());
  Remap remap{range_start(gocker_user().subuid()), range_start(gocker_user().subgid())};
  INFO("/etc/subuid:\n" << gocker_user().subuid() << "/etc/subgid:\n" << gocker_user().subgid());
  REQUIRE(remap.uid >= 100000);
  REQUIRE(remap.gid >= 100000);
  return remap;
}

DaemonOptions remapping_daemon_options() {
  gocker_remap();  // /etc ready before the daemon reads it
  DaemonOptions options;
  options.extra_args = {"--userns-remap", "default"};
  return options;
}

Daemon& remapping_daemon() {
  static Daemon daemon(remapping_daemon_options());
  return daemon;
}

std::string ok(const Daemon& daemon, const std::vector<std::string>& args) {
  const auto result = daemon.gockerctl(args);
  INFO("gockerctl " << args.front() << ": " << result.describe());
  REQUIRE(result.exit_code == 0);
  return trim(result.out);
}

// "Uid:\t100000\t100000\t100000\t100000" -> the four ids.
std::vector<long> status_ids(pid_t pid, const std::string& field) {
  const std::string status = read_file("/proc/" + std::to_string(pid) + "/status").value_or("");
  std::smatch match;
  std::vector<long> ids;
  if (std::regex_search(status, match, std::regex("(^|\n)" + field + ":\\s*([0-9\\s]+)\n"))) {
    std::istringstream fields(match[2].str());
    for (long id; fields >> id;) ids.push_back(id);
  }
  return ids;
}

struct Owner {
  long uid = -1;
  long gid = -1;
};

Owner owner_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return {};
  return {static_cast<long>(st.st_uid), static_cast<long>(st.st_gid)};
}

// The owner of each entry of a tar stream (ustar headers; pax extended headers are skipped, the
// names here are short), by entry name.
std::map<std::string, Owner> tar_owners(const std::string& tar) {
  std::map<std::string, Owner> owners;
  for (size_t at = 0; at + 512 <= tar.size();) {
    const char* header = tar.data() + at;
    if (header[0] == '\0') break;  // the end-of-archive blocks
    const std::string name(header, strnlen(header, 100));
    const long size = std::strtol(std::string(header + 124, 12).c_str(), nullptr, 8);
    const char type = header[156];
    if (type != 'x' && type != 'g')
      owners[name] = {std::strtol(std::string(header + 108, 8).c_str(), nullptr, 8),
                      std::strtol(std::string(header + 116, 8).c_str(), nullptr, 8)};
    at += 512 + static_cast<size_t>((size + 511) / 512 * 512);
  }
  return owners;
}

// "         0     100000      65536" -> "0 100000 65536"
std::string squeeze(const std::string& text) {
  std::istringstream words(text);
  std::string out;
  for (std::string word; words >> word;) out += (out.empty() ? "" : " ") + word;
  return out;
}

}  // namespace

TEST_CASE("the install scripts give the gocker user one range of 65536 ids, the same in subuid and subgid") {
  const Remap remap = gocker_remap();
  CHECK(remap.uid == remap.gid);
  CHECK(contains(read_file("/etc/passwd").value_or(""), "\ngocker:"));
  // Run twice (above): still one line each.
  CHECK(std::count(gocker_user().subuid().begin(), gocker_user().subuid().end(), '\n') >= 1);
  const std::string subuid = "\n" + gocker_user().subuid();
  CHECK(subuid.find("\ngocker:") == subuid.rfind("\ngocker:"));
}

TEST_CASE("with --userns-remap default, the container's root is the gocker user's first subordinate id on the host") {
  const Remap remap = gocker_remap();
  Daemon& daemon = remapping_daemon();
  REQUIRE_DAEMON(daemon);

  const auto info = nlohmann::json::parse(daemon.http("GET", "/info").body, nullptr, false);
  REQUIRE(info.is_object());
  CHECK(info["SecurityOptions"].dump().find("name=userns") != std::string::npos);
  CHECK(contains(ok(daemon, {"info"}), " Security Options:\n  seccomp\n   Profile: builtin\n  userns\n"));

  const std::string id = ok(daemon, {"run", "-d", "--name", "remapped", "busybox", "sleep", "1000"});
  const pid_t pid = std::stoi(ok(daemon, {"inspect", "-f", "{{.State.Pid}}", "remapped"}));
  REQUIRE(pid > 0);
  CHECK(status_ids(pid, "Uid") == std::vector<long>(4, remap.uid));
  CHECK(status_ids(pid, "Gid") == std::vector<long>(4, remap.gid));

  // Inside: root of a namespace whose ids start at that host id.
  CHECK(ok(daemon, {"exec", "remapped", "id", "-u"}) == "0");
  CHECK(squeeze(ok(daemon, {"exec", "remapped", "cat", "/proc/self/uid_map"})) ==
        "0 " + std::to_string(remap.uid) + " 65536");
  CHECK(squeeze(ok(daemon, {"exec", "remapped", "cat", "/proc/self/gid_map"})) ==
        "0 " + std::to_string(remap.gid) + " 65536");
  // The image's files are root's inside (idmapped layers), not the overflow id 65534 that
  // host-root-owned files would show as.
  CHECK(ok(daemon, {"exec", "remapped", "stat", "-c", "%u:%g", "/bin/busybox"}) == "0:0");
  CHECK(ok(daemon, {"exec", "remapped", "stat", "-c", "%u:%g", "/etc/hostname"}) == "0:0");
  // ...and still read-only to it underneath: a write goes to the container's upper dir, owned on
  // the host by the remapped root.
  ok(daemon, {"exec", "remapped", "sh", "-c", "echo written > /written && mkdir /made"});
  const std::string upper = daemon.root() + "/containers/" + id + "/upper";
  const Owner written = owner_of(upper + "/written");
  CHECK(written.uid == remap.uid);
  CHECK(written.gid == remap.gid);
  CHECK(owner_of(upper + "/made").uid == remap.uid);

  // Root in a user namespace is not root on the host: a mount is still refused.
  CHECK(daemon.gockerctl({"exec", "remapped", "mount", "-t", "tmpfs", "x", "/mnt"}).exit_code != 0);

  // What leaves the container carries the ids the container sees, not the host's: export, cp out
  // and commit shift them back; cp in shifts them into the remap.
  const auto exported = daemon.gockerctl({"export", "remapped"});
  REQUIRE(exported.exit_code == 0);
  const auto export_owners = tar_owners(exported.out);
  REQUIRE(export_owners.count("./bin/busybox") == 1);
  CHECK(export_owners.at("./bin/busybox").uid == 0);
  CHECK(export_owners.at("./bin/busybox").gid == 0);
  REQUIRE(export_owners.count("./written") == 1);
  CHECK(export_owners.at("./written").uid == 0);
  // The container's own mounts stay out: its /proc is an empty directory there.
  CHECK(std::count_if(export_owners.begin(), export_owners.end(),
                      [](const auto& entry) { return entry.first.rfind("./proc/", 0) == 0 && entry.first != "./proc/"; }) == 0);
  const auto copied_out = daemon.gockerctl({"cp", "remapped:/written", "-"});
  REQUIRE(copied_out.exit_code == 0);
  const auto cp_owners = tar_owners(copied_out.out);
  REQUIRE(cp_owners.count("written") == 1);
  CHECK(cp_owners.at("written").uid == 0);
  CHECK(cp_owners.at("written").gid == 0);
  const std::string host_file = daemon.root() + "/copy-in.txt";
  std::ofstream(host_file) << "from the host\n";
  ok(daemon, {"cp", host_file, "remapped:/copied-in"});
  CHECK(ok(daemon, {"exec", "remapped", "stat", "-c", "%u:%g", "/copied-in"}) == "0:0");
  CHECK(owner_of(upper + "/copied-in").uid == remap.uid);
  ok(daemon, {"commit", "remapped", "remapped-commit"});
  CHECK(ok(daemon, {"run", "--rm", "--userns", "host", "remapped-commit", "stat", "-c", "%u:%g", "/made", "/copied-in"}) ==
        "0:0\n0:0");
  CHECK(ok(daemon, {"run", "--rm", "remapped-commit", "stat", "-c", "%u:%g", "/made"}) == "0:0");

  ok(daemon, {"rm", "-f", "remapped"});
  ok(daemon, {"rmi", "remapped-commit"});
  CHECK(mounts_under(daemon.root() + "/containers").empty());
  CHECK_FALSE(std::filesystem::exists(daemon.root() + "/containers/" + id));
}

// runc and crun set the container up from inside its user namespace, as the remapped root: the
// daemon's directories on the way to the rootfs must let that id through.
TEST_CASE("with --userns-remap or --userns private, runc and crun run the container as the remapped root too") {
  const Remap remap = gocker_remap();
  for (const std::string runtime : {"runc", "crun"}) {
    CAPTURE(runtime);
    if (detail::find_on_path(runtime).empty()) {
      if (std::getenv("GOCKER_TEST_STRICT")) FAIL("no " << runtime << " on PATH and GOCKER_TEST_STRICT=1");
      MESSAGE("SKIP: " << runtime << " is not installed (apt-get install " << runtime << ")");
      continue;
    }
    DaemonOptions options = remapping_daemon_options();
    options.extra_args.insert(options.extra_args.end(), {"--runtime", runtime});
    struct statfs unified {};
    if (runtime == "crun" && ::statfs("/sys/fs/cgroup/unified", &unified) == 0 && unified.f_type == CGROUP2_SUPER_MAGIC) {
      // crun 1.8 refuses a hybrid host: its gockerd gets a mount namespace without the cgroup2 mount.
      options.launcher = {detail::find_on_path("unshare"), "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                          "umount /sys/fs/cgroup/unified && exec \"$0\" \"$@\""};
    }
    Daemon daemon(options);
    REQUIRE_DAEMON(daemon);
    // The same goes for the directories above --root (as for dockerd's data root): the harness's
    // temporary directory is 0700, /var/lib is 0755.
    REQUIRE(::chmod(std::filesystem::path(daemon.root()).parent_path().c_str(), 0711) == 0);
    CHECK(ok(daemon, {"run", "--rm", "busybox", "sh", "-c", "id -u; cat /proc/self/uid_map; touch /f; stat -c %u:%g /f"}) ==
          "0\n         0     " + std::to_string(remap.uid) + "      65536\n0:0");
    ok(daemon, {"run", "-d", "--name", "remapped", "busybox", "sleep", "1000"});
    CHECK(ok(daemon, {"inspect", "-f", "{{.HostConfig.Runtime}}", "remapped"}) == runtime);
    const pid_t pid = std::stoi(ok(daemon, {"inspect", "-f", "{{.State.Pid}}", "remapped"}));
    REQUIRE(pid > 0);
    CHECK(status_ids(pid, "Uid") == std::vector<long>(4, remap.uid));
    CHECK(status_ids(pid, "Gid") == std::vector<long>(4, remap.gid));
    ok(daemon, {"rm", "-f", "remapped"});

    // Without the daemon-wide remap, one container remapped with --userns private.
    options.extra_args = {"--runtime", runtime};
    Daemon plain(options);
    REQUIRE_DAEMON(plain);
    REQUIRE(::chmod(std::filesystem::path(plain.root()).parent_path().c_str(), 0711) == 0);
    CHECK(ok(plain, {"run", "--rm", "--userns", "private", "busybox", "sh", "-c", "id -u; cat /proc/self/uid_map"}) ==
          "0\n         0     " + std::to_string(remap.uid) + "      65536");
  }
}

TEST_CASE("with --userns-remap, a volume's files are owned on the host by the remapped root") {
  const Remap remap = gocker_remap();
  Daemon& daemon = remapping_daemon();
  REQUIRE_DAEMON(daemon);
  CHECK(ok(daemon, {"run", "--rm", "-v", "remapdata:/data", "busybox", "sh", "-c",
                    "echo kept > /data/file && stat -c %u:%g /data/file"}) == "0:0");
  const std::string data = daemon.root() + "/volumes/remapdata/_data";
  CHECK(owner_of(data).uid == remap.uid);
  const Owner file = owner_of(data + "/file");
  CHECK(file.uid == remap.uid);
  CHECK(file.gid == remap.gid);
  // A second container sees and may change what the first wrote.
  CHECK(ok(daemon, {"run", "--rm", "-v", "remapdata:/data", "busybox", "sh", "-c",
                    "echo again >> /data/file && cat /data/file"}) == "kept\nagain");
  ok(daemon, {"volume", "rm", "remapdata"});

  // Copy-up: the image's files go into a new volume owned by the remapped root, so the
  // container's root still owns (and may write) them.
  CHECK(ok(daemon, {"run", "--rm", "-v", "remapetc:/etc", "busybox", "sh", "-c",
                    "echo added >> /etc/passwd && stat -c %u:%g /etc/passwd /etc"}) == "0:0\n0:0");
  const std::string etc = daemon.root() + "/volumes/remapetc/_data";
  CHECK(owner_of(etc).uid == remap.uid);
  CHECK(owner_of(etc + "/passwd").uid == remap.uid);
  CHECK(owner_of(etc + "/passwd").gid == remap.gid);
  CHECK(contains(read_file(etc + "/passwd").value_or(""), "root:x:0:0"));
  ok(daemon, {"volume", "rm", "remapetc"});
}

TEST_CASE("--userns host opts a container out of the daemon's remap; --privileged and --network host need it") {
  Daemon& daemon = remapping_daemon();
  REQUIRE_DAEMON(daemon);
  CHECK(squeeze(ok(daemon, {"run", "--rm", "--userns", "host", "busybox", "cat", "/proc/self/uid_map"})) ==
        "0 0 4294967295");

  for (const auto& flag : std::vector<std::string>{"--privileged", "--network=host"}) {
    CAPTURE(flag);
    const auto refused = daemon.gockerctl({"run", "--rm", flag, "busybox", "true"});
    CHECK(refused.exit_code == 125);
    CHECK(contains(refused.err, "--userns host"));
    CHECK(ok(daemon, {"run", "--rm", flag, "--userns", "host", "busybox", "cat", "/proc/self/uid_map"}).find(
              "4294967295") != std::string::npos);
  }

  const auto bad = daemon.http("POST", "/containers/create", R"({"Image":"busybox","HostConfig":{"UsernsMode":"bogus"}})");
  CHECK(bad.status == 400);
  CHECK(contains(bad.body, "UsernsMode"));
  CHECK(mounts_under(daemon.root() + "/containers").empty());
}

TEST_CASE("a remapped container keeps its remap across a daemon restart") {
  const Remap remap = gocker_remap();
  Daemon daemon(remapping_daemon_options());
  REQUIRE_DAEMON(daemon);
  ok(daemon, {"create", "--name", "later", "busybox", "sleep", "1000"});
  ok(daemon, {"run", "-d", "--name", "early", "busybox", "sleep", "1000"});
  daemon.kill9();
  REQUIRE(daemon.start());

  ok(daemon, {"start", "later"});
  for (const char* name : {"early", "later"}) {
    CAPTURE(name);
    const pid_t pid = std::stoi(ok(daemon, {"inspect", "-f", "{{.State.Pid}}", name}));
    CHECK(status_ids(pid, "Uid").front() == remap.uid);
    CHECK(ok(daemon, {"exec", name, "stat", "-c", "%u", "/bin/busybox"}) == "0");
  }
  ok(daemon, {"rm", "-f", "early", "later"});
  CHECK(mounts_under(daemon.root() + "/containers").empty());
}

TEST_CASE("without a daemon-wide remap, --userns private remaps one container with the gocker user's ranges") {
  const Remap remap = gocker_remap();
  Daemon daemon;
  REQUIRE_DAEMON(daemon);
  CHECK(squeeze(ok(daemon, {"run", "--rm", "busybox", "cat", "/proc/self/uid_map"})) == "0 0 4294967295");
  CHECK(squeeze(ok(daemon, {"run", "--rm", "--userns", "private", "busybox", "cat", "/proc/self/uid_map"})) ==
        "0 " + std::to_string(remap.uid) + " 65536");
}

TEST_CASE("without idmapped layers, remapped containers get shared copies of their layers with shifted owners") {
  const Remap remap = gocker_remap();
  DaemonOptions options = remapping_daemon_options();
  options.extra_args.push_back("--no-idmapped-layers");
  Daemon daemon(options);
  REQUIRE_DAEMON(daemon);
  // A two-layer image whose top layer deletes a file (an overlay whiteout), committed from a
  // container outside the remap.
  ok(daemon, {"run", "--name", "base", "--userns", "host", "busybox", "sh", "-c", "rm /bin/vi && echo added > /added"});
  ok(daemon, {"commit", "base", "trimmed:1"});
  ok(daemon, {"rm", "base"});

  CHECK(ok(daemon, {"run", "--rm", "trimmed:1", "sh", "-c",
                    "stat -c %u:%g /bin/busybox /added; cat /added; test -e /bin/vi || echo no-vi"}) ==
        "0:0\n0:0\nadded\nno-vi");
  const std::string remapped = daemon.root() + "/layers/remapped";
  std::vector<std::string> copies_dirs;
  for (const auto& entry : std::filesystem::directory_iterator(remapped)) copies_dirs.push_back(entry.path().string());
  REQUIRE(copies_dirs.size() == 1);
  CHECK(contains(copies_dirs.front(), "/" + std::to_string(remap.uid) + "." + std::to_string(remap.gid) + "-"));
  std::vector<std::string> layers;
  for (const auto& entry : std::filesystem::directory_iterator(copies_dirs.front())) layers.push_back(entry.path().string());
  CHECK(layers.size() == 2);
  for (const auto& layer : layers) {
    CAPTURE(layer);
    CHECK(owner_of(layer).uid == remap.uid);
    CHECK(owner_of(layer).gid == remap.gid);
  }
  // A second container shares the copies instead of making new ones.
  struct stat before {};
  REQUIRE(::stat(layers.front().c_str(), &before) == 0);
  CHECK(ok(daemon, {"run", "--rm", "busybox", "stat", "-c", "%u", "/bin/busybox"}) == "0");
  struct stat after {};
  REQUIRE(::stat(layers.front().c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);
  CHECK(mounts_under(daemon.root() + "/containers").empty());
}
