// Images issue 5, first slice, as a user meets it: import a flat rootfs, run it, commit a
// container's changes (a new file, a deleted file, a replaced directory) as a second layer, run
// that, export a container, tag, history, rmi (refused while a container uses the image; shared
// layers kept), failed imports leaving nothing behind, an upload larger than any body limit. Then
// the same through the docker CLI ($GOCKER_TEST_DOCKER, /usr/bin/docker or docker on PATH).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>

#include <nlohmann/json.hpp>

#include "tests/support/harness.hpp"

using namespace gocker::test;
namespace fs = std::filesystem;

namespace {

Daemon& daemon_under_test() {
  static Daemon daemon;
  return daemon;
}

std::string work_dir_path() {
  static const std::string dir = [] {
    fs::path path = fs::path(daemon_under_test().temp_dir()) / "work";
    fs::create_directories(path);
    return path.string();
  }();
  return dir;
}

// A shell command line with $GOCKERCTL (gockerctl -H <socket>) and $DOCKER set, for pipes.
CommandResult shell(const std::string& script, CommandOptions options = {}) {
  auto& daemon = daemon_under_test();
  options.env.emplace_back("GOCKERCTL", gockerctl_binary() + " -H " + daemon.host());
  options.env.emplace_back("DOCKER", docker_cli_path());
  options.env.emplace_back("DOCKER_HOST", daemon.host());
  options.env.emplace_back("DOCKER_CONFIG", daemon.temp_dir() + "/docker-config");
  options.env.emplace_back("WORK", work_dir_path());
  return run_command({"sh", "-c", script}, options);
}

// A flat rootfs to import: the built-in busybox rootfs, unpacked.
std::string rootfs_dir() {
  static const std::string dir = [] {
    const std::string path = work_dir_path() + "/rootfs";
    fs::create_directories(path);
    auto unpacked = run_command({"tar", "-C", path, "-xf", image_dir() + "/busybox-rootfs.tar"});
    REQUIRE_MESSAGE(unpacked.exit_code == 0, unpacked.describe());
    // A directory for the container to replace (an opaque directory in its upper dir).
    fs::create_directories(path + "/opt/old");
    std::ofstream(path + "/opt/old/file") << "old\n";
    return path;
  }();
  return dir;
}

size_t count_dir(const std::string& path) {
  size_t count = 0;
  std::error_code error;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(path, error)) ++count;
  return count;
}

std::string layers_dir() { return daemon_under_test().root() + "/layers/sha256"; }
std::string layers_tmp_dir() { return daemon_under_test().root() + "/layers/tmp"; }

bool is_image_id(const std::string& text) { return text.size() == 71 && text.rfind("sha256:", 0) == 0; }

}  // namespace

TEST_CASE("import, run, commit with a deleted file and a replaced directory, export, tag, history, rmi") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  const size_t layers_at_start = count_dir(layers_dir());

  auto imported = shell("tar -C '" + rootfs_dir() + "' -c . | $GOCKERCTL import -c 'CMD [\"/bin/sh\"]' -m 'my base' - mybase:1");
  REQUIRE_MESSAGE(imported.exit_code == 0, imported.describe());
  const std::string base_id = trim(imported.out);
  CHECK(is_image_id(base_id));
  CHECK(count_dir(layers_dir()) == layers_at_start + 1);

  auto inspect = daemon.gockerctl({"image", "inspect", "mybase:1"});
  REQUIRE_MESSAGE(inspect.exit_code == 0, inspect.describe());
  CHECK(contains(inspect.out, "\"/bin/sh\""));
  CHECK(contains(inspect.out, base_id));

  auto hello = daemon.gockerctl({"run", "--rm", "mybase:1", "echo", "hello from mybase"});
  REQUIRE_MESSAGE(hello.exit_code == 0, hello.describe());
  CHECK(hello.out == "hello from mybase\n");
  CommandOptions with_stdin;
  with_stdin.stdin_data = "echo via default cmd\n";
  auto default_cmd = daemon.gockerctl({"run", "--rm", "-i", "mybase:1"}, with_stdin);
  CHECK_MESSAGE(default_cmd.out == "via default cmd\n", default_cmd.describe());

  auto c1 = daemon.gockerctl({"run", "--name", "c1", "mybase:1", "sh", "-c",
                              "echo data > /f && rm /bin/ls && rm -rf /opt && mkdir /opt && echo only > /opt/only"});
  REQUIRE_MESSAGE(c1.exit_code == 0, c1.describe());

  auto committed = daemon.gockerctl({"commit", "-m", "added f", "-a", "tester", "-c", "ENV GREETING=hi", "c1", "mybase:2"});
  REQUIRE_MESSAGE(committed.exit_code == 0, committed.describe());
  const std::string top_id = trim(committed.out);
  CHECK(is_image_id(top_id));
  CHECK(top_id != base_id);
  CHECK(count_dir(layers_dir()) == layers_at_start + 2);
  CHECK(count_dir(layers_tmp_dir()) == 0);

  auto committed_inspect = nlohmann::json::parse(daemon.gockerctl({"image", "inspect", "mybase:2"}).out, nullptr, false);
  REQUIRE(committed_inspect.is_array());
  CHECK(committed_inspect[0].value("Comment", "") == "added f");
  CHECK(committed_inspect[0].value("Author", "") == "tester");

  auto data = daemon.gockerctl({"run", "--rm", "mybase:2", "cat", "/f"});
  CHECK_MESSAGE(data.out == "data\n", data.describe());
  auto deleted = daemon.gockerctl({"run", "--rm", "mybase:2", "sh", "-c", "test -e /bin/ls && echo present || echo gone"});
  CHECK_MESSAGE(deleted.out == "gone\n", deleted.describe());  // the whiteout survived the commit
  auto replaced = daemon.gockerctl({"run", "--rm", "mybase:2", "sh", "-c", "cd /opt && echo *"});
  CHECK_MESSAGE(replaced.out == "only\n", replaced.describe());  // an opaque directory: nothing from below
  auto env = daemon.gockerctl({"run", "--rm", "mybase:2", "sh", "-c", "echo $GREETING"});
  CHECK_MESSAGE(env.out == "hi\n", env.describe());
  auto base_untouched = daemon.gockerctl({"run", "--rm", "mybase:1", "sh", "-c", "test -e /bin/ls && echo present"});
  CHECK_MESSAGE(base_untouched.out == "present\n", base_untouched.describe());

  auto exported = shell("$GOCKERCTL export c1 | tar -t");
  REQUIRE_MESSAGE(exported.exit_code == 0, exported.describe());
  CHECK(contains(exported.out, "./f\n"));
  CHECK(contains(exported.out, "./opt/only\n"));
  CHECK_FALSE(contains(exported.out, "./opt/old"));
  CHECK_FALSE(contains(exported.out, "./bin/ls\n"));
  CHECK(contains(exported.out, "./bin/busybox\n"));
  auto exported_file = daemon.gockerctl({"export", "-o", work_dir_path() + "/c1.tar", "c1"});
  REQUIRE_MESSAGE(exported_file.exit_code == 0, exported_file.describe());
  auto listed = run_command({"tar", "-tf", work_dir_path() + "/c1.tar"});
  CHECK(contains(listed.out, "./f\n"));
  // A running container exports its filesystem alone, as docker's does: not its /proc, /sys or
  // volumes (a walk of /proc used to end the archive part way, at a file root may not read).
  auto running = daemon.gockerctl({"run", "-d", "--name", "export-running", "-v", "/vol", "busybox", "sh", "-c",
                                   "echo v > /vol/in-volume && sleep 1000"});
  REQUIRE_MESSAGE(running.exit_code == 0, running.describe());
  auto exported_running = shell("$GOCKERCTL export export-running | tar -t");
  REQUIRE_MESSAGE(exported_running.exit_code == 0, exported_running.describe());
  CHECK(contains(exported_running.out, "./bin/busybox\n"));
  CHECK(contains(exported_running.out, "./proc/\n"));
  CHECK_FALSE(contains(exported_running.out, "./proc/self"));
  CHECK_FALSE(contains(exported_running.out, "./sys/kernel"));
  CHECK_FALSE(contains(exported_running.out, "in-volume"));
  daemon.gockerctl({"rm", "-f", "export-running"});

  auto tagged = daemon.gockerctl({"tag", "mybase:2", "127.0.0.1:5000/me/base:2"});
  REQUIRE_MESSAGE(tagged.exit_code == 0, tagged.describe());
  auto by_new_tag = daemon.gockerctl({"run", "--rm", "127.0.0.1:5000/me/base:2", "cat", "/f"});
  CHECK_MESSAGE(by_new_tag.out == "data\n", by_new_tag.describe());
  auto images = daemon.gockerctl({"images"});
  CHECK(contains(images.out, "127.0.0.1:5000/me/base"));

  auto history = daemon.gockerctl({"history", "--no-trunc", "mybase:2"});
  REQUIRE_MESSAGE(history.exit_code == 0, history.describe());
  CHECK(contains(history.out, top_id));
  CHECK(contains(history.out, "added f"));
  CHECK(contains(history.out, "my base"));
  CHECK(contains(history.out, "<missing>"));
  auto history_api = daemon.http("GET", "/images/mybase:2/history");
  CHECK(history_api.status == 200);
  CHECK(contains(history_api.body, "\"Tags\":[\"127.0.0.1:5000/me/base:2\",\"mybase:2\"]"));

  // The second tag goes alone; the image stays.
  auto untag = daemon.gockerctl({"rmi", "127.0.0.1:5000/me/base:2"});
  REQUIRE_MESSAGE(untag.exit_code == 0, untag.describe());
  CHECK(untag.out == "Untagged: 127.0.0.1:5000/me/base:2\n");

  // c1 still uses mybase:1: refused (409), then forced only untags.
  auto in_use = daemon.gockerctl({"rmi", "mybase:1"});
  CHECK(in_use.exit_code == 1);
  CHECK_MESSAGE(contains(in_use.err, "conflict: unable to remove repository reference \"mybase:1\""), in_use.describe());
  auto in_use_api = daemon.http("DELETE", "/images/mybase:1");
  CHECK(in_use_api.status == 409);
  CHECK(contains(in_use_api.body, "\"message\""));

  // Removing mybase:2 frees its own layer only: mybase:1 (and so the shared base layer) stays.
  auto removed = daemon.gockerctl({"rmi", "mybase:2"});
  REQUIRE_MESSAGE(removed.exit_code == 0, removed.describe());
  CHECK(contains(removed.out, "Untagged: mybase:2\nDeleted: " + top_id + "\nDeleted: sha256:"));
  CHECK(count_dir(layers_dir()) == layers_at_start + 1);
  auto still = daemon.gockerctl({"run", "--rm", "mybase:1", "echo", "base still runs"});
  CHECK_MESSAGE(still.out == "base still runs\n", still.describe());
  CHECK(daemon.gockerctl({"image", "inspect", "mybase:2"}).exit_code == 1);

  // Once c1 is gone, mybase:1 goes too, with its layer.
  REQUIRE(daemon.gockerctl({"rm", "c1"}).exit_code == 0);
  auto removed_base = daemon.gockerctl({"image", "rm", "mybase:1"});
  REQUIRE_MESSAGE(removed_base.exit_code == 0, removed_base.describe());
  CHECK(contains(removed_base.out, "Deleted: " + base_id));
  CHECK(count_dir(layers_dir()) == layers_at_start);
  auto missing = daemon.http("DELETE", "/images/mybase:1");
  CHECK(missing.status == 404);
}

TEST_CASE("commits stack: three layers on busybox, each change visible, the deleted ones gone") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  auto s1 = daemon.gockerctl({"run", "--name", "s1", "busybox", "sh", "-c", "echo one > /one && rm /bin/vi"});
  REQUIRE_MESSAGE(s1.exit_code == 0, s1.describe());
  REQUIRE(daemon.gockerctl({"commit", "s1", "stack:1"}).exit_code == 0);
  auto s2 = daemon.gockerctl({"run", "--name", "s2", "stack:1", "sh", "-c", "echo two > /two && rm /one && mkfifo /pipe"});
  REQUIRE_MESSAGE(s2.exit_code == 0, s2.describe());
  auto committed = daemon.gockerctl({"commit", "-c", "WORKDIR /tmp", "s2", "stack:2"});
  REQUIRE_MESSAGE(committed.exit_code == 0, committed.describe());
  auto view = daemon.gockerctl({"run", "--rm", "stack:2", "sh", "-c",
                                "pwd; cat /two; test -e /one || echo no-one; test -e /bin/vi || echo no-vi; "
                                "test -p /pipe && echo pipe; /bin/busybox true && echo busybox"});
  CHECK_MESSAGE(view.out == "/tmp\ntwo\nno-one\nno-vi\npipe\nbusybox\n", view.describe());
  auto history = daemon.http("GET", "/images/stack:2/history");
  REQUIRE(history.status == 200);
  // A container without changes commits to no new layer, only a history entry.
  const size_t layers_before = count_dir(layers_dir());
  REQUIRE(daemon.gockerctl({"create", "--name", "s3", "stack:2", "true"}).exit_code == 0);
  auto unchanged = daemon.gockerctl({"commit", "-m", "nothing new", "s3", "stack:3"});
  REQUIRE_MESSAGE(unchanged.exit_code == 0, unchanged.describe());
  CHECK(count_dir(layers_dir()) == layers_before);
  auto same_layers = daemon.http("GET", "/images/stack:3/json");
  auto base_layers = daemon.http("GET", "/images/stack:2/json");
  CHECK(nlohmann::json::parse(same_layers.body)["RootFS"] == nlohmann::json::parse(base_layers.body)["RootFS"]);
  CHECK(contains(daemon.http("GET", "/images/stack:3/history").body, "nothing new"));
  REQUIRE(daemon.gockerctl({"rm", "s3"}).exit_code == 0);
  REQUIRE(daemon.gockerctl({"rmi", "stack:3"}).exit_code == 0);
  auto inspect = daemon.gockerctl({"image", "inspect", "stack:2"});
  CHECK(inspect.exit_code == 0);
  REQUIRE(daemon.gockerctl({"rm", "s1", "s2"}).exit_code == 0);
  auto removed = daemon.gockerctl({"rmi", "stack:2", "stack:1"});
  CHECK_MESSAGE(removed.exit_code == 0, removed.describe());
  CHECK(daemon.gockerctl({"run", "--rm", "busybox", "true"}).exit_code == 0);
}

TEST_CASE("a failed import or commit registers nothing and leaves nothing behind") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  const size_t layers_at_start = count_dir(layers_dir());

  auto garbage = shell("head -c 100000 /dev/urandom | $GOCKERCTL import - broken:1");
  CHECK(garbage.exit_code == 1);
  CHECK_MESSAGE(contains(garbage.err, "Error response from daemon"), garbage.describe());
  auto bad_change = shell("tar -C '" + rootfs_dir() + "' -c . | $GOCKERCTL import -c 'RUN rm -rf /' - broken:2");
  CHECK(bad_change.exit_code == 1);
  CHECK_MESSAGE(contains(bad_change.err, "RUN is not a valid change command"), bad_change.describe());
  auto bad_name = shell("tar -C '" + rootfs_dir() + "' -c . | $GOCKERCTL import - Broken:3");
  CHECK(bad_name.exit_code == 1);
  CHECK_MESSAGE(contains(bad_name.err, "invalid reference format"), bad_name.describe());

  // A tar whose entries try to leave the layer.
  const std::string evil = work_dir_path() + "/evil";
  fs::create_directories(evil);
  auto crafted = shell("cd '" + evil + "' && echo x > escape && tar -cf ../evil.tar --transform 's,^,../../,' escape");
  REQUIRE_MESSAGE(crafted.exit_code == 0, crafted.describe());
  auto escaping = daemon.gockerctl({"import", work_dir_path() + "/evil.tar", "broken:4"});
  CHECK(escaping.exit_code == 1);
  CHECK_FALSE(fs::exists(daemon.root() + "/layers/escape"));
  CHECK_FALSE(fs::exists(daemon.root() + "/escape"));

  // An absolute path, and a file through a symlink that points out of the layer.
  const std::string marker = "gocker-images-test-" + std::to_string(::getpid());
  auto absolute = shell("cd '" + evil + "' && tar -cPf ../absolute.tar --transform 's,^,/tmp/" + marker + "-abs-,' escape");
  REQUIRE_MESSAGE(absolute.exit_code == 0, absolute.describe());
  CHECK(daemon.gockerctl({"import", work_dir_path() + "/absolute.tar", "broken:5"}).exit_code == 1);
  CHECK_FALSE(fs::exists("/tmp/" + marker + "-abs-escape"));
  const std::string linked = work_dir_path() + "/linked";
  fs::create_directories(linked + "/real");
  std::ofstream(linked + "/real/" + marker) << "x\n";
  auto through_link = shell("cd '" + linked + "' && ln -s /tmp out && tar -cf ../linked.tar out && "
                            "tar -rf ../linked.tar --transform 's,^real,out,' real/" + marker);
  REQUIRE_MESSAGE(through_link.exit_code == 0, through_link.describe());
  CHECK(daemon.gockerctl({"import", work_dir_path() + "/linked.tar", "broken:6"}).exit_code == 1);
  CHECK_FALSE(fs::exists("/tmp/" + marker));

  CHECK(count_dir(layers_dir()) == layers_at_start);
  CHECK(count_dir(layers_tmp_dir()) == 0);
  auto images = daemon.gockerctl({"images"});
  CHECK_FALSE(contains(images.out, "broken"));

  auto bad_commit = daemon.http("POST", "/commit?container=nosuch&repo=x");
  CHECK(bad_commit.status == 404);
  REQUIRE(daemon.gockerctl({"create", "--name", "cc", "busybox", "true"}).exit_code == 0);
  auto bad_commit_change = daemon.http("POST", "/commit?container=cc&repo=x&changes=FROM%20scratch");
  CHECK(bad_commit_change.status == 400);
  CHECK(count_dir(layers_dir()) == layers_at_start);
  REQUIRE(daemon.gockerctl({"rm", "cc"}).exit_code == 0);
}

TEST_CASE("rmi racing a create of the same image: the image is deleted or the container made, never both") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  REQUIRE(daemon.gockerctl({"create", "--name", "race-base", "busybox", "true"}).exit_code == 0);
  int created_first = 0;
  for (int round = 0; round < 12; ++round) {
    // A distinct image per round (its config differs), so rmi really deletes it.
    const std::string repo = "race" + std::to_string(round);
    const auto committed =
        daemon.http("POST", "/commit?container=race-base&repo=" + repo + "&tag=1&changes=ENV%20ROUND%3D" + std::to_string(round));
    REQUIRE_MESSAGE(committed.status == 201, committed.describe());
    const std::string image = repo + ":1";
    std::promise<void> go;
    std::shared_future<void> ready = go.get_future().share();
    auto create = std::async(std::launch::async, [&daemon, ready, repo, image] {
      ready.wait();
      return daemon.http("POST", "/containers/create?name=" + repo,
                         nlohmann::json{{"Image", image}, {"Cmd", {"true"}}}.dump());
    });
    auto remove = std::async(std::launch::async, [&daemon, ready, image] {
      ready.wait();
      return daemon.http("DELETE", "/images/" + image);
    });
    go.set_value();
    const auto created = create.get();
    const auto removed = remove.get();
    INFO("round " << round << ": create " << created.describe() << "; rmi " << removed.describe());
    const bool made = created.status == 201;
    const bool deleted = removed.status == 200;
    CHECK(made != deleted);
    if (made) {
      ++created_first;
      CHECK(removed.status == 409);
      CHECK(daemon.http("GET", "/images/" + image + "/json").status == 200);
      CHECK(daemon.http("POST", "/containers/" + repo + "/start").status == 204);
      CHECK(daemon.gockerctl({"rm", "-f", repo}).exit_code == 0);
      CHECK(daemon.gockerctl({"rmi", image}).exit_code == 0);
    } else {
      CHECK(created.status == 404);
      CHECK(daemon.gockerctl({"inspect", repo}).exit_code != 0);
    }
  }
  MESSAGE("create won " << created_first << " of 12 rounds");
  CHECK(daemon.gockerctl({"rm", "race-base"}).exit_code == 0);
}

TEST_CASE("an import larger than any request body limit is streamed to disk") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  const std::string big = work_dir_path() + "/big";
  fs::create_directories(big);
  // 40 MiB: over the 16 MiB body limit and the daemon's whole idle footprint.
  auto made = shell("head -c 41943040 /dev/urandom > '" + big + "/blob' && md5sum < '" + big + "/blob'");
  REQUIRE_MESSAGE(made.exit_code == 0, made.describe());
  auto imported = shell("tar -C '" + big + "' -c . | $GOCKERCTL import -c 'CMD [\"/blob\"]' - big:1");
  REQUIRE_MESSAGE(imported.exit_code == 0, imported.describe());
  auto gzipped = shell("tar -C '" + rootfs_dir() + "' -cz . | $GOCKERCTL import - gz:1 && $GOCKERCTL run --rm gz:1 echo gz");
  CHECK_MESSAGE(trim(gzipped.out).substr(trim(gzipped.out).size() - 2) == "gz", gzipped.describe());
  CHECK(daemon.gockerctl({"rmi", "gz:1"}).exit_code == 0);
  auto size = daemon.gockerctl({"image", "inspect", "big:1"});
  CHECK(contains(size.out, "\"Size\": 41943040"));
  // Through raw HTTP with a Content-Length body too (the gockerctl path is chunked).
  auto tarred = run_command({"tar", "-C", big, "-cf", work_dir_path() + "/big.tar", "."});
  REQUIRE(tarred.exit_code == 0);
  std::ifstream in(work_dir_path() + "/big.tar", std::ios::binary);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto raw = daemon.http("POST", "/images/create?fromSrc=-&repo=big&tag=2", body, "application/x-tar");
  CHECK(raw.status == 200);
  CHECK_MESSAGE(contains(raw.body, "{\"status\":\"sha256:"), raw.describe());
  REQUIRE(daemon.gockerctl({"rmi", "big:1", "big:2"}).exit_code == 0);
}

TEST_CASE("docker import, run, commit, export, tag, history and rmi against gockerd") {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  if (docker_cli_path().empty()) {
    MESSAGE("SKIPPED PART: no docker CLI on this machine; docker commit/import/export/tag/rmi/history were not exercised");
    return;
  }
  auto imported = shell("tar -C '" + rootfs_dir() + "' -c . | \"$DOCKER\" import -c 'CMD [\"/bin/sh\"]' - dbase:1");
  REQUIRE_MESSAGE(imported.exit_code == 0, imported.describe());
  CHECK(trim(imported.out).rfind("sha256:", 0) == 0);
  auto d1 = shell("\"$DOCKER\" run --name d1 dbase:1 sh -c 'echo ddata > /g && rm /bin/ls'");
  REQUIRE_MESSAGE(d1.exit_code == 0, d1.describe());
  auto committed = shell("\"$DOCKER\" commit -c 'CMD [\"cat\", \"/g\"]' -m 'docker commit' d1 dbase:2");
  REQUIRE_MESSAGE(committed.exit_code == 0, committed.describe());
  auto ran = shell("\"$DOCKER\" run --rm dbase:2");
  CHECK_MESSAGE(ran.out == "ddata\n", ran.describe());
  auto gone = shell("\"$DOCKER\" run --rm dbase:2 sh -c 'test -e /bin/ls && echo present || echo gone'");
  CHECK_MESSAGE(gone.out == "gone\n", gone.describe());
  auto exported = shell("\"$DOCKER\" export d1 | tar -t");
  REQUIRE_MESSAGE(exported.exit_code == 0, exported.describe());
  CHECK(contains(exported.out, "./g\n"));
  auto tagged = shell("\"$DOCKER\" tag dbase:2 localhost:5000/d/base:2 && \"$DOCKER\" images");
  REQUIRE_MESSAGE(tagged.exit_code == 0, tagged.describe());
  CHECK(contains(tagged.out, "localhost:5000/d/base"));
  auto history = shell("\"$DOCKER\" history dbase:2");
  REQUIRE_MESSAGE(history.exit_code == 0, history.describe());
  CHECK(contains(history.out, "docker commit"));
  CHECK(contains(history.out, "<missing>"));
  auto in_use = shell("\"$DOCKER\" rmi dbase:1");
  CHECK(in_use.exit_code != 0);
  CHECK_MESSAGE(contains(in_use.err, "conflict"), in_use.describe());
  auto removed = shell("\"$DOCKER\" rmi localhost:5000/d/base:2 dbase:2");
  REQUIRE_MESSAGE(removed.exit_code == 0, removed.describe());
  CHECK(contains(removed.out, "Untagged: localhost:5000/d/base:2"));
  CHECK(contains(removed.out, "Deleted: sha256:"));
  auto base = shell("\"$DOCKER\" run --rm dbase:1 echo kept");
  CHECK_MESSAGE(base.out == "kept\n", base.describe());
  REQUIRE(shell("\"$DOCKER\" rm d1 && \"$DOCKER\" rmi dbase:1").exit_code == 0);
}
