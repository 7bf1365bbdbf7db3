// stats, top, pause/unpause and update against a real gockerd on this cgroup v1 host, driven by
// gockerctl, raw HTTP, curl (the streamed stats) and the docker CLI (skipped loudly when absent).
// What is asserted is what the kernel shows: freezer.state, cpuacct.usage standing still while
// paused, memory.limit_in_bytes and pids.max after an update.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
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

json inspect(const Daemon& daemon, const std::string& ref) {
  const auto response = daemon.http("GET", "/v1.41/containers/" + ref + "/json");
  INFO(response.describe());
  REQUIRE(response.status == 200);
  json parsed = json::parse(response.body, nullptr, false);
  REQUIRE(parsed.is_object());
  return parsed;
}

std::string cgroup_file(const Daemon& daemon, const std::string& id, const std::string& controller,
                        const std::string& file) {
  const auto directory = find_container_cgroup(controller, daemon.cgroup_parent(), id);
  INFO("no " << controller << " cgroup for " << id << " under " << daemon.cgroup_parent());
  REQUIRE(directory.has_value());
  const auto value = read_file(*directory + "/" + file);
  INFO("cannot read " << *directory << "/" << file);
  REQUIRE(value.has_value());
  return trim(*value);
}

uint64_t cpu_usage(const Daemon& daemon, const std::string& id) {
  return std::stoull(cgroup_file(daemon, id, "cpuacct", "cpuacct.usage"));
}

void remove_forcefully(const Daemon& daemon, const std::string& ref) {
  const auto result = daemon.gockerctl({"rm", "-f", ref});
  INFO("rm -f " << ref << ": " << result.describe());
  CHECK(result.exit_code == 0);
}

void require_cgroup_v1() {
  if (::access("/sys/fs/cgroup/freezer", F_OK) != 0 || ::access("/sys/fs/cgroup/cpuacct", F_OK) != 0) {
    skip_program("this test reads cgroup v1 files (freezer, cpuacct); /sys/fs/cgroup has no v1 hierarchies");
  }
}

}  // namespace

TEST_CASE("pause freezes every process and unpause resumes them") {
  require_cgroup_v1();
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string id = run_detached(daemon, {"--name", "spinner", "busybox", "sh", "-c", "while :; do :; done"});

  const auto paused = daemon.gockerctl({"pause", "spinner"});
  INFO(paused.describe());
  REQUIRE(paused.exit_code == 0);
  CHECK(paused.out == "spinner\n");
  CHECK(cgroup_file(daemon, id, "freezer", "freezer.state") == "FROZEN");
  // A busy loop that is really frozen uses no CPU at all.
  const uint64_t frozen_before = cpu_usage(daemon, id);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(cpu_usage(daemon, id) == frozen_before);

  const json state = inspect(daemon, "spinner").at("State");
  CHECK(state.at("Status") == "paused");
  CHECK(state.at("Paused") == true);
  CHECK(state.at("Running") == true);
  const auto listed = daemon.http("GET", "/v1.41/containers/json?filters=" + std::string("%7B%22status%22%3A%5B%22paused%22%5D%7D"));
  INFO(listed.describe());
  const json rows = json::parse(listed.body, nullptr, false);
  REQUIRE(rows.is_array());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].at("State") == "paused");
  CHECK(std::regex_match(rows[0].at("Status").get<std::string>(), std::regex("Up .* \\(Paused\\)")));

  const auto again = daemon.gockerctl({"pause", "spinner"});
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "is already paused"));
  const auto top_while_paused = daemon.http("GET", "/v1.41/containers/spinner/top");
  CHECK(top_while_paused.status == 200);

  const auto resumed = daemon.gockerctl({"unpause", "spinner"});
  INFO(resumed.describe());
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.out == "spinner\n");
  CHECK(cgroup_file(daemon, id, "freezer", "freezer.state") == "THAWED");
  const uint64_t thawed_before = cpu_usage(daemon, id);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(cpu_usage(daemon, id) > thawed_before);
  CHECK(inspect(daemon, "spinner").at("State").at("Status") == "running");
  const auto not_paused = daemon.gockerctl({"unpause", "spinner"});
  CHECK(not_paused.exit_code == 1);
  CHECK(contains(not_paused.err, "is not paused"));

  // stop of a paused container: the signal lands once it is thawed (sh as PID 1 ignores TERM, so
  // the KILL after 1 s ends it).
  REQUIRE(daemon.gockerctl({"pause", "spinner"}).exit_code == 0);
  const auto stopped = daemon.gockerctl({"stop", "-t", "1", "spinner"});
  INFO(stopped.describe());
  CHECK(stopped.exit_code == 0);
  CHECK(inspect(daemon, "spinner").at("State").at("Status") == "exited");
  const auto pause_stopped = daemon.http("POST", "/v1.41/containers/spinner/pause");
  CHECK(pause_stopped.status == 409);
  remove_forcefully(daemon, "spinner");

  // rm -f of a paused container.
  run_detached(daemon, {"--name", "frozen-rm", "busybox", "sleep", "1000"});
  REQUIRE(daemon.gockerctl({"pause", "frozen-rm"}).exit_code == 0);
  const auto removed = daemon.gockerctl({"rm", "-f", "frozen-rm"});
  INFO(removed.describe());
  CHECK(removed.exit_code == 0);
  CHECK(daemon.http("GET", "/v1.41/containers/frozen-rm/json").status == 404);
}

TEST_CASE("a paused container is still paused after a daemon restart, and unpauses") {
  require_cgroup_v1();
  Daemon daemon;  // its own: this test restarts it
  REQUIRE_DAEMON(daemon);
  const std::string id = run_detached(daemon, {"--name", "napper", "busybox", "sh", "-c", "while :; do :; done"});
  REQUIRE(daemon.gockerctl({"pause", "napper"}).exit_code == 0);
  REQUIRE(daemon.stop() == 0);
  REQUIRE_MESSAGE(daemon.start(), daemon.start_error());

  CHECK(cgroup_file(daemon, id, "freezer", "freezer.state") == "FROZEN");
  const json state = inspect(daemon, "napper").at("State");
  CHECK(state.at("Status") == "paused");
  CHECK(state.at("Paused") == true);
  const auto listed = daemon.gockerctl({"ps", "--filter", "status=paused", "--format", "{{.Names}} {{.Status}}"});
  INFO(listed.describe());
  CHECK(std::regex_match(listed.out, std::regex("napper Up .* \\(Paused\\)\n")));
  const auto exec = daemon.http("POST", "/v1.41/containers/napper/exec", R"({"Cmd":["true"]})");
  CHECK(exec.status == 409);

  const auto resumed = daemon.gockerctl({"unpause", "napper"});
  INFO(resumed.describe());
  REQUIRE(resumed.exit_code == 0);
  CHECK(cgroup_file(daemon, id, "freezer", "freezer.state") == "THAWED");
  CHECK(inspect(daemon, "napper").at("State").at("Status") == "running");
  REQUIRE(daemon.gockerctl({"rm", "-f", "napper"}).exit_code == 0);
}

TEST_CASE("stats report the cgroup's memory, cpu and pids") {
  require_cgroup_v1();
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string id = run_detached(daemon, {"--name", "measured", "-m", "64m", "busybox", "sh", "-c",
                                               "while :; do :; done"});
  const auto response = daemon.http("GET", "/v1.41/containers/measured/stats?stream=false");
  INFO(response.describe());
  REQUIRE(response.status == 200);
  const json stats = json::parse(response.body, nullptr, false);
  REQUIRE(stats.is_object());
  CHECK(stats.at("name") == "/measured");
  CHECK(stats.at("id") == id);
  CHECK(stats.at("memory_stats").at("usage").get<uint64_t>() > 0);
  CHECK(stats.at("memory_stats").at("limit") == 64 * 1024 * 1024);
  CHECK(stats.at("memory_stats").at("stats").contains("total_inactive_file"));
  CHECK(stats.at("pids_stats").at("current").get<uint64_t>() >= 1);
  const json& cpu = stats.at("cpu_stats");
  const json& precpu = stats.at("precpu_stats");
  CHECK(cpu.at("cpu_usage").at("total_usage").get<uint64_t>() > precpu.at("cpu_usage").at("total_usage").get<uint64_t>());
  CHECK(cpu.at("system_cpu_usage").get<uint64_t>() > precpu.at("system_cpu_usage").get<uint64_t>());
  CHECK(cpu.at("online_cpus").get<int>() >= 1);
  CHECK(cpu.at("cpu_usage").at("percpu_usage").is_array());
  CHECK(stats.at("preread") != "0001-01-01T00:00:00Z");

  const auto one_shot = daemon.http("GET", "/v1.41/containers/measured/stats?stream=false&one-shot=true");
  REQUIRE(one_shot.status == 200);
  CHECK(json::parse(one_shot.body).at("preread") == "0001-01-01T00:00:00Z");

  // The streamed form: a document per second until the client hangs up.
  const auto streamed = run_command({"curl", "-sN", "--max-time", "2.6", "--unix-socket", daemon.socket_path(),
                                     "http://localhost/v1.41/containers/measured/stats"});
  INFO(streamed.describe());
  CHECK(streamed.exit_code == 28);  // curl's "operation timed out": the stream did not end by itself
  const auto lines = split_lines(streamed.out);
  REQUIRE(lines.size() >= 2);
  const json first = json::parse(lines[0], nullptr, false);
  const json second = json::parse(lines[1], nullptr, false);
  REQUIRE(first.is_object());
  REQUIRE(second.is_object());
  CHECK(second.at("preread") == first.at("read"));

  const auto table = daemon.gockerctl({"stats", "--no-stream", "measured"});
  INFO(table.describe());
  CHECK(table.exit_code == 0);
  const auto table_lines = split_lines(table.out);
  REQUIRE(table_lines.size() == 2);
  CHECK(std::regex_search(table_lines[0], std::regex("^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$")));
  CHECK(std::regex_search(table_lines[1], std::regex("^" + id.substr(0, 12) + " +measured +[0-9.]+% +[0-9.]+[KMG]?i?B / 64MiB +[0-9.]+% ")));

  // A stopped container: zeros, at once.
  REQUIRE(daemon.gockerctl({"kill", "measured"}).exit_code == 0);
  REQUIRE(daemon.gockerctl({"wait", "measured"}).exit_code == 0);
  const auto stopped = daemon.http("GET", "/v1.41/containers/measured/stats?stream=false");
  REQUIRE(stopped.status == 200);
  const json zeros = json::parse(stopped.body);
  CHECK(zeros.at("read") == "0001-01-01T00:00:00Z");
  CHECK(zeros.at("cpu_stats").at("cpu_usage").at("total_usage") == 0);
  CHECK(zeros.at("name") == "/measured");
  CHECK(daemon.http("GET", "/v1.41/containers/nosuch/stats?stream=false").status == 404);
  remove_forcefully(daemon, "measured");
}

TEST_CASE("top lists the container's processes like ps -ef") {
  require_cgroup_v1();
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  run_detached(daemon, {"--name", "topped", "busybox", "sleep", "1000"});
  const auto top = daemon.gockerctl({"top", "topped"});
  INFO(top.describe());
  REQUIRE(top.exit_code == 0);
  const auto lines = split_lines(top.out);
  REQUIRE(lines.size() == 2);
  CHECK(std::regex_search(lines[0], std::regex("^UID +PID +PPID +C +STIME +TTY +TIME +CMD$")));
  CHECK(std::regex_search(lines[1], std::regex("^root +[0-9]+ +[0-9]+ +[0-9]+ +\\S+ +\\? +00:00:00 +sleep 1000$")));
  const auto json_top = daemon.http("GET", "/v1.41/containers/topped/top?ps_args=-ef");
  REQUIRE(json_top.status == 200);
  const json parsed = json::parse(json_top.body);
  CHECK(parsed.at("Titles").size() == 8);
  CHECK(parsed.at("Processes").size() == 1);
  CHECK(daemon.http("GET", "/v1.41/containers/topped/top?ps_args=aux").status == 400);
  REQUIRE(daemon.gockerctl({"kill", "topped"}).exit_code == 0);
  REQUIRE(daemon.gockerctl({"wait", "topped"}).exit_code == 0);
  const auto stopped = daemon.http("GET", "/v1.41/containers/topped/top");
  CHECK(stopped.status == 409);
  CHECK(contains(stopped.body, "is not running"));
  remove_forcefully(daemon, "topped");
}

TEST_CASE("update changes the live cgroup and the stored HostConfig") {
  require_cgroup_v1();
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  const std::string id = run_detached(daemon, {"--name", "updated", "-m", "64m", "--pids-limit", "100", "busybox",
                                               "sh", "-c", "dd if=/dev/zero of=/dev/shm/fill bs=1M count=24; sleep 1000"});
  const auto updated = daemon.gockerctl({"update", "--memory", "128m", "--pids-limit", "50", "--cpu-shares", "512",
                                         "updated"});
  INFO(updated.describe());
  REQUIRE(updated.exit_code == 0);
  CHECK(updated.out == "updated\n");
  CHECK(cgroup_file(daemon, id, "memory", "memory.limit_in_bytes") == std::to_string(128 * 1024 * 1024));
  CHECK(cgroup_file(daemon, id, "pids", "pids.max") == "50");
  CHECK(cgroup_file(daemon, id, "cpu", "cpu.shares") == "512");
  const json host = inspect(daemon, "updated").at("HostConfig");
  CHECK(host.at("Memory") == 128 * 1024 * 1024);
  CHECK(host.at("PidsLimit") == 50);
  CHECK(host.at("CpuShares") == 512);

  // Below what the container holds in /dev/shm (tmpfs pages cannot be reclaimed without swap):
  // a clear error, and nothing changes.
  for (int i = 0; i < 100; ++i) {
    if (std::stoull(cgroup_file(daemon, id, "memory", "memory.usage_in_bytes")) >= 24u * 1024 * 1024) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto refused = daemon.gockerctl({"update", "--memory", "8m", "updated"});
  INFO(refused.describe());
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "unable to set memory limit to 8388608"));
  CHECK(contains(refused.err, "current usage"));
  CHECK(cgroup_file(daemon, id, "memory", "memory.limit_in_bytes") == std::to_string(128 * 1024 * 1024));
  CHECK(inspect(daemon, "updated").at("HostConfig").at("Memory") == 128 * 1024 * 1024);

  const auto no_flags = daemon.gockerctl({"update", "updated"});
  CHECK(no_flags.exit_code != 0);

  // The stored values apply on the next start.
  REQUIRE(daemon.gockerctl({"kill", "updated"}).exit_code == 0);
  REQUIRE(daemon.gockerctl({"wait", "updated"}).exit_code == 0);
  const auto update_stopped = daemon.gockerctl({"update", "--pids-limit", "33", "updated"});
  INFO(update_stopped.describe());
  CHECK(update_stopped.exit_code == 0);
  REQUIRE(daemon.gockerctl({"start", "updated"}).exit_code == 0);
  CHECK(cgroup_file(daemon, id, "pids", "pids.max") == "33");
  CHECK(cgroup_file(daemon, id, "memory", "memory.limit_in_bytes") == std::to_string(128 * 1024 * 1024));
  remove_forcefully(daemon, "updated");
}

TEST_CASE("the docker CLI's stats, top, pause, unpause and update work against gockerd") {
  require_cgroup_v1();
  const std::string docker = docker_cli_path();
  if (docker.empty()) {
    MESSAGE("SKIP (this case): no docker CLI at /usr/bin/docker or /usr/local/bin/docker");
    return;
  }
  auto& daemon = shared_daemon();
  REQUIRE_DAEMON(daemon);
  auto cli = [&](std::vector<std::string> args) { return daemon.docker(std::move(args)); };
  MESSAGE("docker CLI: " << docker << ": " << trim(cli({"--version"}).out));
  const std::string id = run_detached(daemon, {"--name", "dockered", "-m", "32m", "busybox", "sleep", "1000"});

  const auto stats = cli({"stats", "--no-stream", "dockered"});
  INFO(stats.describe());
  CHECK(stats.exit_code == 0);
  const auto stats_lines = split_lines(stats.out);
  REQUIRE(stats_lines.size() == 2);
  CHECK(contains(stats_lines[0], "MEM USAGE / LIMIT"));
  CHECK(std::regex_search(stats_lines[1], std::regex("^" + id.substr(0, 12) + " +dockered +[0-9.]+% +[0-9.]+[KMG]?i?B / 32MiB +[0-9.]+% .* 1$")));

  const auto top = cli({"top", "dockered"});
  INFO(top.describe());
  CHECK(top.exit_code == 0);
  CHECK(contains(top.out, "sleep 1000"));
  CHECK(contains(top.out, "PID"));

  const auto paused = cli({"pause", "dockered"});
  INFO(paused.describe());
  CHECK(paused.exit_code == 0);
  CHECK(cgroup_file(daemon, id, "freezer", "freezer.state") == "FROZEN");
  const auto ps = cli({"ps", "--filter", "name=dockered", "--format", "{{.Status}}"});
  CHECK(std::regex_search(ps.out, std::regex("^Up .* \\(Paused\\)\n$")));
  const auto state = cli({"inspect", "--format", "{{.State.Status}} {{.State.Paused}}", "dockered"});
  CHECK(state.out == "paused true\n");
  const auto resumed = cli({"unpause", "dockered"});
  INFO(resumed.describe());
  CHECK(resumed.exit_code == 0);
  CHECK(cgroup_file(daemon, id, "freezer", "freezer.state") == "THAWED");

  const auto updated = cli({"update", "--memory", "96m", "--memory-swap", "192m", "--pids-limit", "20", "dockered"});
  INFO(updated.describe());
  CHECK(updated.exit_code == 0);
  CHECK(cgroup_file(daemon, id, "memory", "memory.limit_in_bytes") == std::to_string(96 * 1024 * 1024));
  CHECK(cgroup_file(daemon, id, "pids", "pids.max") == "20");
  const auto memory = cli({"inspect", "--format", "{{.HostConfig.Memory}}", "dockered"});
  CHECK(memory.out == std::to_string(96 * 1024 * 1024) + "\n");

  // rm -f of a paused container through the CLI.
  CHECK(cli({"pause", "dockered"}).exit_code == 0);
  const auto removed = cli({"rm", "-f", "dockered"});
  INFO(removed.describe());
  CHECK(removed.exit_code == 0);
}
