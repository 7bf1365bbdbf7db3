// The cgroup v1 driver against a temp directory laid out like /sys/fs/cgroup on a v1 host.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "runtime/cgroups/cgroup_driver.hpp"
#include "cgroup_fixture.hpp"

namespace gocker::runtime {
namespace {

using test::exists;
using test::kernel_populate;
using test::read_file;
using test::TempDir;
using test::write_file;

// This host's layout: one hierarchy per controller, plus ones gocker leaves alone.
void make_separate_layout(const std::string& root) {
  for (const char* dir : {"blkio", "cpu", "cpuacct", "devices", "freezer", "memory", "pids", "systemd", "unified"}) {
    std::filesystem::create_directories(root + "/" + dir);
  }
  write_file(root + "/cpuset/cpuset.cpus", "0-3\n");
  write_file(root + "/cpuset/cpuset.mems", "0\n");
}

TEST_CASE("v1 uses one directory per hierarchy it finds, in a fixed order") {
  TempDir root;
  make_separate_layout(root.path());
  auto driver = make_cgroup_v1_driver(root.path());
  CHECK(driver->version() == CgroupVersion::V1);
  const std::string& r = root.path();
  CHECK(driver->paths("gocker/c1") == std::vector<std::string>{
                                          r + "/memory/gocker/c1", r + "/cpu/gocker/c1", r + "/cpuacct/gocker/c1",
                                          r + "/cpuset/gocker/c1", r + "/pids/gocker/c1", r + "/devices/gocker/c1",
                                          r + "/freezer/gocker/c1", r + "/blkio/gocker/c1"});
}

TEST_CASE("v1 combined cpu,cpuacct hierarchy is used once, systemd's symlinks are ignored") {
  TempDir root;
  const std::string& r = root.path();
  for (const char* dir : {"cpu,cpuacct", "memory", "pids", "net_cls,net_prio"}) {
    std::filesystem::create_directories(r + "/" + dir);
  }
  std::filesystem::create_directory_symlink("cpu,cpuacct", r + "/cpu");
  std::filesystem::create_directory_symlink("cpu,cpuacct", r + "/cpuacct");
  auto driver = make_cgroup_v1_driver(r);
  CHECK(driver->paths("/gocker/x/") == std::vector<std::string>{r + "/memory/gocker/x", r + "/cpu,cpuacct/gocker/x",
                                                                r + "/pids/gocker/x", r + "/net_cls,net_prio/gocker/x"});

  REQUIRE(driver->create("gocker/x"));
  kernel_populate(r + "/cpu,cpuacct/gocker/x", {"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us"});
  CgroupLimits limits;
  limits.cpu_shares = 256;
  limits.cpu_quota = 25000;
  REQUIRE(driver->set_limits("gocker/x", limits));
  CHECK(read_file(r + "/cpu,cpuacct/gocker/x/cpu.shares") == "256");
  CHECK(read_file(r + "/cpu,cpuacct/gocker/x/cpu.cfs_quota_us") == "25000");
}

TEST_CASE("v1 create makes the directories with parents and fills cpuset at every level") {
  TempDir root;
  const std::string& r = root.path();
  make_separate_layout(r);
  // The kernel gives every new cpuset cgroup empty cpus/mems files; the fixture makes them up front.
  kernel_populate(r + "/cpuset/gocker", {"cpuset.cpus", "cpuset.mems"});
  kernel_populate(r + "/cpuset/gocker/c1", {"cpuset.cpus", "cpuset.mems"});
  auto driver = make_cgroup_v1_driver(r);
  Status created = driver->create("gocker/c1");
  REQUIRE_MESSAGE(created, (created ? "" : created.error().message));
  for (const std::string& dir : driver->paths("gocker/c1")) CHECK_MESSAGE(std::filesystem::is_directory(dir), dir);
  CHECK(read_file(r + "/cpuset/gocker/cpuset.cpus") == "0-3");
  CHECK(read_file(r + "/cpuset/gocker/cpuset.mems") == "0");
  CHECK(read_file(r + "/cpuset/gocker/c1/cpuset.cpus") == "0-3");
  CHECK(read_file(r + "/cpuset/gocker/c1/cpuset.mems") == "0");
  // Idempotent: a second create changes nothing and does not fail on existing directories.
  REQUIRE(driver->create("gocker/c1"));
  CHECK(read_file(r + "/cpuset/gocker/c1/cpuset.cpus") == "0-3");
}

TEST_CASE("v1 create keeps a configured parent cpuset and the child inherits it, not the root's") {
  TempDir root;
  const std::string& r = root.path();
  make_separate_layout(r);
  kernel_populate(r + "/cpuset/gocker/c2", {"cpuset.cpus", "cpuset.mems"});
  write_file(r + "/cpuset/gocker/cpuset.cpus", "1\n");  // an admin pinned all containers to cpu 1
  write_file(r + "/cpuset/gocker/cpuset.mems", "0\n");
  auto driver = make_cgroup_v1_driver(r);
  REQUIRE(driver->create("gocker/c2"));
  CHECK(read_file(r + "/cpuset/gocker/cpuset.cpus") == "1\n");
  CHECK(read_file(r + "/cpuset/gocker/c2/cpuset.cpus") == "1");
}

TEST_CASE("v1 a failed create removes the leaves it made") {
  TempDir root;
  const std::string& r = root.path();
  make_separate_layout(r);
  std::filesystem::remove(r + "/cpuset/cpuset.cpus");  // nothing to inherit: the cpuset step fails
  kernel_populate(r + "/cpuset/gocker", {"cpuset.cpus", "cpuset.mems"});
  auto driver = make_cgroup_v1_driver(r);
  Status created = driver->create("gocker/c1");
  REQUIRE_FALSE(created);
  CHECK(created.error().message == "create cgroup \"gocker/c1\": inherit cpuset: read \"" + r +
                                       "/cpuset/cpuset.cpus\": No such file or directory");
  for (const std::string& dir : driver->paths("gocker/c1")) CHECK_MESSAGE(!exists(dir), dir);
  CHECK(exists(r + "/memory/gocker"));  // parents may be shared with concurrent creates: kept
}

TEST_CASE("v1 create refuses bad paths and a root without hierarchies") {
  TempDir root;
  auto empty = make_cgroup_v1_driver(root.path());
  Status created = empty->create("gocker/c1");
  REQUIRE_FALSE(created);
  CHECK(created.error().kind == ErrorKind::Unavailable);
  CHECK(created.error().message == "create cgroup \"gocker/c1\": no cgroup v1 controller hierarchies under \"" +
                                       root.path() + "\"");
  make_separate_layout(root.path());
  auto driver = make_cgroup_v1_driver(root.path());
  CHECK(driver->create("../escape").error().kind == ErrorKind::InvalidArgument);
  CHECK_FALSE(exists(root.path() + "/memory/escape"));
}

struct V1Container {
  TempDir root;
  std::unique_ptr<CgroupDriver> driver;
  std::string memory, cpu, cpuset, pids;

  explicit V1Container(bool swap_accounting = true) {
    const std::string& r = root.path();
    make_separate_layout(r);
    kernel_populate(r + "/cpuset/gocker/c1", {"cpuset.cpus", "cpuset.mems", "cgroup.procs"});
    kernel_populate(r + "/cpuset/gocker", {"cpuset.cpus", "cpuset.mems"});
    driver = make_cgroup_v1_driver(r);
    REQUIRE(driver->create("gocker/c1"));
    memory = r + "/memory/gocker/c1";
    cpu = r + "/cpu/gocker/c1";
    cpuset = r + "/cpuset/gocker/c1";
    pids = r + "/pids/gocker/c1";
    kernel_populate(memory, {"memory.limit_in_bytes", "memory.oom_control", "cgroup.procs"});
    write_file(memory + "/memory.limit_in_bytes", "9223372036854771712\n");
    if (swap_accounting) kernel_populate(memory, {"memory.memsw.limit_in_bytes"});
    kernel_populate(cpu, {"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cgroup.procs"});
    kernel_populate(pids, {"pids.max", "cgroup.procs"});
    for (const char* other : {"cpuacct", "devices", "freezer", "blkio"}) {
      kernel_populate(r + "/" + other + "/gocker/c1", {"cgroup.procs"});
    }
  }
};

TEST_CASE("v1 set_limits lands every limit in its hierarchy's file") {
  V1Container container;
  CgroupLimits limits;
  limits.memory_limit = 64 * 1024 * 1024;
  limits.memory_swap = 128 * 1024 * 1024;
  limits.cpu_shares = 512;
  limits.cpu_quota = 50000;
  limits.cpu_period = 100000;
  limits.cpuset_cpus = "0";
  limits.cpuset_mems = "0";
  limits.pids_limit = 50;
  Status set = container.driver->set_limits("gocker/c1", limits);
  REQUIRE_MESSAGE(set, (set ? "" : set.error().message));
  CHECK(read_file(container.memory + "/memory.limit_in_bytes") == "67108864");
  CHECK(read_file(container.memory + "/memory.memsw.limit_in_bytes") == "134217728");
  CHECK(read_file(container.cpu + "/cpu.shares") == "512");
  CHECK(read_file(container.cpu + "/cpu.cfs_quota_us") == "50000");
  CHECK(read_file(container.cpu + "/cpu.cfs_period_us") == "100000");
  CHECK(read_file(container.cpuset + "/cpuset.cpus") == "0");
  CHECK(read_file(container.cpuset + "/cpuset.mems") == "0");
  CHECK(read_file(container.pids + "/pids.max") == "50");
}

TEST_CASE("v1 without swap accounting: memsw is skipped, the memory limit still applies") {
  V1Container container(/*swap_accounting=*/false);
  CgroupLimits limits;
  limits.memory_limit = 32 * 1024 * 1024;
  limits.memory_swap = 64 * 1024 * 1024;
  REQUIRE(container.driver->set_limits("gocker/c1", limits));
  CHECK(read_file(container.memory + "/memory.limit_in_bytes") == "33554432");
  CHECK_FALSE(exists(container.memory + "/memory.memsw.limit_in_bytes"));
}

TEST_CASE("v1 set_limits fails with the file, value and errno when a kernel file is missing") {
  V1Container container;
  std::filesystem::remove(container.pids + "/pids.max");
  CgroupLimits limits;
  limits.pids_limit = 10;
  Status set = container.driver->set_limits("gocker/c1", limits);
  REQUIRE_FALSE(set);
  CHECK(set.error().message == "set limits on cgroup \"gocker/c1\": write \"10\" to \"" + container.pids +
                                   "/pids.max\": No such file or directory");
}

TEST_CASE("v1 a limit whose controller is not mounted is an error, not silently dropped") {
  TempDir root;
  std::filesystem::create_directories(root.path() + "/memory");
  auto driver = make_cgroup_v1_driver(root.path());
  REQUIRE(driver->create("c"));
  CgroupLimits limits;
  limits.pids_limit = 10;
  Status set = driver->set_limits("c", limits);
  REQUIRE_FALSE(set);
  CHECK(set.error().kind == ErrorKind::Unavailable);
  CHECK(set.error().message == "set limits on cgroup \"c\": the pids controller is not mounted under \"" +
                                   root.path() + "\"");
}

TEST_CASE("v1 add_pid writes the pid into cgroup.procs of every hierarchy") {
  V1Container container;
  REQUIRE(container.driver->add_pid("gocker/c1", 4242));
  for (const std::string& dir : container.driver->paths("gocker/c1")) {
    CHECK_MESSAGE(read_file(dir + "/cgroup.procs") == "4242", dir);
  }
}

TEST_CASE("v1 oom_kill_count reads oom_kill from memory.oom_control") {
  V1Container container;
  write_file(container.memory + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
  auto count = container.driver->oom_kill_count("gocker/c1");
  REQUIRE(count);
  CHECK(*count == 3);
  write_file(container.memory + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");  // kernel < 4.13
  CHECK_FALSE(container.driver->oom_kill_count("gocker/c1").has_value());
}

TEST_CASE("v1 destroy removes the leaf in every hierarchy, keeps the parent, and is idempotent") {
  TempDir root;
  const std::string& r = root.path();
  for (const char* dir : {"memory", "cpu", "pids"}) std::filesystem::create_directories(r + "/" + dir);
  auto driver = make_cgroup_v1_driver(r);
  REQUIRE(driver->create("gocker/c1"));
  REQUIRE(driver->destroy("gocker/c1"));
  for (const char* dir : {"memory", "cpu", "pids"}) {
    CHECK_FALSE(exists(r + "/" + dir + "/gocker/c1"));
    CHECK(exists(r + "/" + dir + "/gocker"));
  }
  CHECK(driver->destroy("gocker/c1"));
  CHECK(driver->destroy("gocker/never-created"));

  // A leaf that cannot be removed (a child cgroup under it) is reported with its path, and the
  // other hierarchies are still cleaned.
  REQUIRE(driver->create("gocker/c2/inner"));
  REQUIRE(driver->destroy("gocker/c2/inner"));
  std::filesystem::create_directories(r + "/cpu/gocker/c2/sub");
  Status destroyed = driver->destroy("gocker/c2");
  REQUIRE_FALSE(destroyed);
  CHECK(destroyed.error().message.find("destroy cgroup \"gocker/c2\": remove cgroup \"" + r + "/cpu/gocker/c2\"") == 0);
  CHECK_FALSE(exists(r + "/memory/gocker/c2"));
  CHECK_FALSE(exists(r + "/pids/gocker/c2"));
}

TEST_CASE("v1 blkio: BFQ's weight file when there is one, else CFQ's; a missing one fails the limit") {
  TempDir root;
  const std::string& r = root.path();
  make_separate_layout(r);
  kernel_populate(r + "/cpuset/gocker", {"cpuset.cpus", "cpuset.mems"});
  kernel_populate(r + "/cpuset/gocker/b", {"cpuset.cpus", "cpuset.mems"});
  auto driver = make_cgroup_v1_driver(r);
  REQUIRE(driver->create("gocker/b"));
  const std::string dir = r + "/blkio/gocker/b";
  kernel_populate(dir, {"blkio.bfq.weight", "blkio.throttle.read_bps_device"});
  CgroupLimits limits;
  limits.block_io.weight = 500;
  limits.block_io.throttle_read_bps.push_back({254, 0, std::nullopt, std::nullopt, 1048576});
  REQUIRE(driver->set_limits("gocker/b", limits));
  CHECK(read_file(dir + "/blkio.bfq.weight") == "500");
  CHECK(read_file(dir + "/blkio.throttle.read_bps_device") == "254:0 1048576");

  // A CFQ kernel: blkio.weight.
  TempDir cfq_root;
  make_separate_layout(cfq_root.path());
  kernel_populate(cfq_root.path() + "/cpuset/gocker", {"cpuset.cpus", "cpuset.mems"});
  kernel_populate(cfq_root.path() + "/cpuset/gocker/b", {"cpuset.cpus", "cpuset.mems"});
  auto cfq = make_cgroup_v1_driver(cfq_root.path());
  REQUIRE(cfq->create("gocker/b"));
  kernel_populate(cfq_root.path() + "/blkio/gocker/b", {"blkio.weight"});
  CgroupLimits weight_only;
  weight_only.block_io.weight = 300;
  REQUIRE(cfq->set_limits("gocker/b", weight_only));
  CHECK(read_file(cfq_root.path() + "/blkio/gocker/b/blkio.weight") == "300");

  // Leaf weights were CFQ's: without the file the limit is refused, naming it.
  CgroupLimits leaf;
  leaf.block_io.leaf_weight = 300;
  Status refused = driver->set_limits("gocker/b", leaf);
  REQUIRE_FALSE(refused);
  CHECK_MESSAGE(refused.error().message.find("this kernel has no \"blkio.leaf_weight\"") != std::string::npos,
                refused.error().message);
}

}  // namespace
}  // namespace gocker::runtime
