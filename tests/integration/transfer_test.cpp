// docker cp, attach, detach keys and --init against a real gockerd, with gockerctl and (when
// present) the docker CLI. The containment cases plant the symlinks a hostile container would
// (/evil -> /, /up -> ../../..) and check that cp through them reads and writes the container's
// files, never the host's.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
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

CommandResult docker(const std::vector<std::string>& args, CommandOptions options = {}) {
  return daemon_under_test().docker(args, std::move(options));
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void spit(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

fs::path work_dir() {
  static const fs::path dir = [] {
    fs::path path = fs::path(daemon_under_test().temp_dir()) / "work";
    fs::create_directories(path);
    return path;
  }();
  return dir;
}

// A created (not started) container with the hostile links and a marker, copied in with cp.
void prepare_container(const std::string& name) {
  auto& daemon = daemon_under_test();
  auto created = daemon.gockerctl({"create", "--name", name, "busybox", "sleep", "1000"});
  REQUIRE_MESSAGE(created.exit_code == 0, created.describe());
  fs::path links = work_dir() / (name + "-links");
  fs::create_directories(links);
  fs::create_symlink("/", links / "evil");
  fs::create_symlink("../../..", links / "up");
  spit(links / "marker.txt", "inside " + name + "\n");
  for (const char* item : {"evil", "up", "marker.txt"}) {
    auto copied = daemon.gockerctl({"cp", (links / item).string(), name + ":/"});
    REQUIRE_MESSAGE(copied.exit_code == 0, copied.describe());
  }
}

}  // namespace

TEST_CASE("gockerctl cp: files and directories both ways, into a stopped container") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  prepare_container("cp1");  // created, never started: cp works on the mounted rootfs

  auto out = daemon.gockerctl({"cp", "cp1:/marker.txt", (work_dir() / "marker-out.txt").string()});
  REQUIRE_MESSAGE(out.exit_code == 0, out.describe());
  CHECK(slurp(work_dir() / "marker-out.txt") == "inside cp1\n");

  // A directory in, then out again under another name.
  fs::path tree = work_dir() / "tree";
  fs::create_directories(tree / "sub");
  spit(tree / "a.txt", "alpha\n");
  spit(tree / "sub/b.txt", std::string(200000, 'b'));
  fs::create_symlink("a.txt", tree / "link");
  auto in = daemon.gockerctl({"cp", tree.string(), "cp1:/srv"});
  REQUIRE_MESSAGE(in.exit_code == 0, in.describe());
  auto back = daemon.gockerctl({"cp", "cp1:/srv", (work_dir() / "tree-back").string()});
  REQUIRE_MESSAGE(back.exit_code == 0, back.describe());
  CHECK(slurp(work_dir() / "tree-back/a.txt") == "alpha\n");
  CHECK(slurp(work_dir() / "tree-back/sub/b.txt") == std::string(200000, 'b'));
  CHECK(fs::read_symlink(work_dir() / "tree-back/link") == "a.txt");

  // Into an existing directory: the source goes inside it; "SRC/." copies the contents.
  auto nested = daemon.gockerctl({"cp", tree.string(), "cp1:/srv"});
  REQUIRE_MESSAGE(nested.exit_code == 0, nested.describe());
  auto nested_out = daemon.gockerctl({"cp", "cp1:/srv/tree/sub/b.txt", (work_dir() / "b-nested").string()});
  CHECK_MESSAGE(nested_out.exit_code == 0, nested_out.describe());
  fs::create_directories(work_dir() / "contents");
  auto contents = daemon.gockerctl({"cp", "cp1:/srv/.", (work_dir() / "contents").string()});
  REQUIRE_MESSAGE(contents.exit_code == 0, contents.describe());
  CHECK(fs::exists(work_dir() / "contents/a.txt"));
  CHECK(fs::exists(work_dir() / "contents/tree/a.txt"));

  // A tar on stdout, and a tar on stdin.
  auto tar_out = daemon.gockerctl({"cp", "cp1:/marker.txt", "-"});
  REQUIRE(tar_out.exit_code == 0);
  CHECK(contains(tar_out.out, "marker.txt"));
  CHECK(contains(tar_out.out, "inside cp1"));
  auto tar_in = daemon.gockerctl({"cp", "-", "cp1:/tmp"}, CommandOptions{tar_out.out, {}, 60s});
  CHECK_MESSAGE(tar_in.exit_code == 0, tar_in.describe());
  auto check_in = daemon.gockerctl({"cp", "cp1:/tmp/marker.txt", "-"});
  CHECK(contains(check_in.out, "inside cp1"));

  // Errors: a missing path is the daemon's 404 message; the target of a tar must be a directory.
  auto missing = daemon.gockerctl({"cp", "cp1:/nope", (work_dir() / "x").string()});
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.err, "Could not find the file /nope in container cp1"));
  auto not_dir = daemon.http("PUT", "/v1.41/containers/cp1/archive?path=/marker.txt", tar_out.out, "application/x-tar");
  CHECK(not_dir.status == 400);
  auto head_missing = daemon.http("HEAD", "/v1.41/containers/cp1/archive?path=/nope");
  CHECK(head_missing.status == 404);
}

TEST_CASE("cp through hostile symlinks stays inside the container") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  prepare_container("cp2");
  auto started = daemon.gockerctl({"start", "cp2"});
  REQUIRE_MESSAGE(started.exit_code == 0, started.describe());

  // Reading: /evil/... and /up/... are the container's files, not the host's.
  for (std::string via : {"/evil", "/up", "/up/up/evil"}) {
    auto read = daemon.gockerctl({"cp", "cp2:" + via + "/marker.txt", "-"});
    INFO(via << ": " << read.describe());
    CHECK(read.exit_code == 0);
    CHECK(contains(read.out, "inside cp2"));
  }
  auto passwd = daemon.gockerctl({"cp", "cp2:/evil/etc/passwd", (work_dir() / "passwd-evil").string()});
  REQUIRE_MESSAGE(passwd.exit_code == 0, passwd.describe());
  auto direct = daemon.gockerctl({"cp", "cp2:/etc/passwd", (work_dir() / "passwd-direct").string()});
  REQUIRE(direct.exit_code == 0);
  CHECK(slurp(work_dir() / "passwd-evil") == slurp(work_dir() / "passwd-direct"));
  CHECK(slurp(work_dir() / "passwd-evil") != slurp("/etc/passwd"));

  // Writing: into /evil/tmp and /up/tmp lands in the container's /tmp, never the host's.
  const std::string name = "gocker-cp-escape-" + std::to_string(::getpid());
  fs::path local = work_dir() / name;
  spit(local, "written through a link\n");
  for (std::string via : {"/evil/tmp/", "/up/tmp/"}) {
    auto wrote = daemon.gockerctl({"cp", local.string(), "cp2:" + via});
    INFO(via << ": " << wrote.describe());
    CHECK(wrote.exit_code == 0);
    CHECK_FALSE(fs::exists("/tmp/" + name));
  }
  auto landed = daemon.gockerctl({"cp", "cp2:/tmp/" + name, "-"});
  CHECK(contains(landed.out, "written through a link"));
  // A tar whose own entries plant a link and then write through it.
  fs::path sneaky = work_dir() / "sneaky";
  fs::create_directories(sneaky);
  fs::create_symlink("../../../../../../../../tmp", sneaky / "esc");
  auto tar = run_command({"tar", "-C", sneaky.string(), "-cf", "-", "esc"});
  REQUIRE(tar.exit_code == 0);
  std::string payload = tar.out;
  auto put_link = daemon.http("PUT", "/v1.41/containers/cp2/archive?path=/", payload, "application/x-tar");
  CHECK(put_link.status == 200);
  fs::path through = work_dir() / "through";
  fs::create_directories(through / "esc");
  spit(through / "esc" / name, "via archive link\n");
  auto tar2 = run_command({"tar", "-C", through.string(), "-cf", "-", "esc/" + name});
  REQUIRE(tar2.exit_code == 0);
  auto put_through = daemon.http("PUT", "/v1.41/containers/cp2/archive?path=/", tar2.out, "application/x-tar");
  INFO(put_through.body);
  CHECK(put_through.status == 200);
  CHECK_FALSE(fs::exists("/tmp/" + name));
  auto via_link = daemon.gockerctl({"cp", "cp2:/tmp/" + name, "-"});
  CHECK(contains(via_link.out, "via archive link"));
}

TEST_CASE("cp reaches a container's volumes, binds and tmpfs, running or stopped; read-only ones refuse") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  REQUIRE(daemon.gockerctl({"volume", "create", "cpvol"}).exit_code == 0);
  const fs::path bind = work_dir() / "cp-bind";
  fs::create_directories(bind);
  spit(bind / "b.txt", "from the bind\n");
  auto started = daemon.gockerctl({"run", "-d", "--name", "cp4", "-v", "cpvol:/data", "-v", bind.string() + ":/bnd:ro",
                                   "--tmpfs", "/scratch", "busybox", "sleep", "1000"});
  REQUIRE_MESSAGE(started.exit_code == 0, started.describe());
  auto exec_out = [&](const std::string& script) { return daemon.gockerctl({"exec", "cp4", "sh", "-c", script}).out; };
  const fs::path local = work_dir() / "cp4-in.txt";
  spit(local, "copied in\n");

  // Running: what the container sees, mounts included.
  for (const std::string target : {"/data/", "/scratch/"}) {
    auto copied = daemon.gockerctl({"cp", local.string(), "cp4:" + target});
    REQUIRE_MESSAGE(copied.exit_code == 0, copied.describe());
    CHECK(exec_out("cat " + target + "cp4-in.txt") == "copied in\n");
  }
  auto into_ro = daemon.gockerctl({"cp", local.string(), "cp4:/bnd/"});
  CHECK(into_ro.exit_code == 1);
  CHECK_MESSAGE(contains(into_ro.err, "read-only"), into_ro.err);
  CHECK_FALSE(fs::exists(bind / "cp4-in.txt"));
  (void)exec_out("echo written inside > /data/inside.txt; echo in tmpfs > /scratch/t.txt; ln -s / /evil");
  CHECK(contains(daemon.gockerctl({"cp", "cp4:/data/inside.txt", "-"}).out, "written inside"));
  CHECK(contains(daemon.gockerctl({"cp", "cp4:/scratch/t.txt", "-"}).out, "in tmpfs"));
  CHECK(contains(daemon.gockerctl({"cp", "cp4:/bnd/b.txt", "-"}).out, "from the bind"));
  // A link planted by the running container still resolves inside it.
  auto through_link = daemon.gockerctl({"cp", local.string(), "cp4:/evil/tmp/cp4-evil.txt"});
  REQUIRE_MESSAGE(through_link.exit_code == 0, through_link.describe());
  CHECK_FALSE(fs::exists("/tmp/cp4-evil.txt"));
  CHECK(exec_out("cat /tmp/cp4-evil.txt") == "copied in\n");

  // Stopped: the volume's and the bind's sources; the tmpfs is gone with the run.
  REQUIRE(daemon.gockerctl({"stop", "-t", "0", "cp4"}).exit_code == 0);
  auto volume = nlohmann::json::parse(daemon.gockerctl({"volume", "inspect", "cpvol"}).out);
  const fs::path volume_dir = volume[0]["Mountpoint"].get<std::string>();
  CHECK(contains(daemon.gockerctl({"cp", "cp4:/data/inside.txt", "-"}).out, "written inside"));
  auto data_dir = daemon.gockerctl({"cp", "cp4:/data", "-"});
  CHECK(contains(data_dir.out, "data/inside.txt"));
  auto into_volume = daemon.gockerctl({"cp", local.string(), "cp4:/data/stopped.txt"});
  REQUIRE_MESSAGE(into_volume.exit_code == 0, into_volume.describe());
  CHECK(slurp(volume_dir / "stopped.txt") == "copied in\n");
  auto into_ro_stopped = daemon.gockerctl({"cp", local.string(), "cp4:/bnd/"});
  CHECK(into_ro_stopped.exit_code == 1);
  CHECK_MESSAGE(contains(into_ro_stopped.err, "read-only"), into_ro_stopped.err);
  CHECK(daemon.gockerctl({"rm", "-f", "cp4"}).exit_code == 0);
}

TEST_CASE("docker cp against gockerd") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  if (docker_cli_path().empty()) {
    MESSAGE("SKIPPED PART: no docker CLI on this machine; docker cp was not exercised");
    return;
  }
  prepare_container("cp3");
  fs::path local = work_dir() / "docker-in.txt";
  spit(local, "from docker cp\n");
  auto in = docker({"cp", local.string(), "cp3:/evil/tmp/docker-in.txt"});
  REQUIRE_MESSAGE(in.exit_code == 0, in.describe());
  CHECK_FALSE(fs::exists("/tmp/docker-in.txt"));
  auto out = docker({"cp", "cp3:/tmp/docker-in.txt", (work_dir() / "docker-out.txt").string()});
  REQUIRE_MESSAGE(out.exit_code == 0, out.describe());
  CHECK(slurp(work_dir() / "docker-out.txt") == "from docker cp\n");
  auto evil = docker({"cp", "cp3:/evil/marker.txt", (work_dir() / "docker-marker.txt").string()});
  REQUIRE_MESSAGE(evil.exit_code == 0, evil.describe());
  CHECK(slurp(work_dir() / "docker-marker.txt") == "inside cp3\n");

  fs::path tree = work_dir() / "docker-tree";
  fs::create_directories(tree / "deep");
  spit(tree / "deep/file", "deep\n");
  auto dir_in = docker({"cp", tree.string(), "cp3:/opt"});
  REQUIRE_MESSAGE(dir_in.exit_code == 0, dir_in.describe());
  auto dir_out = docker({"cp", "cp3:/opt", (work_dir() / "docker-tree-back").string()});
  REQUIRE_MESSAGE(dir_out.exit_code == 0, dir_out.describe());
  CHECK(slurp(work_dir() / "docker-tree-back/deep/file") == "deep\n");
  auto missing = docker({"cp", "cp3:/nope", (work_dir() / "y").string()});
  CHECK(missing.exit_code != 0);
  INFO(missing.describe());
  // docker 28 stats first (HEAD, no body: its own "No such container:path"), older CLIs GET.
  CHECK((contains(missing.err, "No such container:path: cp3:/nope") ||
         contains(missing.err, "Could not find the file /nope")));
}

TEST_CASE("attach sees a running container's output and feeds its stdin") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  auto run = daemon.gockerctl({"run", "-d", "-i", "--name", "at1", "busybox", "sh", "-c", "read line; echo got:$line; exit 3"});
  REQUIRE_MESSAGE(run.exit_code == 0, run.describe());
  auto attached = daemon.gockerctl({"attach", "at1"}, CommandOptions{std::string("hello\n"), {}, 60s});
  INFO(attached.describe());
  CHECK(contains(attached.out, "got:hello"));
  CHECK(attached.exit_code == 3);
  auto stopped = daemon.gockerctl({"attach", "at1"});
  CHECK(stopped.exit_code == 1);
  CHECK(contains(stopped.err, "You cannot attach to a stopped container"));
}

TEST_CASE("ctrl-p ctrl-q detaches from a tty and leaves the container running") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  auto run = daemon.gockerctl({"run", "-d", "-it", "--name", "dt1", "busybox", "sh"});
  REQUIRE_MESSAGE(run.exit_code == 0, run.describe());
  auto session = daemon.gockerctl_pty({"attach", "dt1"}, {{"", "echo mark$((40+2))\r"}, {"mark42", "\x10\x11"}}, 20s);
  INFO(session.describe());
  CHECK_FALSE(session.timed_out);
  CHECK(session.exit_code == 0);
  auto state = daemon.gockerctl({"inspect", "--format", "{{.State.Running}}", "dt1"});
  CHECK(trim(state.out) == "true");
  // Custom keys; an invalid spec is refused with 400 before any stream.
  auto custom = daemon.gockerctl_pty({"attach", "--detach-keys", "ctrl-a,x", "dt1"}, {{"", "\r"}, {"#", "\x01x"}}, 20s);
  INFO(custom.describe());
  CHECK(custom.exit_code == 0);
  auto bad = daemon.http("POST", "/v1.41/containers/dt1/attach?stream=1&stdin=1&detachKeys=ctrl-1");
  CHECK(bad.status == 400);
  state = daemon.gockerctl({"inspect", "--format", "{{.State.Running}}", "dt1"});
  CHECK(trim(state.out) == "true");
  // `run -it` detaches the same way and exits 0 without waiting for an exit.
  auto run_detached = daemon.gockerctl_pty({"run", "-it", "--name", "dt2", "busybox", "sh"}, {{"#", "\x10\x11"}}, 20s);
  INFO(run_detached.describe());
  CHECK_FALSE(run_detached.timed_out);
  CHECK(run_detached.exit_code == 0);
  state = daemon.gockerctl({"inspect", "--format", "{{.State.Running}}", "dt2"});
  CHECK(trim(state.out) == "true");
  if (!docker_cli_path().empty()) {
    Env env{{"DOCKER_HOST", daemon.host()}, {"DOCKER_CONFIG", daemon.temp_dir() + "/docker-config"}};
    auto with_docker = run_in_pty({docker_cli_path(), "attach", "dt1"}, {{"", "echo dock$((1+1))\r"}, {"dock2", "\x10\x11"}}, env, 20s);
    INFO(with_docker.describe());
    MESSAGE("docker attach after ctrl-p ctrl-q: exit " << with_docker.exit_code);
    CHECK_FALSE(with_docker.timed_out);
    state = daemon.gockerctl({"inspect", "--format", "{{.State.Running}}", "dt1"});
    CHECK(trim(state.out) == "true");
  } else {
    MESSAGE("SKIPPED PART: no docker CLI; docker attach detach not exercised");
  }
}

TEST_CASE("--init runs docker-init as PID 1 with the command as its child, reaping zombies") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  if (::access("/usr/bin/tini-static", X_OK) != 0) {
    auto refused = daemon.gockerctl({"run", "--rm", "--init", "busybox", "true"});
    CHECK(refused.exit_code == 125);
    CHECK(contains(refused.err, "tini"));
    MESSAGE("SKIPPED PART: /usr/bin/tini-static missing (Debian package tini)");
    return;
  }
  auto run = daemon.gockerctl({"run", "--rm", "--init", "busybox", "sh", "-c",
                               "cat /proc/1/comm; echo ppid=$PPID; sh -c 'sleep 0.2 &'; sleep 1; "
                               "grep -l '^State:.*Z' /proc/[0-9]*/status | wc -l"});
  INFO(run.describe());
  REQUIRE(run.exit_code == 0);
  auto lines = split_lines(run.out);
  REQUIRE(lines.size() >= 3);
  CHECK(lines[0] == "docker-init");
  CHECK(lines[1] == "ppid=1");
  CHECK(trim(lines[2]) == "0");
  auto exit_code = daemon.gockerctl({"run", "--rm", "--init", "busybox", "sh", "-c", "exit 7"});
  CHECK(exit_code.exit_code == 7);
}
