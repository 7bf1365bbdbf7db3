// gocker-bench: the figures of issue 3's "Speed" table, measured against a gockerd of its own
// (temp root, own socket and cgroup parent, in its own mount and network namespace: the same
// harness the integration tests use, so it needs root). Not a test: it prints, it does not judge,
// except that it exits non-zero when the daemon does not work at all.
//
//   gocker-bench [--runs N] [--parallel N] [--running N] [--listed N]
//
// Besides the headline numbers it times each stage of one container's life through the API
// (create, start, wait, delete) so a slow run can be traced to its stage.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/figures.hpp"
#include "bench/runtime_cli_bench.hpp"
#include "tests/support/harness.hpp"

using namespace gocker::test;
using namespace gocker::bench;
using nlohmann::json;

namespace {

struct Settings {
  int runs = 30;
  int parallel = 50;
  int running = 50;
  int listed = 200;
};

// Runs `count` copies of make_argv(i) at once, one thread each; returns the wall time.
double run_at_once(const Daemon& daemon, int count, const std::vector<std::string>& args, int& failures) {
  std::vector<std::thread> threads;
  std::mutex mutex;
  failures = 0;
  const auto start = Clock::now();
  for (int index = 0; index < count; ++index) {
    threads.emplace_back([&daemon, &args, &mutex, &failures] {
      const auto result = daemon.gockerctl(args);
      if (result.exit_code != 0) {
        std::lock_guard lock(mutex);
        if (failures++ == 0) std::fprintf(stderr, "first failure: %s\n", result.describe().c_str());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return ms(Clock::now() - start);
}

std::string create_container(const Daemon& daemon, const std::string& command_json) {
  const auto response = daemon.http("POST", "/containers/create", R"({"Image":"busybox","Cmd":)" + command_json + "}");
  if (response.status != 201) {
    std::fprintf(stderr, "create: %s\n", response.describe().c_str());
    return "";
  }
  return json::parse(response.body, nullptr, false).value("Id", "");
}

void stage_timings(const Daemon& daemon) {
  std::vector<double> create, start, wait, remove, total;
  for (int round = 0; round < 10; ++round) {
    const auto begin = Clock::now();
    std::string id;
    create.push_back(time_ms([&] { id = create_container(daemon, R"(["true"])"); }));
    if (id.empty()) return;
    start.push_back(time_ms([&] { daemon.http("POST", "/containers/" + id + "/start"); }));
    wait.push_back(time_ms([&] { daemon.http("POST", "/containers/" + id + "/wait"); }));
    remove.push_back(time_ms([&] { daemon.http("DELETE", "/containers/" + id); }));
    total.push_back(ms(Clock::now() - begin));
  }
  std::printf("\nstages of one `true` container through the API (raw HTTP, no client process):\n");
  print_series("  POST /containers/create", create);
  print_series("  POST /containers/{id}/start", start);
  print_series("  POST /containers/{id}/wait (until exit)", wait);
  print_series("  DELETE /containers/{id}", remove);
  print_series("  all four", total);
  std::vector<double> ping, version;
  for (int round = 0; round < 20; ++round) {
    ping.push_back(time_ms([&] { daemon.http("GET", "/_ping"); }));
    version.push_back(time_ms([&] { daemon.gockerctl({"version"}); }));
  }
  print_series("  GET /_ping (connect + request)", ping);
  print_series("  gockerctl version (client process start)", version);
}

void print_memory(const char* what, std::optional<long> kb, const char* target) {
  if (kb) {
    std::printf("%-44s %8.2f MB %s\n", what, static_cast<double>(*kb) / 1024.0, target);
  } else {
    std::printf("%-44s unavailable\n", what);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  for (int index = 1; index + 1 < argc; index += 2) {
    const std::string flag = argv[index];
    const int value = std::atoi(argv[index + 1]);
    if (flag == "--runs") settings.runs = value;
    else if (flag == "--parallel") settings.parallel = value;
    else if (flag == "--running") settings.running = value;
    else if (flag == "--listed") settings.listed = value;
    else {
      std::fprintf(stderr, "usage: gocker-bench [--runs N] [--parallel N] [--running N] [--listed N]\n");
      return 2;
    }
  }
  settings.listed = std::max(settings.listed, settings.running);

  // The socket's group as an installed host has it (systemd/gocker.sysusers): a group found in
  // /etc/group. A missing one (the default "gocker" on a build machine) sends the lookup on to
  // systemd's NSS module, and glibc keeps a loaded NSS module mapped: 0.3 MB of idle RSS that an
  // installed daemon does not have.
  DaemonOptions options;
  options.extra_args = {"--group", "root"};
  Daemon daemon(options);
  if (!daemon.started()) {
    std::fprintf(stderr, "gocker-bench: gockerd did not start: %s\n", daemon.start_error().c_str());
    return 1;
  }
  std::printf("gocker-bench: gockerd %s (pid %d), root %s\n", gockerd_binary().c_str(), daemon.pid(),
              daemon.root().c_str());
  std::printf("%-44s %8lld ms\n", "daemon start to READY=1 (first start)", static_cast<long long>(daemon.startup_time().count()));
  print_memory("idle daemon RSS, fresh", process_rss_kb(daemon.pid()), "(target < 10 MB)");

  // Warm-up: page cache, the image's first use.
  for (int round = 0; round < 3; ++round) {
    const auto result = daemon.gockerctl({"run", "--rm", "busybox", "true"});
    if (result.exit_code != 0) {
      std::fprintf(stderr, "gocker-bench: `run --rm busybox true` fails: %s\n", result.describe().c_str());
      daemon.dump_log("bench");
      return 1;
    }
  }

  std::printf("\n");
  // Each round also runs one container without a network (an empty namespace, no veth), and one
  // without a network or a seccomp filter: the series, interleaved so that load on the machine
  // weighs on all alike, show what the default bridge's veth wiring and the filter cost.
  std::vector<double> runs, runs_without_network, runs_unconfined;
  for (int round = 0; round < settings.runs; ++round) {
    runs.push_back(time_ms([&] { daemon.gockerctl({"run", "--rm", "busybox", "true"}); }));
    runs_without_network.push_back(time_ms([&] { daemon.gockerctl({"run", "--rm", "--network", "none", "busybox", "true"}); }));
    runs_unconfined.push_back(time_ms([&] {
      daemon.gockerctl({"run", "--rm", "--network", "none", "--security-opt", "seccomp=unconfined", "busybox", "true"});
    }));
  }
  print_series("gockerctl run --rm busybox true", runs, "(target median < 25 ms)");
  print_series("  the same with --network none", runs_without_network);
  print_series("  ... and --security-opt seccomp=unconfined", runs_unconfined);

  int failures = 0;
  const double at_once = run_at_once(daemon, settings.parallel, {"run", "--rm", "busybox", "true"}, failures);
  std::printf("%-44s %8.0f ms wall, %d failed (target < 2000 ms)\n",
              (std::to_string(settings.parallel) + " such runs at once").c_str(), at_once, failures);

  stage_timings(daemon);
  runtime_cli_timings(settings.runs);

  std::printf("\n");
  // Idle means quiet for a moment: a second after its last connection the daemon gives the heap
  // pages the runs freed back to the kernel (server/idle_heap_trim.hpp).
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  print_memory("idle daemon RSS, after the runs", process_rss_kb(daemon.pid()), "(target < 10 MB)");

  const double started_running = run_at_once(daemon, settings.running, {"run", "-d", "busybox", "sleep", "1000"}, failures);
  std::printf("%-44s %8.0f ms wall, %d failed\n",
              ("start " + std::to_string(settings.running) + " detached sleep containers").c_str(), started_running,
              failures);
  std::vector<double> monitor_pss;
  for (pid_t pid : processes_using(daemon.temp_dir())) {
    if (process_comm(pid).rfind("gocker-mon", 0) != 0) continue;
    if (auto pss = process_pss_kb(pid)) monitor_pss.push_back(static_cast<double>(*pss));
  }
  if (monitor_pss.empty()) {
    std::printf("%-44s no gocker-monitor processes found\n", "per-container monitor PSS");
  } else {
    double sum = 0;
    for (double value : monitor_pss) sum += value;
    std::printf("%-44s median %6.0f kB, mean %6.0f kB, max %6.0f kB over %zu monitors (target < 512 kB)\n",
                "per-container monitor PSS", percentile(monitor_pss, 0.5), sum / static_cast<double>(monitor_pss.size()),
                percentile(monitor_pss, 1.0), monitor_pss.size());
  }
  print_memory(("daemon RSS with " + std::to_string(settings.running) + " running").c_str(),
               process_rss_kb(daemon.pid()), "");

  std::vector<double> creates;
  for (int index = settings.running; index < settings.listed; ++index) {
    creates.push_back(time_ms([&] { create_container(daemon, R"(["true"])"); }));
  }
  print_series(("create (API) up to " + std::to_string(settings.listed) + " containers").c_str(), creates);
  // The request and the whole response, as a client receives it; reading the JSON (the count
  // printed) is the client's work and stays out of the figure.
  std::vector<double> lists;
  size_t listed = 0;
  for (int round = 0; round < 20; ++round) {
    std::string body;
    lists.push_back(time_ms([&] { body = daemon.http("GET", "/containers/json?all=1").body; }));
    listed = json::parse(body, nullptr, false).size();
  }
  print_series(("GET /containers/json?all=1 (" + std::to_string(listed) + " listed)").c_str(), lists,
               "(target median < 5 ms)");
  std::vector<double> ps_times;
  for (int round = 0; round < 5; ++round) ps_times.push_back(time_ms([&] { daemon.gockerctl({"ps", "-a"}); }));
  print_series("gockerctl ps -a", ps_times);

  const auto all = json::parse(daemon.http("GET", "/containers/json?all=1").body, nullptr, false);
  std::vector<double> removals;
  const auto remove_start = Clock::now();
  if (all.is_array()) {
    for (const auto& container : all) {
      const std::string id = container.value("Id", "");
      removals.push_back(time_ms([&] { daemon.http("DELETE", "/containers/" + id + "?force=1"); }));
    }
  }
  std::printf("\n");
  print_series("DELETE ?force=1 (running and created mixed)", removals);
  std::printf("%-44s %8.0f ms\n", "remove all", ms(Clock::now() - remove_start));
  const int stop_status = daemon.stop();
  std::printf("%-44s exit %d\n", "gockerd SIGTERM", stop_status);
  return 0;
}
