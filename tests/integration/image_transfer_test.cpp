// Images issue 5, save/load: `gockerctl save` writes the docker-archive layout of Docker 25+
// (manifest.json + OCI index.json/blobs), a second daemon loads it with the same image id and runs
// it; skopeo reads what gocker saved and writes a docker-archive (from an OCI layout this test
// builds, with a deleted file, an opaque directory, a hard link and a symlink) that gocker loads;
// a plain OCI layout loads too; a corrupt archive registers nothing and leaves no layer; the
// docker CLI's save and load work against gockerd.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/support/harness.hpp"

using namespace gocker::test;
namespace fs = std::filesystem;

namespace {

Daemon& source_daemon() {
  static Daemon daemon;
  return daemon;
}

Daemon& target_daemon() {
  static Daemon daemon;
  return daemon;
}

std::string work_dir_path() {
  static const std::string dir = [] {
    fs::path path = fs::path(source_daemon().temp_dir()) / "work";
    fs::create_directories(path);
    return path.string();
  }();
  return dir;
}

// A shell command line with $A and $B (gockerctl for either daemon), $DOCKER (DOCKER_HOST = the
// source daemon), $WORK and $IMAGES set.
CommandResult shell(const std::string& script) {
  CommandOptions options;
  options.env.emplace_back("A", gockerctl_binary() + " -H " + source_daemon().host());
  options.env.emplace_back("B", gockerctl_binary() + " -H " + target_daemon().host());
  options.env.emplace_back("DOCKER", docker_cli_path());
  options.env.emplace_back("DOCKER_HOST", source_daemon().host());
  options.env.emplace_back("DOCKER_CONFIG", source_daemon().temp_dir() + "/docker-config");
  options.env.emplace_back("WORK", work_dir_path());
  options.env.emplace_back("IMAGES", image_dir());
  return run_command({"sh", "-c", "set -e\n" + script}, options);
}

size_t count_dir(const std::string& path) {
  size_t count = 0;
  std::error_code error;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(path, error)) ++count;
  return count;
}

std::string image_id(Daemon& daemon, const std::string& name) {
  auto inspect = daemon.gockerctl({"image", "inspect", name});
  if (inspect.exit_code != 0) return "";
  auto json = nlohmann::json::parse(inspect.out, nullptr, false);
  if (!json.is_array() || json.empty()) return "";
  return json[0].value("Id", "");
}

// xbase:1 imported from the busybox rootfs tar plus a file (so its layer is not the built-in
// image's, and a second daemon does not have it), xbase:2
// a commit on it with a new file and a deleted one. Made once.
void make_source_images() {
  static bool made = false;
  if (made) return;
  auto built = shell(R"(
mkdir -p "$WORK/extra/etc" && echo xbase > "$WORK/extra/etc/xbase"
cp "$IMAGES/busybox-rootfs.tar" "$WORK/xbase.tar" && tar -rf "$WORK/xbase.tar" -C "$WORK/extra" ./etc/xbase
$A import -c 'CMD ["/bin/sh"]' "$WORK/xbase.tar" xbase:1 >/dev/null
$A run --name xc1 xbase:1 sh -c 'echo data > /f && rm /bin/ls'
$A commit -c 'ENV SAVED=yes' xc1 xbase:2 >/dev/null
$A rm xc1 >/dev/null
)");
  REQUIRE_MESSAGE(built.exit_code == 0, built.describe());
  made = true;
}

}  // namespace

TEST_CASE("save, then load into a second daemon: same image id, runnable, files right") {
  REQUIRE_MESSAGE(source_daemon().started(), source_daemon().start_error());
  REQUIRE_MESSAGE(target_daemon().started(), target_daemon().start_error());
  make_source_images();
  const std::string id2 = image_id(source_daemon(), "xbase:2");
  const std::string id1 = image_id(source_daemon(), "xbase:1");
  REQUIRE(!id2.empty());

  auto saved = shell("$A save -o \"$WORK/x.tar\" xbase:2 xbase:1 && tar -tf \"$WORK/x.tar\"");
  REQUIRE_MESSAGE(saved.exit_code == 0, saved.describe());
  for (const char* member : {"manifest.json", "index.json", "oci-layout", "repositories", "blobs/sha256/"})
    CHECK_MESSAGE(contains(saved.out, member), member);
  CHECK(contains(saved.out, "blobs/sha256/" + id2.substr(7)));  // the config, named by the image id

  auto to_stdout = shell("$A save xbase:2 | tar -t | grep -c blobs/sha256/");
  CHECK_MESSAGE(to_stdout.exit_code == 0, to_stdout.describe());

  auto loaded = target_daemon().gockerctl({"load", "-i", work_dir_path() + "/x.tar"});
  REQUIRE_MESSAGE(loaded.exit_code == 0, loaded.describe());
  CHECK(contains(loaded.out, "Loaded image: xbase:2\n"));
  CHECK(contains(loaded.out, "Loaded image: xbase:1\n"));
  CHECK(image_id(target_daemon(), "xbase:2") == id2);
  CHECK(image_id(target_daemon(), "xbase:1") == id1);
  auto ran = target_daemon().gockerctl(
      {"run", "--rm", "xbase:2", "sh", "-c", "cat /f; echo $SAVED; test -e /bin/ls && echo present || echo gone"});
  CHECK_MESSAGE(ran.out == "data\nyes\ngone\n", ran.describe());
  CHECK(count_dir(target_daemon().root() + "/layers/tmp") == 0);

  // Loading again is a no-op that still answers; quiet leaves out the layer progress.
  auto again = shell("$B load -q < \"$WORK/x.tar\"");
  CHECK_MESSAGE(again.exit_code == 0, again.describe());
  CHECK(contains(again.out, "Loaded image: xbase:2"));

  // The saved image keeps working after a round trip back (save from B, load into A after rmi).
  auto back = shell(R"(
$B save xbase:2 > "$WORK/back.tar"
$A rmi xbase:2 >/dev/null
$A load -i "$WORK/back.tar"
$A run --rm xbase:2 cat /f
)");
  CHECK_MESSAGE(back.exit_code == 0, back.describe());
  CHECK(contains(back.out, "data\n"));
  CHECK(image_id(source_daemon(), "xbase:2") == id2);
}

TEST_CASE("skopeo reads a gocker-saved docker-archive") {
  REQUIRE_MESSAGE(source_daemon().started(), source_daemon().start_error());
  make_source_images();
  if (shell("command -v skopeo >/dev/null").exit_code != 0) {
    MESSAGE("SKIPPED PART: skopeo is not installed (scripts/install-deps.sh --test installs it)");
    return;
  }
  auto inspected = shell(R"(
$A save -o "$WORK/one.tar" xbase:2
skopeo inspect --raw docker-archive:"$WORK/one.tar" >/dev/null
skopeo inspect docker-archive:"$WORK/one.tar"
)");
  REQUIRE_MESSAGE(inspected.exit_code == 0, inspected.describe());
  auto json = nlohmann::json::parse(inspected.out, nullptr, false);
  REQUIRE(json.is_object());
  auto gocker = nlohmann::json::parse(source_daemon().gockerctl({"image", "inspect", "xbase:2"}).out, nullptr, false);
  REQUIRE(gocker.is_array());
  CHECK(json["Layers"] == gocker[0]["RootFS"]["Layers"]);
  // A copy checks every blob against its digest.
  auto copied = shell("rm -rf \"$WORK/copy\" && skopeo copy -q docker-archive:\"$WORK/one.tar\" dir:\"$WORK/copy\"");
  CHECK_MESSAGE(copied.exit_code == 0, copied.describe());
  auto config = shell("skopeo inspect --config docker-archive:\"$WORK/one.tar\"");
  CHECK(contains(config.out, "SAVED=yes"));
}

// An OCI layout of three layers: the busybox rootfs; /opt/old/file, /opt/keep, /doomed; then a
// gzipped layer deleting /doomed and /bin/ls, making /opt/old opaque with one new file, a hard
// link and a symlink.
TEST_CASE("gocker loads a docker-archive skopeo wrote from an OCI layout, and the OCI layout itself") {
  REQUIRE_MESSAGE(target_daemon().started(), target_daemon().start_error());
  if (shell("command -v skopeo >/dev/null").exit_code != 0) {
    MESSAGE("SKIPPED PART: skopeo is not installed (scripts/install-deps.sh --test installs it)");
    return;
  }
  auto built = shell(R"(
cd "$WORK" && rm -rf oci l2 l3 && mkdir -p oci/blobs/sha256 l2/opt/old l3/opt/old l3/bin
echo old > l2/opt/old/file; echo keep > l2/opt/keep; echo doomed > l2/doomed
: > l3/.wh.doomed; : > l3/bin/.wh.ls; : > l3/opt/old/.wh..wh..opq; echo new > l3/opt/old/new
echo linked > l3/opt/l1; ln l3/opt/l1 l3/opt/l2; ln -s keep l3/opt/sym
cp "$IMAGES/busybox-rootfs.tar" layer1.tar
tar --owner=0 --group=0 -C l2 -cf layer2.tar .
tar --owner=0 --group=0 -C l3 -cf layer3.tar .
gzip -n -c layer3.tar > layer3.tar.gz
d1=$(sha256sum < layer1.tar | cut -d' ' -f1); d2=$(sha256sum < layer2.tar | cut -d' ' -f1)
d3=$(sha256sum < layer3.tar | cut -d' ' -f1); g3=$(sha256sum < layer3.tar.gz | cut -d' ' -f1)
cp layer1.tar oci/blobs/sha256/$d1; cp layer2.tar oci/blobs/sha256/$d2; cp layer3.tar.gz oci/blobs/sha256/$g3
printf '{"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05Z","config":{"Cmd":["cat","/opt/keep"],"Env":["PATH=/bin:/usr/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s","sha256:%s"]}}' $d1 $d2 $d3 > config.json
c=$(sha256sum < config.json | cut -d' ' -f1); cp config.json oci/blobs/sha256/$c
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s},{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s},{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
  $c $(stat -c %s config.json) $d1 $(stat -c %s layer1.tar) $d2 $(stat -c %s layer2.tar) $g3 $(stat -c %s layer3.tar.gz) > manifest.json
m=$(sha256sum < manifest.json | cut -d' ' -f1); cp manifest.json oci/blobs/sha256/$m
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' $m $(stat -c %s manifest.json) > oci/index.json
echo '{"imageLayoutVersion":"1.0.0"}' > oci/oci-layout
rm -f sk.tar && skopeo copy -q oci:"$WORK/oci:v1" docker-archive:"$WORK/sk.tar:skopeo/img:1"
echo "sha256:$c"
)");
  REQUIRE_MESSAGE(built.exit_code == 0, built.describe());
  const std::string config_id = trim(built.out);

  auto loaded = target_daemon().gockerctl({"load", "-i", work_dir_path() + "/sk.tar"});
  REQUIRE_MESSAGE(loaded.exit_code == 0, loaded.describe());
  CHECK(contains(loaded.out, "Loaded image: skopeo/img:1\n"));
  CHECK(image_id(target_daemon(), "skopeo/img:1") == config_id);
  auto ran = target_daemon().gockerctl({"run", "--rm", "skopeo/img:1"});
  CHECK_MESSAGE(ran.out == "keep\n", ran.describe());
  auto files = target_daemon().gockerctl(
      {"run", "--rm", "skopeo/img:1", "sh", "-c",
       "ls /opt/old; test -e /doomed || echo doomed-gone; test -e /bin/ls || echo ls-gone; "
       "stat -c %h /opt/l2; readlink /opt/sym; cat /opt/sym"});
  CHECK_MESSAGE(files.out == "new\ndoomed-gone\nls-gone\n2\nkeep\nkeep\n", files.describe());

  // The OCI layout itself, as a tar: untagged (its ref.name is a bare tag), the same image.
  auto plain = shell("tar -C \"$WORK/oci\" -c . | $B load");
  REQUIRE_MESSAGE(plain.exit_code == 0, plain.describe());
  CHECK(contains(plain.out, "Loaded image ID: " + config_id));
  // Compressed archives load too.
  auto gzipped = shell("$B rmi skopeo/img:1 >/dev/null && gzip -c \"$WORK/sk.tar\" | $B load -q");
  CHECK_MESSAGE(gzipped.exit_code == 0, gzipped.describe());
  CHECK(contains(gzipped.out, "Loaded image: skopeo/img:1"));
}

TEST_CASE("a corrupt archive (a layer that is not its diff id) registers nothing and leaves no layer") {
  auto& daemon = target_daemon();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  make_source_images();
  // One layer of a saved image replaced by another tar: manifest and config still name the old one.
  auto corrupted = shell(R"(
cd "$WORK" && rm -rf bad && mkdir bad && $A save xbase:2 | tar -C bad -x
mkdir -p other && echo other > other/file && tar -C other -cf other.tar .
top=$(python3 -c 'import json; print(json.load(open("bad/manifest.json"))[0]["Layers"][-1])')
cp other.tar "bad/$top"
tar -C bad -cf bad.tar .
)");
  REQUIRE_MESSAGE(corrupted.exit_code == 0, corrupted.describe());
  // Into a daemon that has neither image yet: the good base layer is imported, then dropped.
  Daemon fresh;
  REQUIRE_MESSAGE(fresh.started(), fresh.start_error());
  const size_t layers = count_dir(fresh.root() + "/layers/sha256");
  const size_t tars = count_dir(fresh.root() + "/layers/tar");
  const size_t images = nlohmann::json::parse(fresh.http("GET", "/images/json").body).size();
  auto loaded = fresh.gockerctl({"load", "-i", work_dir_path() + "/bad.tar"});
  CHECK(loaded.exit_code != 0);
  CHECK_MESSAGE(contains(loaded.err, "invalid diffID"), loaded.describe());
  CHECK(count_dir(fresh.root() + "/layers/sha256") == layers);
  CHECK(count_dir(fresh.root() + "/layers/tar") == tars);
  CHECK(count_dir(fresh.root() + "/layers/tmp") == 0);
  CHECK(nlohmann::json::parse(fresh.http("GET", "/images/json").body).size() == images);
  CHECK(fresh.gockerctl({"image", "inspect", "xbase:1"}).exit_code != 0);

  auto garbage = shell("head -c 3000 /dev/urandom | $B load");
  CHECK(garbage.exit_code != 0);
  CHECK(count_dir(daemon.root() + "/layers/tmp") == 0);
}

TEST_CASE("docker save and docker load against gockerd") {
  REQUIRE_MESSAGE(source_daemon().started(), source_daemon().start_error());
  if (docker_cli_path().empty()) {
    MESSAGE("SKIPPED PART: no docker CLI on this machine; docker save/load were not exercised");
    return;
  }
  make_source_images();
  const std::string id = image_id(source_daemon(), "xbase:2");
  auto round = shell(R"(
"$DOCKER" save -o "$WORK/d.tar" xbase:2
"$DOCKER" rmi xbase:2 >/dev/null
"$DOCKER" load -i "$WORK/d.tar"
"$DOCKER" save xbase:2 | "$DOCKER" load
"$DOCKER" run --rm xbase:2 cat /f
)");
  REQUIRE_MESSAGE(round.exit_code == 0, round.describe());
  CHECK(contains(round.out, "Loaded image: xbase:2"));
  CHECK(contains(round.out, "data\n"));
  CHECK(image_id(source_daemon(), "xbase:2") == id);
}
