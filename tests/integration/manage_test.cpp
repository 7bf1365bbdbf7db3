// restart, rename, restart policies, events, labels and ps filters against a real gockerd, driven
// with gockerctl, raw HTTP and (when present) the docker CLI. The docker CLI is $GOCKER_TEST_DOCKER,
// else /usr/bin/docker, else `docker` on PATH; its test cases are skipped loudly without one.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <future>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/harness.hpp"

using namespace gocker::test;
using nlohmann::json;

namespace {

Daemon& shared_daemon() {
  static Daemon daemon;
  return daemon;
}

#define REQUIRE_DAEMON(daemon) REQUIRE_MESSAGE((daemon).started(), (daemon).start_error())

json inspect(const Daemon& daemon, const std::string& ref) {
  const auto result = daemon.gockerctl({"inspect", ref});
  INFO("inspect " << ref << ": " << result.describe());
  REQUIRE(result.exit_code == 0);
  json parsed = json::parse(result.out, nullptr, false);
  REQUIRE_FALSE(parsed.is_discarded());
  if (parsed.is_array()) {
    REQUIRE(parsed.size() == 1);
    return parsed[0];
  }
  return parsed;
}

std::string run_detached(const Daemon& daemon, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"run", "-d"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto result = daemon.gockerctl(argv);
  INFO("run -d: " << result.describe());
  REQUIRE(result.exit_code == 0);
  const std::string id = trim(result.out);
  REQUIRE(std::regex_match(id, std::regex("[0-9a-f]{64}")));
  return id;
}

// Waits (up to `timeout`) until inspect satisfies `done`; returns the last inspect. Polling is fine
// here: it is the test observing, not the product waiting.
template <typename Predicate>
json wait_for_state(const Daemon& daemon, const std::string& ref, Predicate done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  json last;
  for (;;) {
    last = inspect(daemon, ref);
    if (done(last) || Clock::now() > deadline) return last;
    std::this_thread::sleep_for(50ms);
  }
}

std::string unix_now() { return std::to_string(std::time(nullptr)); }

bool have_docker() {
  static const bool present = [] {
    const bool found = !docker_cli_path().empty();
    if (!found) MESSAGE("SKIP (docker CLI cases): no docker CLI; install Debian's docker.io");
    return found;
  }();
  return present;
}

}  // namespace

TEST_CASE("restart: a running container gets a new StartedAt and keeps its name; a stopped one starts") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string id = run_detached(daemon, {"--name", "restart-me", "busybox", "sleep", "1000"});
  const auto before = inspect(daemon, "restart-me");
  const auto restarted = daemon.gockerctl({"restart", "-t", "1", "restart-me"});
  INFO(restarted.describe());
  CHECK(restarted.exit_code == 0);
  CHECK(trim(restarted.out) == "restart-me");
  const auto after = inspect(daemon, "restart-me");
  CHECK(after["Id"] == id);
  CHECK(after["Name"] == "/restart-me");
  CHECK(after["State"]["Running"] == true);
  CHECK(after["State"]["StartedAt"] != before["State"]["StartedAt"]);
  CHECK(after["State"]["Pid"] != before["State"]["Pid"]);

  CHECK(daemon.gockerctl({"stop", "-t", "0", "restart-me"}).exit_code == 0);
  CHECK(inspect(daemon, "restart-me")["State"]["Running"] == false);
  const auto from_stopped = daemon.http("POST", "/v1.41/containers/restart-me/restart?t=1");
  CHECK(from_stopped.status == 204);
  CHECK(inspect(daemon, "restart-me")["State"]["Running"] == true);

  CHECK(daemon.http("POST", "/v1.41/containers/nosuch/restart").status == 404);
  CHECK(daemon.gockerctl({"rm", "-f", "restart-me"}).exit_code == 0);
}

TEST_CASE("rename: the new name everywhere, the old one free; taken 409, invalid 400") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string id = run_detached(daemon, {"--name", "rn-old", "busybox", "sleep", "1000"});
  run_detached(daemon, {"--name", "rn-taken", "busybox", "sleep", "1000"});

  const auto renamed = daemon.gockerctl({"rename", "rn-old", "rn-new"});
  INFO(renamed.describe());
  CHECK(renamed.exit_code == 0);
  CHECK(inspect(daemon, "rn-new")["Name"] == "/rn-new");
  CHECK(inspect(daemon, id)["Name"] == "/rn-new");
  const auto old_lookup = daemon.gockerctl({"inspect", "rn-old"});
  CHECK(old_lookup.exit_code != 0);
  const auto ps = daemon.gockerctl({"ps", "--filter", "name=rn-new", "--format", "{{.Names}}"});
  INFO(ps.describe());
  CHECK(trim(ps.out) == "rn-new");

  const auto taken = daemon.http("POST", "/v1.41/containers/rn-new/rename?name=rn-taken");
  INFO(taken.describe());
  CHECK(taken.status == 409);
  CHECK(contains(taken.body, "is already in use"));
  const auto taken_cli = daemon.gockerctl({"rename", "rn-new", "rn-taken"});
  CHECK(taken_cli.exit_code == 1);
  CHECK(contains(taken_cli.err, "Error response from daemon: Conflict. The container name \"/rn-taken\" is already in use"));
  CHECK(daemon.http("POST", "/v1.41/containers/rn-new/rename?name=-bad").status == 400);
  CHECK(daemon.http("POST", "/v1.41/containers/rn-new/rename?name=").status == 400);
  CHECK(daemon.http("POST", "/v1.41/containers/rn-new/rename?name=rn-new").status == 400);

  // The old name can be used again at once.
  const std::string reused = run_detached(daemon, {"--name", "rn-old", "busybox", "true"});
  CHECK(reused != id);
  CHECK(daemon.gockerctl({"rm", "-f", "rn-new", "rn-taken", "rn-old"}).exit_code == 0);
}

TEST_CASE("restart policy: on-failure:2 on a failing command restarts twice, then stays exited") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  run_detached(daemon, {"--name", "fails", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 1"});
  const auto state = wait_for_state(
      daemon, "fails",
      [](const json& c) { return c["RestartCount"] == 2 && c["State"]["Status"] == "exited"; }, 15s);
  INFO(state.dump());
  CHECK(state["RestartCount"] == 2);
  CHECK(state["State"]["Status"] == "exited");
  CHECK(state["State"]["ExitCode"] == 1);
  CHECK(state["HostConfig"]["RestartPolicy"]["Name"] == "on-failure");
  CHECK(state["HostConfig"]["RestartPolicy"]["MaximumRetryCount"] == 2);
  // It stays there: a third restart would have happened within 400 ms.
  std::this_thread::sleep_for(800ms);
  CHECK(inspect(daemon, "fails")["RestartCount"] == 2);

  // A clean exit is not a failure.
  run_detached(daemon, {"--name", "succeeds", "--restart", "on-failure", "busybox", "true"});
  const auto clean = wait_for_state(daemon, "succeeds", [](const json& c) { return c["State"]["Status"] == "exited"; }, 10s);
  std::this_thread::sleep_for(300ms);
  CHECK(inspect(daemon, "succeeds")["RestartCount"] == 0);
  CHECK(daemon.gockerctl({"rm", "-f", "fails", "succeeds"}).exit_code == 0);
}

TEST_CASE("restart policy: invalid combinations are 400 as in dockerd") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const auto unknown = daemon.http("POST", "/v1.41/containers/create",
                                   R"({"Image":"busybox","Cmd":["true"],"HostConfig":{"RestartPolicy":{"Name":"sometimes"}}})");
  CHECK(unknown.status == 400);
  const auto count = daemon.http("POST", "/v1.41/containers/create",
                                 R"({"Image":"busybox","Cmd":["true"],"HostConfig":{"RestartPolicy":{"Name":"always","MaximumRetryCount":3}}})");
  CHECK(count.status == 400);
  const auto auto_remove = daemon.http(
      "POST", "/v1.41/containers/create",
      R"({"Image":"busybox","Cmd":["true"],"HostConfig":{"AutoRemove":true,"RestartPolicy":{"Name":"always"}}})");
  INFO(auto_remove.describe());
  CHECK(auto_remove.status == 400);
  CHECK(contains(auto_remove.body, "can't create 'AutoRemove' container with restart policy"));
}

TEST_CASE("restart policy: always comes back while the daemon runs, a manual stop ends it") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  run_detached(daemon, {"--name", "always-on", "--restart", "always", "busybox", "sh", "-c", "sleep 0.2"});
  const auto state = wait_for_state(daemon, "always-on", [](const json& c) { return c["RestartCount"] >= 2; }, 15s);
  INFO(state.dump());
  CHECK(state["RestartCount"] >= 2);
  CHECK(daemon.gockerctl({"stop", "-t", "1", "always-on"}).exit_code == 0);
  const auto stopped = inspect(daemon, "always-on");
  CHECK(stopped["State"]["Status"] == "exited");
  const int count = stopped["RestartCount"];
  std::this_thread::sleep_for(1s);
  CHECK(inspect(daemon, "always-on")["RestartCount"] == count);
  CHECK(inspect(daemon, "always-on")["State"]["Status"] == "exited");
  CHECK(daemon.gockerctl({"rm", "-f", "always-on"}).exit_code == 0);
}

TEST_CASE("restart policy: after a daemon restart always comes back, unless-stopped stopped by hand does not") {
  Daemon daemon;
  REQUIRE_DAEMON(daemon);
  const std::string always_id = run_detached(daemon, {"--name", "pa", "--restart", "always", "busybox", "sleep", "1000"});
  run_detached(daemon, {"--name", "pu", "--restart", "unless-stopped", "busybox", "sleep", "1000"});
  run_detached(daemon, {"--name", "pn", "busybox", "sleep", "1000"});
  CHECK(daemon.gockerctl({"stop", "-t", "0", "pu"}).exit_code == 0);
  const int always_pid = inspect(daemon, "pa")["State"]["Pid"];
  const int plain_pid = inspect(daemon, "pn")["State"]["Pid"];

  daemon.kill9();
  // While no daemon runs, both running containers die (as on a host reboot).
  for (int pid : {always_pid, plain_pid}) {
    const int pidfd = open_pidfd(pid);
    REQUIRE(pidfd >= 0);
    CHECK(send_signal(pidfd, SIGKILL) == 0);
    CHECK(wait_pidfd_exit(pidfd, 10s));
    ::close(pidfd);
  }
  REQUIRE_MESSAGE(daemon.start(), daemon.start_error());

  // The new daemon may reattach to pa's monitor before that monitor has reported the kill, so pa
  // can show "running" with its old pid for a moment: wait for the restart itself.
  const auto back = wait_for_state(
      daemon, "pa",
      [always_pid](const json& c) {
        return c["State"]["Status"] == "running" && c["State"]["Pid"] != always_pid && c["RestartCount"] == 1;
      },
      10s);
  INFO(back.dump());
  CHECK(back["State"]["Status"] == "running");
  CHECK(back["State"]["Pid"] != always_pid);
  CHECK(back["RestartCount"] == 1);
  CHECK(back["Id"] == always_id);
  std::this_thread::sleep_for(300ms);
  CHECK(inspect(daemon, "pu")["State"]["Status"] == "exited");
  CHECK(inspect(daemon, "pn")["State"]["Status"] == "exited");
  CHECK(daemon.gockerctl({"rm", "-f", "pa", "pu", "pn"}).exit_code == 0);
}

TEST_CASE("labels: --label and --label-file kept, shown by inspect and ps, filterable") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string label_file = daemon.temp_dir() + "/labels";
  std::ofstream(label_file) << "# a comment\ntier=web\nflag\n";
  run_detached(daemon, {"--name", "labelled", "--label-file", label_file, "--label", "team=core", "busybox", "sleep", "1000"});
  run_detached(daemon, {"--name", "unlabelled", "busybox", "sleep", "1000"});
  const auto labels = inspect(daemon, "labelled")["Config"]["Labels"];
  INFO(labels.dump());
  CHECK(labels["tier"] == "web");
  CHECK(labels["team"] == "core");
  CHECK(labels["flag"] == "");
  const auto ps = daemon.gockerctl({"ps", "--filter", "label=tier=web", "--format", "{{.Names}}"});
  INFO(ps.describe());
  CHECK(trim(ps.out) == "labelled");
  const auto by_key = daemon.gockerctl({"ps", "--filter", "label=team", "--format", "{{.Names}}"});
  CHECK(trim(by_key.out) == "labelled");
  const auto listed = json::parse(daemon.http("GET", "/v1.41/containers/json?filters=" "%7B%22label%22%3A%5B%22tier%3Dweb%22%5D%7D").body);
  REQUIRE(listed.is_array());
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["Labels"]["team"] == "core");
  CHECK(daemon.gockerctl({"rm", "-f", "labelled", "unlabelled"}).exit_code == 0);
}

TEST_CASE("ps filters: status, exited, name, id, before/since; bad filters are 400") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string first = run_detached(daemon, {"--name", "pf-first", "busybox", "sh", "-c", "exit 3"});
  CHECK(trim(daemon.gockerctl({"wait", "pf-first"}).out) == "3");
  const std::string second = run_detached(daemon, {"--name", "pf-second", "busybox", "sleep", "1000"});
  const std::string third = run_detached(daemon, {"--name", "pf-third", "busybox", "sleep", "1000"});

  auto names = [&daemon](std::vector<std::string> args) {
    args.insert(args.begin(), "ps");
    args.insert(args.end(), {"--format", "{{.Names}}"});
    const auto result = daemon.gockerctl(args);
    INFO(result.describe());
    CHECK(result.exit_code == 0);
    return split_lines(trim(result.out));
  };
  CHECK(names({"--filter", "status=exited", "--filter", "name=pf-"}) == std::vector<std::string>{"pf-first"});
  CHECK(names({"-a", "--filter", "exited=3"}) == std::vector<std::string>{"pf-first"});
  CHECK(names({"-a", "--filter", "exited=0", "--filter", "name=pf-"}).empty());
  CHECK(names({"--filter", "status=running", "--filter", "name=pf-"}) == std::vector<std::string>{"pf-third", "pf-second"});
  CHECK(names({"--filter", "id=" + second.substr(0, 12)}) == std::vector<std::string>{"pf-second"});
  CHECK(names({"--filter", "before=pf-third", "--filter", "name=pf-"}) == std::vector<std::string>{"pf-second", "pf-first"});
  CHECK(names({"--filter", "since=pf-first", "--filter", "name=pf-"}) == std::vector<std::string>{"pf-third", "pf-second"});
  CHECK(names({"--filter", "name=^/pf-sec"}) == std::vector<std::string>{"pf-second"});

  CHECK(daemon.http("GET", "/v1.41/containers/json?filters=%7B%22colour%22%3A%5B%22red%22%5D%7D").status == 400);
  CHECK(daemon.http("GET", "/v1.41/containers/json?filters=%7B%22status%22%3A%5B%22napping%22%5D%7D").status == 400);
  CHECK(daemon.gockerctl({"rm", "-f", "pf-first", "pf-second", "pf-third"}).exit_code == 0);
  (void)first;
  (void)third;
}

TEST_CASE("events: create/start/die/destroy via the API with since/until and filters") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string since = unix_now();
  const auto run = daemon.gockerctl({"run", "--name", "ev-one", "--label", "ev=yes", "busybox", "sh", "-c", "exit 4"});
  CHECK(run.exit_code == 4);
  CHECK(daemon.gockerctl({"rm", "ev-one"}).exit_code == 0);
  const std::string until = std::to_string(std::time(nullptr) + 1);

  const auto events = daemon.http("GET", "/v1.41/events?since=" + since + "&until=" + until +
                                             "&filters=%7B%22container%22%3A%5B%22ev-one%22%5D%7D");
  INFO(events.describe());
  CHECK(events.status == 200);
  CHECK(events.header("Content-Type").value_or("") == "application/json");
  std::vector<std::string> actions;
  for (const auto& line : split_lines(events.body)) {
    if (line.empty()) continue;
    const auto event = json::parse(line);
    CHECK(event["Type"] == "container");
    CHECK(event["scope"] == "local");
    CHECK(event["Actor"]["Attributes"]["name"] == "ev-one");
    CHECK(event["Actor"]["Attributes"]["image"] == "busybox");
    CHECK(event["Actor"]["Attributes"]["ev"] == "yes");
    CHECK(event["status"] == event["Action"]);
    CHECK(event["timeNano"].get<int64_t>() / 1'000'000'000 == event["time"].get<int64_t>());
    if (event["Action"] == "die") CHECK(event["Actor"]["Attributes"]["exitCode"] == "4");
    actions.push_back(event["Action"]);
  }
  // The attach event may land before or after start (the CLI starts once it has the attach head).
  INFO("actions: " << json(actions).dump());
  CHECK(std::count(actions.begin(), actions.end(), "attach") == 1);
  std::erase(actions, "attach");
  CHECK(actions == std::vector<std::string>{"create", "start", "die", "destroy"});

  // docker-py's list encoding and the CLI's map-of-bools both filter by event.
  const auto only_die = daemon.http("GET", "/v1.41/events?since=" + since + "&until=" + until +
                                               "&filters=%7B%22event%22%3A%7B%22die%22%3Atrue%7D%2C%22label%22%3A%5B%22ev%3Dyes%22%5D%7D");
  CHECK(split_lines(trim(only_die.body)).size() == 1);
  CHECK(daemon.http("GET", "/v1.41/events?filters=%7B%22colour%22%3A%5B%22red%22%5D%7D").status == 400);
  CHECK(daemon.http("GET", "/v1.41/events?since=yesterday").status == 400);
}

TEST_CASE("events: a live stream sees what happens after it starts and ends at until") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  // --since covers a client that connects after the run began (a loaded CI machine once took over
  // the half second this test used to sleep for): what it missed is replayed, the rest streamed live.
  const std::string since = unix_now();
  const std::string until = std::to_string(std::time(nullptr) + 4);
  auto watcher = std::async(std::launch::async, [&daemon, since, until] {
    return daemon.gockerctl({"events", "--since", since, "--until", until, "--filter", "container=ev-live"});
  });
  CHECK(daemon.gockerctl({"run", "--rm", "--name", "ev-live", "busybox", "true"}).exit_code == 0);
  const auto result = watcher.get();
  INFO(result.describe());
  CHECK(result.exit_code == 0);
  const auto lines = split_lines(trim(result.out));
  REQUIRE(lines.size() >= 4);
  CHECK(std::regex_search(lines.front(), std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z container create [0-9a-f]{64} \(image=busybox, name=ev-live\)$)")));
  CHECK(contains(result.out, " container start "));
  CHECK(contains(result.out, " container die "));
  CHECK(contains(result.out, "exitCode=0"));
  CHECK(contains(result.out, " container destroy "));
}

TEST_CASE("docker CLI: restart, rename, events, ps --filter") {
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  if (!have_docker()) return;
  const std::string since = unix_now();
  auto run = daemon.docker({"run", "-d", "--name", "dk-one", "--label", "k=v", "--restart", "on-failure:1", "busybox", "sleep", "1000"});
  INFO(run.describe());
  REQUIRE(run.exit_code == 0);
  const auto before = daemon.docker({"inspect", "--format", "{{.State.StartedAt}}", "dk-one"}).out;
  auto restart = daemon.docker({"restart", "-t", "1", "dk-one"});
  INFO(restart.describe());
  CHECK(restart.exit_code == 0);
  CHECK(daemon.docker({"inspect", "--format", "{{.State.StartedAt}}", "dk-one"}).out != before);
  CHECK(trim(daemon.docker({"inspect", "--format", "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}", "dk-one"}).out) ==
        "on-failure:1");
  auto rename = daemon.docker({"rename", "dk-one", "dk-two"});
  INFO(rename.describe());
  CHECK(rename.exit_code == 0);
  CHECK(trim(daemon.docker({"ps", "--filter", "name=dk-two", "--format", "{{.Names}}"}).out) == "dk-two");
  CHECK(trim(daemon.docker({"ps", "--filter", "label=k=v", "--format", "{{.Names}} {{.Label \"k\"}}"}).out) == "dk-two v");
  CHECK(daemon.docker({"rm", "-f", "dk-two"}).exit_code == 0);
  CHECK(daemon.docker({"run", "--name", "dk-exit", "busybox", "sh", "-c", "exit 2"}).exit_code == 2);
  CHECK(trim(daemon.docker({"ps", "-a", "--filter", "status=exited", "--filter", "name=dk-exit", "--format", "{{.Names}} {{.Status}}"}).out)
            .rfind("dk-exit Exited (2)", 0) == 0);
  CHECK(daemon.docker({"rm", "dk-exit"}).exit_code == 0);

  const std::string until = std::to_string(std::time(nullptr) + 1);
  auto events = daemon.docker({"events", "--since", since, "--until", until, "--filter", "container=dk-exit"});
  INFO(events.describe());
  CHECK(events.exit_code == 0);
  for (const char* action : {" container create ", " container start ", " container die ", " container destroy "})
    CHECK_MESSAGE(contains(events.out, action), action);
  auto json_events = daemon.docker({"events", "--since", since, "--until", until, "--filter", "event=rename", "--format", "{{json .}}"});
  INFO(json_events.describe());
  const auto renamed = json::parse(trim(json_events.out));
  CHECK(renamed["Action"] == "rename");
  CHECK(renamed["Actor"]["Attributes"]["oldName"] == "/dk-one");
  CHECK(renamed["Actor"]["Attributes"]["name"] == "dk-two");
}
