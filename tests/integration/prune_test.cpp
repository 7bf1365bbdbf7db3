// Image prune, container prune, system df and system prune as a user meets them (images issue 5):
// what prune removes and what it must keep (images any container uses, running or stopped;
// tagged images unless -a; label and until filters), the containers' directories and cgroups gone
// with them, df's numbers following what containers and volumes hold, events, bad filters
// answered 400. Then the docker CLI runs the same commands against gockerd.
#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "tests/support/harness.hpp"

using namespace gocker::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Daemon& daemon_under_test() {
  static Daemon daemon;
  return daemon;
}

CommandResult ctl(const std::vector<std::string>& args, const CommandOptions& options = {}) {
  return daemon_under_test().gockerctl(args, options);
}

CommandResult ctl_ok(const std::vector<std::string>& args, const CommandOptions& options = {}) {
  auto result = ctl(args, options);
  REQUIRE_MESSAGE(result.exit_code == 0, result.describe());
  return result;
}

CommandOptions with_stdin(const std::string& input) {
  CommandOptions options;
  options.stdin_data = input;
  return options;
}

json parse_body(const HttpResponse& response) {
  auto parsed = json::parse(response.body, nullptr, false);
  REQUIRE_MESSAGE(!parsed.is_discarded(), response.describe());
  return parsed;
}

json inspect_json(const std::vector<std::string>& command) {
  auto parsed = json::parse(ctl_ok(command).out, nullptr, false);
  REQUIRE(parsed.is_array());
  REQUIRE(parsed.size() == 1);
  return parsed[0];
}

std::string container_id(const std::string& name) { return inspect_json({"inspect", name})["Id"]; }
bool image_exists(const std::string& ref) { return ctl({"image", "inspect", ref}).exit_code == 0; }
bool container_exists(const std::string& ref) { return ctl({"inspect", ref}).exit_code == 0; }

std::string layer_dir(const std::string& chain_id) {
  return daemon_under_test().root() + "/layers/sha256/" + chain_id.substr(chain_id.find(':') + 1);
}

// A JSON filters query value, percent-encoded enough for the characters used here.
std::string filters_query(const json& filters) {
  std::string encoded;
  for (char c : filters.dump()) {
    if (c == '{' || c == '}' || c == '"' || c == ':' || c == ',' || c == '=' || c == '!' || c == ' ') {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      encoded += hex;
    } else {
      encoded += c;
    }
  }
  return "filters=" + encoded;
}

json post_prune(const std::string& path, const json& filters = json::object()) {
  auto response = daemon_under_test().http("POST", "/v1.41" + path + (filters.empty() ? "" : "?" + filters_query(filters)));
  REQUIRE_MESSAGE(response.status == 200, response.describe());
  return parse_body(response);
}

json disk_usage() {
  auto response = daemon_under_test().http("GET", "/v1.41/system/df");
  REQUIRE_MESSAGE(response.status == 200, response.describe());
  return parse_body(response);
}

json find_by(const json& rows, const char* key, const std::string& value) {
  for (const auto& row : rows)
    if (row.value(key, "") == value) return row;
  return json();
}

json container_row(const json& usage, const std::string& id) { return find_by(usage["Containers"], "Id", id); }

// Unix seconds, for the events query's since/until.
std::string unix_seconds(int64_t offset = 0) { return std::to_string(std::time(nullptr) + offset); }

// Every test runs against one daemon; this running busybox container keeps the built-in image in
// use (container prune never takes a running one) so no prune -a takes it from later tests.
void ensure_anchor() {
  auto& daemon = daemon_under_test();
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  if (!container_exists("anchor")) ctl_ok({"run", "-d", "--name", "anchor", "busybox", "sleep", "100000"});
}

}  // namespace

TEST_CASE("image prune: dangling images by default, every unused one with -a, never one a container uses") {
  ensure_anchor();
  ctl_ok({"run", "--name", "src", "busybox", "sh", "-c", "echo data > /f"});
  const std::string dangling = trim(ctl_ok({"commit", "src"}).out);
  const std::string dangling_in_use = trim(ctl_ok({"commit", "-c", "ENV X=1", "src"}).out);
  ctl_ok({"create", "--name", "stopped-user", dangling_in_use, "true"});
  // A layer of its own (another container's write): -a deletes it with the image.
  ctl_ok({"run", "--name", "src2", "busybox", "sh", "-c", "echo other > /g"});
  ctl_ok({"commit", "src2", "unused:1"});
  ctl_ok({"commit", "-c", "ENV X=3", "src", "running:1"});
  ctl_ok({"run", "-d", "--name", "running-user", "running:1", "sleep", "1000"});

  // Without -f the answer is read from stdin: "n" keeps everything.
  auto declined = ctl({"image", "prune"}, with_stdin("n\n"));
  CHECK(declined.exit_code == 0);
  CHECK(contains(declined.out, "WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] "));
  CHECK(image_exists(dangling));

  const std::string since = unix_seconds();
  auto pruned = ctl_ok({"image", "prune"}, with_stdin("y\n"));
  CHECK_MESSAGE(contains(pruned.out, "Deleted Images:\ndeleted: " + dangling + "\n"), pruned.out);
  CHECK(contains(pruned.out, "\n\nTotal reclaimed space: "));
  CHECK_FALSE(image_exists(dangling));
  CHECK(image_exists(dangling_in_use));  // untagged, but a stopped container's image
  CHECK(image_exists("unused:1"));       // tagged: only with -a
  CHECK(image_exists("running:1"));

  // -a: every image without a container; the API's answer lists each untag and delete, the
  // freed layer directories are gone and their bytes reclaimed.
  const json report = post_prune("/images/prune", {{"dangling", {{"false", true}}}});
  std::vector<std::string> deleted;
  std::vector<std::string> untagged;
  for (const auto& item : report["ImagesDeleted"]) {
    if (item.contains("Untagged")) untagged.push_back(item["Untagged"]);
    if (item.contains("Deleted")) deleted.push_back(item["Deleted"]);
  }
  CHECK(untagged == std::vector<std::string>{"unused:1"});
  REQUIRE(deleted.size() == 2);  // the image and its own top layer
  CHECK_FALSE(fs::exists(layer_dir(deleted[1])));
  CHECK(report["SpaceReclaimed"].get<int64_t>() > 0);
  CHECK_FALSE(image_exists("unused:1"));
  CHECK(image_exists("running:1"));
  CHECK(image_exists(dangling_in_use));
  CHECK(image_exists("busybox"));
  CHECK(inspect_json({"inspect", "running-user"})["State"]["Running"] == true);
  // Its image's layers are still whole (it shares its top layer with the pruned dangling image).
  CHECK(ctl_ok({"start", "-a", "stopped-user"}).exit_code == 0);

  // A second prune finds nothing: null lists, nothing reclaimed; the CLI says 0B.
  const json empty = post_prune("/images/prune", {{"dangling", {{"false", true}}}});
  CHECK(empty["ImagesDeleted"].is_null());
  CHECK(empty["SpaceReclaimed"] == 0);
  CHECK(ctl_ok({"image", "prune", "-a", "-f"}).out == "Total reclaimed space: 0B\n");

  // The events: untag and delete for each image, then one prune with the bytes reclaimed.
  auto events = daemon_under_test().http("GET", "/v1.41/events?since=" + since + "&until=" + unix_seconds(1) + "&" +
                                                    filters_query({{"type", {{"image", true}}}}));
  REQUIRE_MESSAGE(events.status == 200, events.describe());
  std::map<std::string, int> actions;
  for (const std::string& line : split_lines(events.body)) {
    auto event = json::parse(line, nullptr, false);
    if (event.is_object()) ++actions[event.value("Action", "")];
  }
  CHECK(actions["delete"] == 2);
  CHECK(actions["untag"] == 1);
  CHECK(actions["prune"] == 4);

  ctl_ok({"rm", "-f", "running-user", "stopped-user", "src", "src2"});
}

TEST_CASE("image prune filters: label, label!, until") {
  ensure_anchor();
  ctl_ok({"run", "--name", "lsrc", "busybox", "true"});
  ctl_ok({"commit", "-c", "LABEL tier=web", "lsrc", "web:1"});
  ctl_ok({"commit", "-c", "LABEL tier=db", "lsrc", "db:1"});
  ctl_ok({"commit", "-c", "LABEL keep=yes", "lsrc", "kept:1"});
  ctl_ok({"rm", "lsrc"});

  auto web = ctl_ok({"image", "prune", "-a", "-f", "--filter", "label=tier=web"});
  CHECK(contains(web.out, "untagged: web:1\n"));
  CHECK_FALSE(image_exists("web:1"));
  CHECK(image_exists("db:1"));
  CHECK(image_exists("kept:1"));

  // Created just now: an until an hour ago keeps them all.
  CHECK(ctl_ok({"image", "prune", "-a", "-f", "--filter", "until=1h"}).out == "Total reclaimed space: 0B\n");
  CHECK(image_exists("db:1"));

  // label!: everything unused but what carries keep; busybox is in use by the anchor.
  auto rest = ctl_ok({"image", "prune", "-a", "-f", "--filter", "label!=keep", "--filter", "until=2100-01-01T00:00:00Z"});
  CHECK(contains(rest.out, "untagged: db:1\n"));
  CHECK_FALSE(image_exists("db:1"));
  CHECK(image_exists("kept:1"));
  CHECK(image_exists("busybox"));
  ctl_ok({"rmi", "kept:1"});
}

TEST_CASE("container prune removes stopped containers with their directories and cgroups, never running ones") {
  ensure_anchor();
  auto& daemon = daemon_under_test();
  ctl_ok({"run", "-d", "--name", "live", "busybox", "sleep", "1000"});
  ctl_ok({"run", "--name", "done", "busybox", "sh", "-c", "head -c 5000 /dev/zero > /blob"});
  ctl_ok({"create", "--name", "fresh", "busybox", "true"});
  ctl_ok({"run", "--name", "labelled", "--label", "keep=1", "busybox", "true"});
  const std::string done_id = container_id("done");
  const std::string fresh_id = container_id("fresh");
  const std::string labelled_id = container_id("labelled");
  REQUIRE(fs::exists(daemon.root() + "/containers/" + done_id));

  auto declined = ctl({"container", "prune"}, with_stdin("N\n"));
  CHECK(declined.exit_code == 0);
  CHECK(contains(declined.out, "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] "));
  CHECK(container_exists("done"));

  // Created just now: an until an hour ago keeps them all.
  CHECK(ctl_ok({"container", "prune", "-f", "--filter", "until=1h"}).out == "Total reclaimed space: 0B\n");
  CHECK(container_exists("done"));

  const json report = post_prune("/containers/prune", {{"label!", {{"keep", true}}}});
  std::vector<std::string> deleted = report["ContainersDeleted"];
  std::sort(deleted.begin(), deleted.end());
  std::vector<std::string> expected{done_id, fresh_id};
  std::sort(expected.begin(), expected.end());
  CHECK(deleted == expected);
  CHECK(report["SpaceReclaimed"].get<int64_t>() >= 5000);  // what `done` wrote
  for (const std::string& id : expected) {
    INFO("container " << id);
    CHECK_FALSE(fs::exists(daemon.root() + "/containers/" + id));
    CHECK_FALSE(find_container_cgroup("memory", daemon.cgroup_parent(), id).has_value());
    CHECK_FALSE(find_container_cgroup("pids", daemon.cgroup_parent(), id).has_value());
  }
  CHECK_FALSE(container_exists("done"));
  CHECK_FALSE(container_exists("fresh"));
  CHECK(container_exists("labelled"));
  CHECK(inspect_json({"inspect", "live"})["State"]["Running"] == true);

  // The CLI's report; a paused container is not pruned either.
  ctl_ok({"pause", "live"});
  auto rest = ctl_ok({"container", "prune", "-f"});
  CHECK_MESSAGE(rest.out.rfind("Deleted Containers:\n" + labelled_id + "\n\nTotal reclaimed space: ", 0) == 0, rest.out);
  CHECK(inspect_json({"inspect", "live"})["State"]["Paused"] == true);
  ctl_ok({"unpause", "live"});
  CHECK(inspect_json({"inspect", "live"})["State"]["Running"] == true);
  CHECK(inspect_json({"inspect", "anchor"})["State"]["Running"] == true);
  ctl_ok({"rm", "-f", "live"});
}

TEST_CASE("system df: sizes follow what containers write and what volumes hold") {
  ensure_anchor();
  const json before = disk_usage();
  CHECK(before["LayersSize"].get<int64_t>() > 0);
  CHECK(before["BuildCache"] == json::array());
  const json busybox = find_by(before["Images"], "Id", inspect_json({"image", "inspect", "busybox"})["Id"]);
  REQUIRE(busybox.is_object());
  CHECK(busybox["Containers"].get<int>() >= 1);  // the anchor
  CHECK(busybox["Size"].get<int64_t>() > 0);
  CHECK(busybox["SharedSize"].get<int64_t>() >= 0);

  ctl_ok({"run", "--name", "writer", "busybox", "sh", "-c", "head -c 12345 /dev/zero > /big"});
  const std::string writer_id = container_id("writer");
  const json written = container_row(disk_usage(), writer_id);
  REQUIRE(written.is_object());
  // The file, plus at most the few empty files a container's setup leaves in its upper dir.
  CHECK(written["SizeRw"].get<int64_t>() >= 12345);
  CHECK(written["SizeRw"].get<int64_t>() < 12345 + 4096);
  CHECK(written["SizeRootFs"].get<int64_t>() == written["SizeRw"].get<int64_t>() + busybox["Size"].get<int64_t>());
  CHECK(written["State"] == "exited");
  ctl_ok({"start", "-a", "writer"});  // the same write again: same size, not double
  CHECK(container_row(disk_usage(), writer_id)["SizeRw"] == written["SizeRw"]);

  ctl_ok({"volume", "create", "dfvol"});
  auto volume = find_by(disk_usage()["Volumes"], "Name", "dfvol");
  REQUIRE(volume.is_object());
  CHECK(volume["UsageData"] == json{{"Size", 0}, {"RefCount", 0}});
  ctl_ok({"run", "--rm", "-v", "dfvol:/d", "busybox", "sh", "-c", "head -c 7000 /dev/zero > /d/x"});
  ctl_ok({"create", "--name", "holder", "-v", "dfvol:/d", "busybox", "true"});
  volume = find_by(disk_usage()["Volumes"], "Name", "dfvol");
  CHECK(volume["UsageData"] == json{{"Size", 7000}, {"RefCount", 1}});

  // The CLI's tables.
  auto table = ctl_ok({"system", "df"});
  CHECK_MESSAGE(table.out.rfind("TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\nImages   ", 0) == 0, table.out);
  CHECK(contains(table.out, "\nLocal Volumes   "));
  CHECK(contains(table.out, "\nBuild Cache     0         0         0B        0B\n"));
  auto verbose = ctl_ok({"system", "df", "-v"});
  CHECK(contains(verbose.out, "Images space usage:\n\nREPOSITORY   TAG       IMAGE ID"));
  std::string writer_line;
  for (const std::string& line : split_lines(verbose.out))
    if (line.rfind(writer_id.substr(0, 12), 0) == 0) writer_line = line;
  CHECK_MESSAGE(contains(writer_line, "   busybox   \"sh -c "), verbose.out);
  CHECK(contains(writer_line, "   12.3kB   "));
  CHECK(contains(verbose.out, "dfvol         1         7kB\n"));

  ctl_ok({"rm", "writer", "holder"});
  ctl_ok({"volume", "rm", "dfvol"});
}

TEST_CASE("system prune: stopped containers, then the images they held; nothing without a yes") {
  ensure_anchor();
  ctl_ok({"run", "--name", "sp", "busybox", "true"});
  const std::string image = trim(ctl_ok({"commit", "sp"}).out);
  ctl_ok({"create", "--name", "sp-user", image, "true"});

  auto declined = ctl({"system", "prune"}, with_stdin(""));
  CHECK(declined.exit_code == 0);
  CHECK(contains(declined.out, "WARNING! This will remove:\n  - all stopped containers\n"));
  CHECK(container_exists("sp-user"));

  const std::string user_id = container_id("sp-user");
  auto pruned = ctl_ok({"system", "prune", "-f"});
  CHECK_MESSAGE(contains(pruned.out, "Deleted Containers:\n"), pruned.out);
  CHECK(contains(pruned.out, user_id + "\n"));
  // Its container went first, so the dangling image it held goes in the same run.
  CHECK(contains(pruned.out, "Deleted Images:\ndeleted: " + image + "\n"));
  CHECK(contains(pruned.out, "\nTotal reclaimed space: "));
  CHECK_FALSE(image_exists(image));
  CHECK(inspect_json({"inspect", "anchor"})["State"]["Running"] == true);
  CHECK(image_exists("busybox"));
}

TEST_CASE("bad prune filters are answered 400 with a message, and nothing is removed") {
  ensure_anchor();
  ctl_ok({"create", "--name", "survivor", "busybox", "true"});
  struct Case {
    std::string path;
    json filters;
    std::string message;
  };
  const std::vector<Case> cases{
      {"/images/prune", {{"bogus", {{"1", true}}}}, "invalid filter 'bogus'"},
      {"/images/prune", {{"dangling", {{"maybe", true}}}}, "invalid filter 'dangling=maybe'"},
      {"/containers/prune", {{"dangling", {{"true", true}}}}, "invalid filter 'dangling'"},
      {"/containers/prune", {{"until", {{"soon", true}}}}, "invalid filter 'until=soon'"},
  };
  for (const Case& bad : cases) {
    INFO(bad.path << " " << bad.filters.dump());
    auto response = daemon_under_test().http("POST", "/v1.41" + bad.path + "?" + filters_query(bad.filters));
    CHECK(response.status == 400);
    CHECK(contains(parse_body(response).value("message", ""), bad.message));
  }
  auto malformed = daemon_under_test().http("POST", "/v1.41/containers/prune?filters=notjson");
  CHECK(malformed.status == 400);
  CHECK(parse_body(malformed).contains("message"));
  auto cli = ctl({"container", "prune", "-f", "--filter", "bogus=1"});
  CHECK(cli.exit_code == 1);
  CHECK(contains(cli.err, "Error response from daemon: invalid filter 'bogus'"));
  CHECK(container_exists("survivor"));
  ctl_ok({"rm", "survivor"});
}

TEST_CASE("docker image prune, container prune and system df against gockerd") {
  ensure_anchor();
  if (docker_cli_path().empty()) {
    MESSAGE("SKIPPED PART: no docker CLI on this machine; docker prune/df were not exercised");
    return;
  }
  auto& daemon = daemon_under_test();
  ctl_ok({"run", "--name", "dk", "busybox", "sh", "-c", "echo x > /x"});
  const std::string image = trim(ctl_ok({"commit", "dk"}).out);
  const std::string dk_id = container_id("dk");

  auto containers = daemon.docker({"container", "prune", "-f"});
  REQUIRE_MESSAGE(containers.exit_code == 0, containers.describe());
  CHECK_MESSAGE(contains(containers.out, "Deleted Containers:\n" + dk_id + "\n"), containers.out);
  CHECK(contains(containers.out, "Total reclaimed space: "));
  CHECK_FALSE(container_exists("dk"));

  auto images = daemon.docker({"image", "prune", "-f"});
  REQUIRE_MESSAGE(images.exit_code == 0, images.describe());
  CHECK_MESSAGE(contains(images.out, "Deleted Images:\ndeleted: " + image + "\n"), images.out);
  CHECK_FALSE(image_exists(image));

  auto df = daemon.docker({"system", "df"});
  REQUIRE_MESSAGE(df.exit_code == 0, df.describe());
  CHECK_MESSAGE(df.out.rfind("TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\n", 0) == 0, df.out);
  CHECK(contains(df.out, "\nContainers      1         1  "));  // the anchor, running
  auto verbose = daemon.docker({"system", "df", "-v"});
  REQUIRE_MESSAGE(verbose.exit_code == 0, verbose.describe());
  CHECK(contains(verbose.out, "busybox "));
  CHECK(contains(verbose.out, "anchor"));
  auto bad = daemon.docker({"image", "prune", "-f", "--filter", "bogus=1"});
  CHECK(bad.exit_code != 0);
  CHECK(contains(bad.err, "invalid filter 'bogus'"));
}
