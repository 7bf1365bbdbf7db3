// The file wrappers under both drivers: exact writes, error text, path handling, removal.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstring>

#include "runtime/cgroups/cgroup_driver.hpp"
#include "runtime/cgroups/cgroup_plan.hpp"
#include "cgroup_fixture.hpp"

namespace gocker::runtime {
namespace {

using test::TempDir;

TEST_CASE("write_cgroup_file replaces the content with exactly the value") {
  TempDir dir;
  const std::string path = dir.path() + "/pids.max";
  test::write_file(path, "max\n");
  REQUIRE(write_cgroup_file(path, "50"));
  CHECK(test::read_file(path) == "50");
  auto read = read_cgroup_file(path);
  REQUIRE(read);
  CHECK(*read == "50");
}

TEST_CASE("write_cgroup_file never creates a file and names file, value and errno text") {
  TempDir dir;
  const std::string path = dir.path() + "/memory.memsw.limit_in_bytes";
  Status written = write_cgroup_file(path, "1024");
  REQUIRE_FALSE(written);
  CHECK(written.error().sys_errno == ENOENT);
  CHECK(written.error().kind == ErrorKind::NotFound);
  CHECK(written.error().message == "write \"1024\" to \"" + path + "\": " + std::strerror(ENOENT));
  CHECK_FALSE(test::exists(path));
  auto read = read_cgroup_file(path);
  REQUIRE_FALSE(read);
  CHECK(read.error().message == "read \"" + path + "\": " + std::strerror(ENOENT));
}

TEST_CASE("parse_keyed_value finds the exact key") {
  const std::string events = "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n";
  auto oom_kill = parse_keyed_value(events, "oom_kill");
  REQUIRE(oom_kill);
  CHECK(*oom_kill == 2);
  CHECK(*parse_keyed_value(events, "oom") == 3);  // not confused by the oom_kill prefix
  CHECK(parse_keyed_value("oom_kill_disable 0\nunder_oom 0\n", "oom_kill").error().kind == ErrorKind::NotFound);
  CHECK(parse_keyed_value("oom_kill x\n", "oom_kill").error().kind == ErrorKind::InvalidArgument);
}

TEST_CASE("split_cgroup_path normalises slashes and refuses escapes") {
  auto parts = split_cgroup_path("/gocker//abc/");
  REQUIRE(parts);
  CHECK(*parts == std::vector<std::string>{"gocker", "abc"});
  CHECK(split_cgroup_path("gocker/../../etc").error().kind == ErrorKind::InvalidArgument);
  CHECK(split_cgroup_path("./x").error().kind == ErrorKind::InvalidArgument);
  CHECK(split_cgroup_path("//").error().kind == ErrorKind::InvalidArgument);
  CHECK(split_cgroup_path("").error().kind == ErrorKind::InvalidArgument);
}

TEST_CASE("remove_cgroup_paths removes deepest first, tolerates missing ones, reports the rest") {
  TempDir dir;
  const std::string parent = dir.path() + "/memory/gocker";
  const std::string child = parent + "/c1";
  REQUIRE(::mkdir((dir.path() + "/memory").c_str(), 0755) == 0);
  REQUIRE(::mkdir(parent.c_str(), 0755) == 0);
  REQUIRE(::mkdir(child.c_str(), 0755) == 0);
  // Given parent-first, it still succeeds because the child goes first.
  CHECK(remove_cgroup_paths({parent, child, dir.path() + "/cpu/gocker/c1"}));
  CHECK_FALSE(test::exists(parent));
  CHECK(remove_cgroup_paths({parent, child}));  // again: already gone is fine

  // A directory that cannot go (here: a file inside; on cgroupfs: EBUSY) is an error naming it,
  // and the others are still removed.
  const std::string stuck = dir.path() + "/stuck";
  const std::string other = dir.path() + "/other";
  test::write_file(stuck + "/leftover", "");
  REQUIRE(::mkdir(other.c_str(), 0755) == 0);
  Status removed = remove_cgroup_paths({stuck, other});
  REQUIRE_FALSE(removed);
  CHECK(removed.error().message.find("remove cgroup \"" + stuck + "\"") != std::string::npos);
  CHECK_FALSE(test::exists(other));
}

}  // namespace
}  // namespace gocker::runtime
