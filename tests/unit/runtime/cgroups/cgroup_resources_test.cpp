// freeze/thaw, stats and pids of the cgroup drivers against temp directories shaped like cgroupfs
// (the test plays the kernel: it writes the files the kernel would update).
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "cgroup_fixture.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"
#include "runtime/cgroups/cgroup_resources.hpp"

namespace gocker::runtime {
namespace {

using test::kernel_populate;
using test::read_file;
using test::TempDir;
using test::write_file;

// A v2 leaf "gocker/c1" with the files stats reads.
struct V2Leaf {
  TempDir root;
  std::string dir = root.path() + "/gocker/c1";
  V2Leaf() {
    kernel_populate(dir, {"cgroup.procs", "cgroup.freeze", "cgroup.events"});
    write_file(dir + "/cgroup.events", "populated 1\nfrozen 0\n");
  }
};

TEST_CASE("v2 freeze writes cgroup.freeze and returns once cgroup.events says frozen (resources)") {
  V2Leaf leaf;
  // The "kernel": once cgroup.freeze reads 1, report the cgroup frozen a little later.
  std::atomic<bool> stop{false};
  std::thread kernel([&] {
    while (!stop) {
      if (read_file(leaf.dir + "/cgroup.freeze") == "1") {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        write_file(leaf.dir + "/cgroup.events", "populated 1\nfrozen 1\n");
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  auto driver = make_cgroup_v2_driver(leaf.root.path());
  const auto started = std::chrono::steady_clock::now();
  Status frozen = driver->freeze("gocker/c1");
  const auto took = std::chrono::steady_clock::now() - started;
  stop = true;
  kernel.join();
  REQUIRE_MESSAGE(frozen, (frozen ? "" : frozen.error().message));
  CHECK(read_file(leaf.dir + "/cgroup.freeze") == "1");
  CHECK(read_file(leaf.dir + "/cgroup.events") == "populated 1\nfrozen 1\n");
  // It waited for the event rather than returning at once.
  CHECK(took >= std::chrono::milliseconds(40));
}

TEST_CASE("v2 thaw of a frozen cgroup waits for frozen 0 (resources)") {
  V2Leaf leaf;
  write_file(leaf.dir + "/cgroup.events", "populated 1\nfrozen 1\n");
  std::thread kernel([&] {
    for (int i = 0; i < 1000; ++i) {
      if (read_file(leaf.dir + "/cgroup.freeze") == "0") {
        write_file(leaf.dir + "/cgroup.events", "populated 1\nfrozen 0\n");
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  Status thawed = make_cgroup_v2_driver(leaf.root.path())->thaw("gocker/c1");
  kernel.join();
  REQUIRE_MESSAGE(thawed, (thawed ? "" : thawed.error().message));
  CHECK(read_file(leaf.dir + "/cgroup.freeze") == "0");
}

TEST_CASE("v2 freeze times out and thaws again when cgroup.events never reports frozen (resources)") {
  V2Leaf leaf;
  Status frozen = set_cgroup_v2_frozen(leaf.dir, true, std::chrono::milliseconds(100));
  REQUIRE_FALSE(frozen);
  CHECK(frozen.error().kind == ErrorKind::Unavailable);
  CHECK(frozen.error().message.find("frozen 1") != std::string::npos);
  CHECK(read_file(leaf.dir + "/cgroup.freeze") == "0");
}

TEST_CASE("v2 freeze of a missing cgroup names the file (resources)") {
  TempDir root;
  Status frozen = make_cgroup_v2_driver(root.path())->freeze("gocker/absent");
  REQUIRE_FALSE(frozen);
  CHECK(frozen.error().message.find("cgroup.events") != std::string::npos);
}

TEST_CASE("v2 stats reads memory, cpu.stat and pids (resources)") {
  V2Leaf leaf;
  write_file(leaf.dir + "/memory.current", "1048576\n");
  write_file(leaf.dir + "/memory.peak", "2097152\n");
  write_file(leaf.dir + "/memory.max", "67108864\n");
  write_file(leaf.dir + "/memory.stat", "anon 524288\nfile 4096\ninactive_file 4096\n");
  write_file(leaf.dir + "/cpu.stat",
             "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 2\nthrottled_usec 30\n");
  write_file(leaf.dir + "/pids.current", "3\n");
  write_file(leaf.dir + "/pids.max", "max\n");
  write_file(leaf.dir + "/cgroup.procs", "101\n102\n103\n");
  auto driver = make_cgroup_v2_driver(leaf.root.path());
  auto stats = driver->stats("gocker/c1");
  REQUIRE_MESSAGE(stats, (stats ? "" : stats.error().message));
  CHECK(stats->memory_usage == 1048576);
  CHECK(stats->memory_max_usage == 2097152);
  CHECK(stats->memory_limit == 67108864);
  REQUIRE(stats->memory_stat.size() == 3);
  CHECK(stats->memory_stat[2] == std::pair<std::string, uint64_t>{"inactive_file", 4096});
  CHECK(stats->cpu_total_nanos == 1'500'000);
  CHECK(stats->cpu_user_nanos == 1'000'000);
  CHECK(stats->cpu_system_nanos == 500'000);
  CHECK(stats->cpu_per_cpu_nanos.empty());
  CHECK(stats->throttling_periods == 7);
  CHECK(stats->throttled_periods == 2);
  CHECK(stats->throttled_nanos == 30'000);
  CHECK(stats->pids_current == 3);
  CHECK(stats->pids_limit == 0);  // "max"
  auto pids = driver->pids("gocker/c1");
  REQUIRE(pids);
  CHECK(*pids == std::vector<pid_t>{101, 102, 103});
}

TEST_CASE("v2 stats without the memory and pids controllers leaves them 0 (resources)") {
  V2Leaf leaf;
  write_file(leaf.dir + "/cpu.stat", "usage_usec 10\nuser_usec 5\nsystem_usec 5\n");
  auto stats = make_cgroup_v2_driver(leaf.root.path())->stats("gocker/c1");
  REQUIRE_MESSAGE(stats, (stats ? "" : stats.error().message));
  CHECK(stats->memory_usage == 0);
  CHECK(stats->memory_limit == 0);
  CHECK(stats->pids_current == 0);
  CHECK(stats->cpu_total_nanos == 10'000);
}

TEST_CASE("v2 set_limits refuses a memory limit below the unreclaimable usage and writes nothing (resources)") {
  V2Leaf leaf;
  write_file(leaf.dir + "/memory.current", "50000000\n");
  write_file(leaf.dir + "/memory.stat", "anon 40000000\nfile 10000000\n");
  write_file(leaf.dir + "/memory.max", "max\n");
  write_file(leaf.dir + "/memory.swap.max", "max\n");
  auto driver = make_cgroup_v2_driver(leaf.root.path());
  CgroupLimits limits;
  limits.memory_limit = 20'000'000;
  Status refused = driver->set_limits("gocker/c1", limits);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::InvalidArgument);
  CHECK(refused.error().message.find("unable to set memory limit to 20000000 bytes") != std::string::npos);
  CHECK(read_file(leaf.dir + "/memory.max") == "max\n");
  // Above what cannot be reclaimed (page cache may go): accepted.
  limits.memory_limit = 45'000'000;
  Status accepted = driver->set_limits("gocker/c1", limits);
  REQUIRE_MESSAGE(accepted, (accepted ? "" : accepted.error().message));
  CHECK(read_file(leaf.dir + "/memory.max") == "45000000");
}

TEST_CASE("v1 stats reads memory, cpuacct, cpu and pids hierarchies (resources)") {
  TempDir root;
  const std::string memory = root.path() + "/memory/gocker/c1";
  const std::string cpuacct = root.path() + "/cpuacct/gocker/c1";
  const std::string cpu = root.path() + "/cpu/gocker/c1";
  const std::string pids = root.path() + "/pids/gocker/c1";
  write_file(memory + "/memory.usage_in_bytes", "4096000\n");
  write_file(memory + "/memory.max_usage_in_bytes", "8192000\n");
  write_file(memory + "/memory.limit_in_bytes", "9223372036854771712\n");
  write_file(memory + "/memory.stat", "cache 8192\nrss 4096\ntotal_inactive_file 1024\n");
  write_file(cpuacct + "/cpuacct.usage", "123456789\n");
  write_file(cpuacct + "/cpuacct.usage_percpu", "100000000 23456789 \n");
  write_file(cpuacct + "/cpuacct.stat", "user 7\nsystem 3\n");
  write_file(cpu + "/cpu.stat", "nr_periods 4\nnr_throttled 1\nthrottled_time 999\n");
  write_file(pids + "/pids.current", "2\n");
  write_file(pids + "/pids.max", "64\n");
  write_file(pids + "/cgroup.procs", "7\n9\n");
  auto driver = make_cgroup_v1_driver(root.path());
  auto stats = driver->stats("gocker/c1");
  REQUIRE_MESSAGE(stats, (stats ? "" : stats.error().message));
  CHECK(stats->memory_usage == 4096000);
  CHECK(stats->memory_max_usage == 8192000);
  CHECK(stats->memory_limit == 0);  // the page counter's "unlimited"
  CHECK(stats->memory_stat.size() == 3);
  CHECK(stats->cpu_total_nanos == 123456789);
  CHECK(stats->cpu_per_cpu_nanos == std::vector<uint64_t>{100000000, 23456789});
  const uint64_t tick = 1'000'000'000ULL / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
  CHECK(stats->cpu_user_nanos == 7 * tick);
  CHECK(stats->cpu_system_nanos == 3 * tick);
  CHECK(stats->throttled_periods == 1);
  CHECK(stats->throttled_nanos == 999);
  CHECK(stats->pids_current == 2);
  CHECK(stats->pids_limit == 64);
  auto listed = driver->pids("gocker/c1");
  REQUIRE(listed);
  CHECK(*listed == std::vector<pid_t>{7, 9});
}

TEST_CASE("v1 freeze and thaw write freezer.state and check it reads back (resources)") {
  TempDir root;
  const std::string freezer = root.path() + "/freezer/gocker/c1";
  kernel_populate(root.path() + "/memory", {});
  write_file(freezer + "/freezer.state", "THAWED\n");
  auto driver = make_cgroup_v1_driver(root.path());
  Status frozen = driver->freeze("gocker/c1");
  REQUIRE_MESSAGE(frozen, (frozen ? "" : frozen.error().message));
  CHECK(read_file(freezer + "/freezer.state") == "FROZEN");
  Status thawed = driver->thaw("gocker/c1");
  REQUIRE_MESSAGE(thawed, (thawed ? "" : thawed.error().message));
  CHECK(read_file(freezer + "/freezer.state") == "THAWED");
}

TEST_CASE("frozen() reads back what freeze asked for, on v1 and v2 (resources)") {
  TempDir v1_root;
  const std::string freezer = v1_root.path() + "/freezer/gocker/c1";
  kernel_populate(v1_root.path() + "/memory", {});
  write_file(freezer + "/freezer.state", "THAWED\n");
  auto v1 = make_cgroup_v1_driver(v1_root.path());  // finds the hierarchies that exist now
  for (const auto& state_and_frozen : {std::pair{"THAWED\n", false}, {"FREEZING\n", true}, {"FROZEN\n", true}}) {
    // Not a structured binding: clang 14 (the checked build) cannot capture one in CHECK_MESSAGE.
    const char* state = state_and_frozen.first;
    const bool frozen = state_and_frozen.second;
    write_file(freezer + "/freezer.state", state);
    auto read = v1->frozen("gocker/c1");
    REQUIRE_MESSAGE(read, (read ? "" : read.error().message));
    CHECK_MESSAGE(*read == frozen, state);
  }
  CHECK_FALSE(v1->frozen("gocker/absent"));

  V2Leaf leaf;
  auto v2 = make_cgroup_v2_driver(leaf.root.path());
  write_file(leaf.dir + "/cgroup.freeze", "1\n");
  auto read = v2->frozen("gocker/c1");
  REQUIRE_MESSAGE(read, (read ? "" : read.error().message));
  CHECK(*read);
  write_file(leaf.dir + "/cgroup.freeze", "0\n");
  read = v2->frozen("gocker/c1");
  REQUIRE(read);
  CHECK_FALSE(*read);
  auto absent = v2->frozen("gocker/absent");
  REQUIRE_FALSE(absent);
  CHECK(absent.error().message.find("gocker/absent") != std::string::npos);
}

TEST_CASE("v1 freeze without a freezer hierarchy is Unavailable (resources)") {
  TempDir root;
  kernel_populate(root.path() + "/memory", {});
  Status frozen = make_cgroup_v1_driver(root.path())->freeze("gocker/c1");
  REQUIRE_FALSE(frozen);
  CHECK(frozen.error().kind == ErrorKind::Unavailable);
  CHECK(frozen.error().message.find("freezer") != std::string::npos);
}

TEST_CASE("parse_keyed_file keeps numeric lines in order (resources)") {
  auto values = parse_keyed_file("a 1\nbad x\nb 22\n\nc 3");
  REQUIRE(values.size() == 3);
  CHECK(values[0] == std::pair<std::string, uint64_t>{"a", 1});
  CHECK(values[1] == std::pair<std::string, uint64_t>{"b", 22});
  CHECK(values[2] == std::pair<std::string, uint64_t>{"c", 3});
}

}  // namespace
}  // namespace gocker::runtime
