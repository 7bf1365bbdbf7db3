// The cgroup v2 driver against a temp directory laid out like a cgroup2 mount.
#include <doctest/doctest.h>

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

constexpr const char* kAllControllers = "cpuset cpu io memory hugetlb pids rdma misc\n";

// A cgroup2 root plus the intermediate "gocker" cgroup as the kernel would show it once the root
// delegates controllers to it (cgroup.controllers reflects the parent's subtree_control).
struct V2Root {
  TempDir root;
  std::string gocker;

  explicit V2Root(const char* root_controllers = kAllControllers) : gocker(root.path() + "/gocker") {
    write_file(root.path() + "/cgroup.controllers", root_controllers);
    write_file(root.path() + "/cgroup.subtree_control", "");
    kernel_populate(gocker, {"cgroup.subtree_control", "cgroup.procs", "cgroup.controllers"});
    write_file(gocker + "/cgroup.controllers", "cpuset cpu memory pids\n");
  }
  const std::string& path() const { return root.path(); }
};

TEST_CASE("v2 paths is the one directory under the root") {
  auto driver = make_cgroup_v2_driver("/sys/fs/cgroup");
  CHECK(driver->version() == CgroupVersion::V2);
  CHECK(driver->paths("gocker/abc") == std::vector<std::string>{"/sys/fs/cgroup/gocker/abc"});
  CHECK(driver->paths("/gocker/abc/") == std::vector<std::string>{"/sys/fs/cgroup/gocker/abc"});
}

TEST_CASE("v2 create enables controllers in every ancestor and none in the leaf") {
  V2Root root("cpuset cpu memory pids\n");
  auto driver = make_cgroup_v2_driver(root.path());
  Status created = driver->create("gocker/c1");
  REQUIRE_MESSAGE(created, (created ? "" : created.error().message));
  CHECK(read_file(root.path() + "/cgroup.subtree_control") == "+cpu +cpuset +memory +pids");
  CHECK(read_file(root.gocker + "/cgroup.subtree_control") == "+cpu +cpuset +memory +pids");
  CHECK(std::filesystem::is_directory(root.gocker + "/c1"));
  // No process went into an intermediate cgroup.
  CHECK(read_file(root.gocker + "/cgroup.procs").empty());
}

TEST_CASE("v2 create asks for hugetlb and io apart, after the others (best effort)") {
  V2Root root;
  auto driver = make_cgroup_v2_driver(root.path());
  REQUIRE(driver->create("gocker/c1"));
  // Each write replaces the fixture's file (the kernel would add to the list): the last one shows.
  CHECK(read_file(root.path() + "/cgroup.subtree_control") == "+io");
}

TEST_CASE("v2 create does not touch the leaf's subtree_control (it will hold processes)") {
  V2Root root;
  kernel_populate(root.gocker + "/c1", {"cgroup.subtree_control", "cgroup.controllers", "cgroup.procs"});
  write_file(root.gocker + "/c1/cgroup.controllers", "cpuset cpu memory pids\n");
  auto driver = make_cgroup_v2_driver(root.path());
  REQUIRE(driver->create("gocker/c1"));
  CHECK(read_file(root.gocker + "/c1/cgroup.subtree_control").empty());
}

TEST_CASE("v2 create enables only controllers the parent offers, and leaves enabled ones alone") {
  V2Root root("cpu rdma memory\n");
  write_file(root.gocker + "/cgroup.controllers", "cpu memory\n");
  write_file(root.gocker + "/cgroup.subtree_control", "cpu memory\n");  // already delegated
  auto driver = make_cgroup_v2_driver(root.path());
  REQUIRE(driver->create("gocker/c1"));
  CHECK(read_file(root.path() + "/cgroup.subtree_control") == "+cpu +memory");
  CHECK(read_file(root.gocker + "/cgroup.subtree_control") == "cpu memory\n");  // not rewritten
}

TEST_CASE("v2 create fails naming the ancestor when its interface files are missing") {
  TempDir root;  // not a cgroup2 root: no cgroup.controllers
  auto driver = make_cgroup_v2_driver(root.path());
  Status created = driver->create("gocker/c1");
  REQUIRE_FALSE(created);
  CHECK(created.error().message == "create cgroup \"gocker/c1\": read \"" + root.path() +
                                       "/cgroup.controllers\": No such file or directory");
  CHECK_FALSE(exists(root.path() + "/gocker"));
}

struct V2Container : V2Root {
  std::unique_ptr<CgroupDriver> driver;
  std::string leaf;

  explicit V2Container(bool swap_accounting = true) : driver(make_cgroup_v2_driver(path())), leaf(gocker + "/c1") {
    REQUIRE(driver->create("gocker/c1"));
    kernel_populate(leaf, {"cgroup.procs", "memory.max", "memory.events", "cpu.weight", "cpu.max", "cpuset.cpus",
                           "cpuset.mems", "pids.max"});
    if (swap_accounting) kernel_populate(leaf, {"memory.swap.max"});
  }
};

TEST_CASE("v2 set_limits writes each limit to its file with the right text") {
  V2Container container;
  CgroupLimits limits;
  limits.memory_limit = 64 * 1024 * 1024;
  limits.memory_swap = 96 * 1024 * 1024;
  limits.cpu_shares = 1024;
  limits.cpu_quota = 50000;
  limits.cpu_period = 100000;
  limits.cpuset_cpus = "0-1";
  limits.cpuset_mems = "0";
  limits.pids_limit = 50;
  Status set = container.driver->set_limits("gocker/c1", limits);
  REQUIRE_MESSAGE(set, (set ? "" : set.error().message));
  CHECK(read_file(container.leaf + "/memory.max") == "67108864");
  CHECK(read_file(container.leaf + "/memory.swap.max") == "33554432");
  CHECK(read_file(container.leaf + "/cpu.weight") == "39");
  CHECK(read_file(container.leaf + "/cpu.max") == "50000 100000");
  CHECK(read_file(container.leaf + "/cpuset.cpus") == "0-1");
  CHECK(read_file(container.leaf + "/cpuset.mems") == "0");
  CHECK(read_file(container.leaf + "/pids.max") == "50");

  CgroupLimits unlimited;
  unlimited.memory_limit = -1;
  unlimited.memory_swap = -1;
  unlimited.cpu_quota = -1;
  unlimited.pids_limit = 0;
  REQUIRE(container.driver->set_limits("gocker/c1", unlimited));
  CHECK(read_file(container.leaf + "/memory.max") == "max");
  CHECK(read_file(container.leaf + "/memory.swap.max") == "max");
  CHECK(read_file(container.leaf + "/cpu.max") == "max");
  CHECK(read_file(container.leaf + "/pids.max") == "max");
}

TEST_CASE("v2 without swap accounting: memory.swap.max is skipped, memory.max still applies") {
  V2Container container(/*swap_accounting=*/false);
  CgroupLimits limits;
  limits.memory_limit = 32 * 1024 * 1024;
  limits.memory_swap = 64 * 1024 * 1024;
  REQUIRE(container.driver->set_limits("gocker/c1", limits));
  CHECK(read_file(container.leaf + "/memory.max") == "33554432");
  CHECK_FALSE(exists(container.leaf + "/memory.swap.max"));
}

TEST_CASE("v2 a limit whose controller is not enabled fails with a hint") {
  V2Container container;
  std::filesystem::remove(container.leaf + "/pids.max");
  CgroupLimits limits;
  limits.pids_limit = 5;
  Status set = container.driver->set_limits("gocker/c1", limits);
  REQUIRE_FALSE(set);
  CHECK(set.error().sys_errno == ENOENT);
  CHECK(set.error().message ==
        "set limits on cgroup \"gocker/c1\" (is the pids controller enabled in the parent's cgroup.subtree_control?): "
        "write \"5\" to \"" + container.leaf + "/pids.max\": No such file or directory");
}

TEST_CASE("v2 add_pid writes only the leaf's cgroup.procs") {
  V2Container container;
  REQUIRE(container.driver->add_pid("gocker/c1", 777));
  CHECK(read_file(container.leaf + "/cgroup.procs") == "777");
  CHECK(read_file(container.gocker + "/cgroup.procs").empty());
}

TEST_CASE("v2 oom_kill_count reads oom_kill from memory.events") {
  V2Container container;
  write_file(container.leaf + "/memory.events", "low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n");
  auto count = container.driver->oom_kill_count("gocker/c1");
  REQUIRE(count);
  CHECK(*count == 2);
}

TEST_CASE("v2 destroy removes the leaf only and is idempotent") {
  V2Root root;
  auto driver = make_cgroup_v2_driver(root.path());
  REQUIRE(driver->create("gocker/c1"));
  REQUIRE(driver->destroy("gocker/c1"));
  CHECK_FALSE(exists(root.gocker + "/c1"));
  CHECK(exists(root.gocker));
  CHECK(driver->destroy("gocker/c1"));
  CHECK(driver->destroy("/gocker/c1/"));
  CHECK(driver->destroy("..").error().kind == ErrorKind::InvalidArgument);
}

}  // namespace
}  // namespace gocker::runtime
