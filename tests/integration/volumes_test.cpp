// Volumes (issue 6) as a user meets them: bind mounts (-v, --mount), tmpfs, --read-only, named
// volumes kept across containers and refcounted, anonymous volumes (-v /path, image VOLUMEs) and
// rm -v, copy-up of image content, --volumes-from, inspect's Mounts. The containment case imports
// an image whose /data is a symlink to /etc and /esc one to ../../..: mounts on them must land in
// the container's own tree, never the host's. And the docker CLI and docker-py run the same flows.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/harness.hpp"

using namespace gocker::test;
namespace fs = std::filesystem;

namespace {

Daemon& daemon_under_test() {
  static Daemon daemon;
  return daemon;
}

fs::path work_dir() {
  static const fs::path dir = [] {
    fs::path path = fs::path(daemon_under_test().temp_dir()) / "work";
    fs::create_directories(path);
    return path;
  }();
  return dir;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

CommandResult ctl(const std::vector<std::string>& args) { return daemon_under_test().gockerctl(args); }

CommandResult ctl_ok(const std::vector<std::string>& args) {
  auto result = ctl(args);
  REQUIRE_MESSAGE(result.exit_code == 0, result.describe());
  return result;
}

CommandResult docker(const std::vector<std::string>& args) { return daemon_under_test().docker(args); }

nlohmann::json inspect_json(const std::string& what, const std::vector<std::string>& prefix = {}) {
  std::vector<std::string> args = prefix.empty() ? std::vector<std::string>{"inspect"} : prefix;
  args.push_back(what);
  auto result = ctl_ok(args);
  auto parsed = nlohmann::json::parse(result.out, nullptr, false);
  REQUIRE(parsed.is_array());
  REQUIRE(parsed.size() == 1);
  return parsed[0];
}

std::string volume_data(const std::string& name) { return daemon_under_test().root() + "/volumes/" + name + "/_data"; }

// Mounts of the daemon's namespace (the test's own) whose mount point is not gocker's rootfs
// overlay: a bind, volume or tmpfs made for a container must never show up here.
std::string stray_mounts() {
  std::string found;
  const std::string temp = daemon_under_test().temp_dir();
  for (const auto& entry : read_mountinfo(daemon_under_test().pid())) {
    if (entry.mount_point.rfind(temp, 0) != 0) continue;
    if (entry.mount_point.size() > 7 && entry.mount_point.substr(entry.mount_point.size() - 7) == "/rootfs") continue;
    found += entry.mount_point + " (" + entry.fs_type + ")\n";
  }
  return found;
}

}  // namespace

TEST_CASE("named volume: data kept across containers, read-only enforced, in use refused, rm and prune") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());

  CHECK(ctl_ok({"volume", "create", "--label", "tier=db", "data"}).out == "data\n");
  auto volume = inspect_json("data", {"volume", "inspect"});
  CHECK(volume["Name"] == "data");
  CHECK(volume["Driver"] == "local");
  CHECK(volume["Scope"] == "local");
  CHECK(volume["Mountpoint"] == volume_data("data"));
  CHECK(volume["Labels"]["tier"] == "db");
  CHECK(volume["CreatedAt"].get<std::string>().size() == 20);
  CHECK(contains(ctl_ok({"volume", "ls"}).out, "local     data\n"));

  ctl_ok({"run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo kept > /data/f"});
  CHECK(slurp(volume_data("data") + "/f") == "kept\n");
  CHECK(ctl_ok({"run", "--rm", "-v", "data:/data:ro", "busybox", "cat", "/data/f"}).out == "kept\n");
  auto denied = ctl({"run", "--rm", "-v", "data:/data:ro", "busybox", "sh", "-c", "echo x > /data/g"});
  CHECK(denied.exit_code != 0);
  CHECK(contains(denied.err + denied.out, "Read-only file system"));
  CHECK_FALSE(fs::exists(volume_data("data") + "/g"));

  // In use (by a container that is not even running) -> 409, kept; free again after rm.
  ctl_ok({"create", "--name", "holder", "-v", "data:/data", "busybox", "true"});
  auto in_use = ctl({"volume", "rm", "data"});
  CHECK(in_use.exit_code != 0);
  CHECK(contains(in_use.err, "volume is in use"));
  auto status = daemon.http("DELETE", "/v1.41/volumes/data?force=1");
  CHECK(status.status == 409);
  CHECK(ctl({"volume", "prune", "-f"}).exit_code == 0);
  CHECK(fs::exists(volume_data("data") + "/f"));
  auto mounts = inspect_json("holder")["Mounts"];
  REQUIRE(mounts.size() == 1);
  CHECK(mounts[0]["Type"] == "volume");
  CHECK(mounts[0]["Name"] == "data");
  CHECK(mounts[0]["Source"] == volume_data("data"));
  CHECK(mounts[0]["Destination"] == "/data");
  CHECK(mounts[0]["Driver"] == "local");
  CHECK(mounts[0]["RW"] == true);
  ctl_ok({"rm", "holder"});
  CHECK(ctl_ok({"volume", "rm", "data"}).out == "data\n");
  CHECK_FALSE(fs::exists(daemon.root() + "/volumes/data"));
  CHECK(ctl({"volume", "inspect", "data"}).exit_code != 0);
  CHECK(daemon.http("GET", "/v1.41/volumes/data").status == 404);
  CHECK(ctl({"volume", "rm", "-f", "data"}).exit_code == 0);

  // -v name:/path creates the volume; prune removes only unused ones.
  ctl_ok({"create", "--name", "user", "-v", "auto1:/a", "busybox", "true"});
  ctl_ok({"volume", "create", "loose"});
  auto pruned = ctl_ok({"volume", "prune", "-f"});
  CHECK(contains(pruned.out, "loose"));
  CHECK_FALSE(contains(pruned.out, "auto1"));
  CHECK(contains(ctl_ok({"volume", "ls", "-q"}).out, "auto1\n"));
  ctl_ok({"rm", "user"});
  CHECK(contains(ctl_ok({"volume", "ls", "-q"}).out, "auto1\n"));  // named volumes outlive rm -v too
  ctl_ok({"volume", "rm", "auto1"});
  CHECK(ctl({"volume", "create", "bad/name"}).exit_code != 0);
}

TEST_CASE("bind mounts: host content visible, writes go through, ro enforced, -v creates and --mount refuses a missing source") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  fs::path src = work_dir() / "src";
  fs::create_directories(src);
  std::ofstream(src / "hello.txt") << "from host\n";

  CHECK(ctl_ok({"run", "--rm", "-v", src.string() + ":/src", "-w", "/src", "busybox", "ls"}).out == "hello.txt\n");
  ctl_ok({"run", "--rm", "-v", src.string() + ":/src", "busybox", "sh", "-c", "echo from container > /src/back.txt"});
  CHECK(slurp(src / "back.txt") == "from container\n");
  auto ro = ctl({"run", "--rm", "--mount", "type=bind,source=" + src.string() + ",target=/src,readonly", "busybox",
                 "sh", "-c", "cat /src/hello.txt; echo x > /src/no"});
  CHECK(ro.exit_code != 0);
  CHECK(contains(ro.out, "from host"));
  CHECK(contains(ro.err + ro.out, "Read-only file system"));
  CHECK_FALSE(fs::exists(src / "no"));

  // A file can be bound too.
  CHECK(ctl_ok({"run", "--rm", "-v", (src / "hello.txt").string() + ":/etc/motd:ro", "busybox", "cat", "/etc/motd"}).out ==
        "from host\n");

  fs::path missing = work_dir() / "made-by-v";
  ctl_ok({"run", "--rm", "-v", missing.string() + ":/m", "busybox", "true"});
  CHECK(fs::is_directory(missing));
  auto refused = ctl({"run", "--rm", "--mount", "type=bind,source=" + (work_dir() / "nope").string() + ",target=/m",
                      "busybox", "true"});
  CHECK(refused.exit_code != 0);
  CHECK(contains(refused.err, "bind source path does not exist"));
  CHECK_FALSE(fs::exists(work_dir() / "nope"));

  ctl_ok({"create", "--name", "binder", "-v", src.string() + ":/src:ro", "busybox", "true"});
  auto mounts = inspect_json("binder")["Mounts"];
  REQUIRE(mounts.size() == 1);
  CHECK(mounts[0]["Type"] == "bind");
  CHECK(mounts[0]["Source"] == src.string());
  CHECK(mounts[0]["Destination"] == "/src");
  CHECK(mounts[0]["Mode"] == "ro");
  CHECK(mounts[0]["RW"] == false);
  CHECK(mounts[0]["Propagation"] == "rprivate");
  ctl_ok({"rm", "binder"});

  auto bad = ctl({"run", "--rm", "-v", "relative/path:/x", "busybox", "true"});
  CHECK(bad.exit_code != 0);
  auto duplicate = ctl({"run", "--rm", "-v", src.string() + ":/x", "--tmpfs", "/x", "busybox", "true"});
  CHECK(duplicate.exit_code != 0);
  CHECK(contains(duplicate.err, "Duplicate mount point"));
}

TEST_CASE("tmpfs: a tmpfs with the asked size and mode, also through --mount") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  auto out = ctl_ok({"run", "--rm", "--tmpfs", "/scratch:size=1m,mode=1770", "--mount",
                     "type=tmpfs,target=/t2,tmpfs-size=2097152", "busybox", "sh", "-c",
                     "grep -E ' /(scratch|t2) ' /proc/mounts; stat -c %a /scratch; echo hi > /scratch/f && cat /scratch/f"})
                 .out;
  CHECK(contains(out, "tmpfs /scratch tmpfs rw,nosuid,nodev,noexec"));
  CHECK(contains(out, "size=1024k"));
  CHECK(contains(out, "mode=1770"));
  CHECK(contains(out, "tmpfs /t2 tmpfs"));
  CHECK(contains(out, "size=2048k"));
  CHECK(contains(out, "1770\n"));
  CHECK(contains(out, "hi\n"));
}

TEST_CASE("anonymous volumes: -v /path and image VOLUMEs, kept by rm, removed by rm -v and run --rm; copy-up") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  auto volumes_now = [] {
    auto listing = ctl_ok({"volume", "ls", "-q"}).out;
    return split_lines(listing);
  };
  const size_t before = volumes_now().size();

  ctl_ok({"create", "--name", "anon1", "-v", "/anon", "busybox", "true"});
  auto mounts = inspect_json("anon1")["Mounts"];
  REQUIRE(mounts.size() == 1);
  const std::string name = mounts[0]["Name"];
  CHECK(name.size() == 64);
  CHECK(mounts[0]["Type"] == "volume");
  CHECK(mounts[0]["Destination"] == "/anon");
  ctl_ok({"rm", "anon1"});
  CHECK(volumes_now().size() == before + 1);  // kept without -v
  ctl_ok({"volume", "rm", name});

  ctl_ok({"create", "--name", "anon2", "-v", "/anon", "-v", "named2:/named", "busybox", "true"});
  std::string name2;
  const auto anon2 = inspect_json("anon2");
  for (const auto& mount : anon2["Mounts"])
    if (mount["Destination"] == "/anon") name2 = mount["Name"];
  REQUIRE(name2.size() == 64);
  CHECK(fs::is_directory(volume_data(name2)));
  ctl_ok({"rm", "-v", "anon2"});
  CHECK_FALSE(fs::exists(daemon.root() + "/volumes/" + name2));
  CHECK(fs::exists(volume_data("named2")));  // rm -v leaves named volumes alone
  ctl_ok({"volume", "rm", "named2"});

  ctl_ok({"run", "--rm", "-v", "/gone", "busybox", "sh", "-c", "echo x > /gone/f"});
  CHECK(volumes_now().size() == before);

  // Copy-up: a new volume over the image's /etc starts with the image's files, owners and modes.
  ctl_ok({"run", "--rm", "-v", "etcvol:/etc", "busybox", "sh", "-c", "echo added >> /etc/passwd"});
  CHECK(contains(slurp(volume_data("etcvol") + "/passwd"), "root:x:0:0"));
  CHECK(contains(slurp(volume_data("etcvol") + "/passwd"), "added"));
  struct stat shadow_stat {};
  if (::stat((volume_data("etcvol") + "/shadow").c_str(), &shadow_stat) == 0) CHECK((shadow_stat.st_mode & 0777) == 0640);
  // Not copied again into a volume that already has content.
  CHECK(contains(ctl_ok({"run", "--rm", "-v", "etcvol:/etc", "busybox", "cat", "/etc/passwd"}).out, "added"));
  // nocopy: an empty volume stays empty.
  CHECK(ctl_ok({"run", "--rm", "-v", "emptyvol:/usr/sbin:nocopy", "busybox", "ls", "-A", "/usr/sbin"}).out.empty());
  ctl_ok({"volume", "rm", "etcvol", "emptyvol"});

  // --volumes-from (and :ro), with the image's VOLUME-style anonymous volume.
  ctl_ok({"create", "--name", "source1", "-v", "/shared", "busybox", "true"});
  ctl_ok({"run", "--rm", "--volumes-from", "source1", "busybox", "sh", "-c", "echo via-from > /shared/f"});
  CHECK(ctl_ok({"run", "--rm", "--volumes-from", "source1:ro", "busybox", "cat", "/shared/f"}).out == "via-from\n");
  auto ro_from = ctl({"run", "--rm", "--volumes-from", "source1:ro", "busybox", "touch", "/shared/g"});
  CHECK(ro_from.exit_code != 0);
  const std::string shared = inspect_json("source1")["Mounts"][0]["Name"];
  ctl_ok({"rm", "-v", "source1"});
  CHECK_FALSE(fs::exists(daemon.root() + "/volumes/" + shared));
}

TEST_CASE("--read-only rootfs refuses writes except on volumes and tmpfs") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  auto denied = ctl({"run", "--rm", "--read-only", "busybox", "touch", "/x"});
  CHECK(denied.exit_code != 0);
  CHECK(contains(denied.err + denied.out, "Read-only file system"));
  ctl_ok({"run", "--rm", "--read-only", "-v", "rovol:/v", "--tmpfs", "/t", "busybox", "sh", "-c",
          "touch /v/a && touch /t/a && ! touch /etc/x 2>/dev/null"});
  CHECK(fs::exists(volume_data("rovol") + "/a"));
  CHECK(inspect_json("rovol", {"volume", "inspect"})["Name"] == "rovol");
  ctl_ok({"volume", "rm", "rovol"});
}

TEST_CASE("a symlinked mount target in the image stays inside the container's root") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  // The busybox rootfs with /data -> /etc and /esc -> ../../.., imported as an image.
  fs::path rootfs = work_dir() / "evil-rootfs";
  fs::create_directories(rootfs);
  auto unpacked = run_command({"tar", "-C", rootfs.string(), "-xf", image_dir() + "/busybox-rootfs.tar"});
  REQUIRE_MESSAGE(unpacked.exit_code == 0, unpacked.describe());
  fs::create_symlink("/etc", rootfs / "data");
  fs::create_symlink("../../..", rootfs / "esc");
  auto imported = run_command({"sh", "-c", "tar -C '" + rootfs.string() + "' -c . | '" + gockerctl_binary() + "' -H " +
                                               daemon.host() + " import - evil:1"});
  REQUIRE_MESSAGE(imported.exit_code == 0, imported.describe());

  fs::path src = work_dir() / "evil-src";
  fs::create_directories(src);
  std::ofstream(src / "planted") << "planted\n";
  const std::string unique = "gocker-vol-escape-" + std::to_string(::getpid());
  ctl_ok({"run", "-d", "--name", "evil", "-v", src.string() + ":/data", "-v", "evilvol:/esc/" + unique, "--tmpfs",
          "/esc/" + unique + "-tmp", "evil:1", "sleep", "1000"});
  // /data -> /etc resolved inside the root: the container's /etc shows the bind.
  CHECK(ctl_ok({"exec", "evil", "cat", "/etc/planted"}).out == "planted\n");
  CHECK(ctl_ok({"exec", "evil", "sh", "-c", "echo in > /" + unique + "/f && cat /" + unique + "/f"}).out == "in\n");
  CHECK(slurp(volume_data("evilvol") + "/f") == "in\n");
  // The host is untouched: nothing at / or /etc, and no mount of the container's in our namespace.
  CHECK_FALSE(fs::exists("/etc/planted"));
  CHECK_FALSE(fs::exists("/" + unique));
  CHECK_FALSE(fs::exists("/" + unique + "-tmp"));
  CHECK_FALSE(fs::exists(fs::path(daemon.temp_dir()) / unique));
  for (const auto& entry : read_mountinfo(daemon.pid())) {
    CHECK_MESSAGE(entry.mount_point != "/etc", entry.mount_point);
    CHECK_MESSAGE(entry.mount_point.find(unique) == std::string::npos, entry.mount_point);
  }
  auto strays = stray_mounts();
  CHECK_MESSAGE(strays.empty(), strays);
  ctl_ok({"rm", "-f", "-v", "evil"});
  ctl_ok({"volume", "rm", "evilvol"});
}

TEST_CASE("nothing gocker mounted remains in the daemon's namespace after rm") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  fs::path src = work_dir() / "leak-src";
  fs::create_directories(src);
  ctl_ok({"run", "-d", "--name", "leak", "-v", src.string() + ":/b", "-v", "leakvol:/v", "--tmpfs", "/t", "busybox",
          "sleep", "1000"});
  auto strays = stray_mounts();
  CHECK_MESSAGE(strays.empty(), strays);
  ctl_ok({"rm", "-f", "leak"});
  ctl_ok({"volume", "rm", "leakvol"});
  CHECK(mounts_under(daemon.temp_dir(), daemon.pid()).empty());
  CHECK(mounts_under(src.string(), daemon.pid()).empty());
}

TEST_CASE("docker CLI: volume create/ls/inspect/rm, run -v, --mount, --tmpfs, --read-only") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  if (docker_cli_path().empty()) {
    MESSAGE("SKIP: no docker CLI");
    return;
  }
  auto created = docker({"volume", "create", "dvol"});
  REQUIRE_MESSAGE(created.exit_code == 0, created.describe());
  CHECK(trim(created.out) == "dvol");
  auto listed = docker({"volume", "ls"});
  CHECK(contains(listed.out, "dvol"));
  CHECK(trim(docker({"volume", "inspect", "-f", "{{.Driver}} {{.Mountpoint}}", "dvol"}).out) ==
        "local " + volume_data("dvol"));
  auto wrote = docker({"run", "--rm", "-v", "dvol:/data", "busybox", "sh", "-c", "echo docker > /data/f"});
  CHECK_MESSAGE(wrote.exit_code == 0, wrote.describe());
  auto read = docker({"run", "--rm", "--mount", "type=volume,source=dvol,target=/data,readonly", "busybox", "sh", "-c",
                      "cat /data/f; touch /data/g"});
  CHECK(contains(read.out, "docker"));
  CHECK(read.exit_code != 0);
  auto tmpfs = docker({"run", "--rm", "--read-only", "--tmpfs", "/t:size=1m", "busybox", "sh", "-c",
                       "grep ' /t ' /proc/mounts && touch /t/ok && ! touch /nope 2>/dev/null"});
  CHECK_MESSAGE(tmpfs.exit_code == 0, tmpfs.describe());
  CHECK(contains(tmpfs.out, "size=1024k"));
  fs::path src = work_dir() / "docker-src";
  fs::create_directories(src);
  std::ofstream(src / "x") << "bound\n";
  auto bound = docker({"run", "--rm", "-v", src.string() + ":/src:ro", "busybox", "cat", "/src/x"});
  CHECK(bound.out == "bound\n");
  auto in_use_holder = docker({"create", "--name", "dholder", "-v", "dvol:/d", "busybox", "true"});
  REQUIRE_MESSAGE(in_use_holder.exit_code == 0, in_use_holder.describe());
  CHECK(trim(docker({"inspect", "-f", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}", "dholder"}).out) ==
        "volume dvol /d");
  auto in_use = docker({"volume", "rm", "dvol"});
  CHECK(in_use.exit_code != 0);
  CHECK(contains(in_use.err, "in use"));
  CHECK(docker({"rm", "-v", "dholder"}).exit_code == 0);
  auto removed = docker({"volume", "rm", "dvol"});
  CHECK_MESSAGE(removed.exit_code == 0, removed.describe());
  auto pruned = docker({"volume", "prune", "-f"});
  CHECK_MESSAGE(pruned.exit_code == 0, pruned.describe());
}

TEST_CASE("docker-py: volumes.create, containers.run with volumes, volume remove") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  const std::string python = "/usr/bin/python3";
  if (::access(python.c_str(), X_OK) != 0 || run_command({python, "-c", "import docker"}).exit_code != 0) {
    MESSAGE("SKIP: no python3-docker");
    return;
  }
  const char* script = R"py(
import docker
client = docker.from_env()
volume = client.volumes.create("pyvol", labels={"from": "py"})
assert volume.name == "pyvol", volume.attrs
client.containers.run("busybox", ["sh", "-c", "echo py > /v/f"], volumes={"pyvol": {"bind": "/v", "mode": "rw"}}, remove=True)
out = client.containers.run("busybox", ["cat", "/v/f"], volumes=["pyvol:/v:ro"], remove=True)
assert out == b"py\n", out
assert any(v.name == "pyvol" for v in client.volumes.list())
client.volumes.get("pyvol").remove()
print("docker-py volumes: ok")
)py";
  CommandOptions options;
  options.env = {{"DOCKER_HOST", daemon.host()}, {"PYTHONDONTWRITEBYTECODE", "1"}};
  auto result = run_command({python, "-c", script}, options);
  CHECK_MESSAGE(result.exit_code == 0, result.describe());
  CHECK(contains(result.out, "docker-py volumes: ok"));
}
