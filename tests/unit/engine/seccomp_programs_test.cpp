#include "engine/seccomp_programs.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/seccomp_profile.hpp"
#include "runtime/security/seccomp_program.hpp"
#include "runtime/security/security_config.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace gocker;
using namespace gocker::engine;
using nlohmann::json;

namespace {

json oci_profile(const char* errno_syscall) {
  return json{{"defaultAction", "SCMP_ACT_ALLOW"},
              {"syscalls", {{{"names", {errno_syscall}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 42}}}}};
}

ino_t inode_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_ino;
}

size_t files_in(const std::string& directory) {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(directory)) ++count;
  return count;
}

}  // namespace

TEST_CASE("one program file per distinct profile, named in the profile, reused while it is sound") {
  gocker::testing::TempDir temp{"programs"};
  const std::string directory = temp.path() + "/seccomp";
  SeccompPrograms programs(directory);

  json first = oci_profile("getppid");
  REQUIRE(programs.attach_program(first));
  REQUIRE(first.contains(runtime::kSeccompProgramKey));
  const std::string path = first[runtime::kSeccompProgramKey];
  CHECK(path.rfind(directory + "/", 0) == 0);
  auto program = runtime::read_seccomp_program(path);
  REQUIRE(program);
  CHECK(!program->filter.empty());
  const ino_t inode = inode_of(path);

  // The same profile again, even carrying a (stale) key already: the same file, not rewritten.
  json again = oci_profile("getppid");
  again[runtime::kSeccompProgramKey] = "/elsewhere.bpf";
  REQUIRE(programs.attach_program(again));
  CHECK(again[runtime::kSeccompProgramKey] == path);
  CHECK(inode_of(path) == inode);

  json other = oci_profile("getpid");
  REQUIRE(programs.attach_program(other));
  CHECK(other[runtime::kSeccompProgramKey] != path);
  CHECK(files_in(directory) == 2);

  // A later gockerd finds the file; a damaged one is compiled afresh.
  SeccompPrograms restarted(directory);
  json reread = oci_profile("getppid");
  REQUIRE(restarted.attach_program(reread));
  CHECK(reread[runtime::kSeccompProgramKey] == path);
  CHECK(inode_of(path) == inode);
  std::ofstream(path, std::ios::trunc) << "damaged";
  SeccompPrograms repaired(directory);
  json repaired_profile = oci_profile("getppid");
  REQUIRE(repaired.attach_program(repaired_profile));
  CHECK(runtime::read_seccomp_program(path));
}

TEST_CASE("a profile the runtime cannot compile is an error naming the problem, and leaves no file") {
  gocker::testing::TempDir temp{"programs"};
  SeccompPrograms programs(temp.path() + "/seccomp");
  json broken = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {"SCMP_ARCH_NOSUCH"}}};
  auto result = programs.attach_program(broken);
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("SCMP_ARCH_NOSUCH") != std::string::npos);
  const bool left_a_file = std::filesystem::exists(temp.path() + "/seccomp") && files_in(temp.path() + "/seccomp") > 0;
  CHECK_FALSE(left_a_file);
}

TEST_CASE("Docker's default profile compiles") {
  gocker::testing::TempDir temp{"programs"};
  SeccompPrograms programs(temp.path() + "/seccomp");
  auto oci = oci_seccomp_profile(kDefaultSeccompProfile, {"CAP_CHOWN", "CAP_KILL"}, SeccompHost::of_this_machine());
  REQUIRE(oci);
  json profile = *oci;
  REQUIRE(programs.attach_program(profile));
  auto program = runtime::read_seccomp_program(profile[runtime::kSeccompProgramKey]);
  REQUIRE(program);
  CHECK(program->filter.size() > 100);
  CHECK(!program->enosys_stub.empty());
}

TEST_CASE("a shared profile's config text is made once and names its program; an equal profile gets the same program") {
  gocker::testing::TempDir temp{"programs"};
  SeccompPrograms programs(temp.path() + "/seccomp");
  auto shared = std::make_shared<const json>(oci_profile("getppid"));
  auto first = programs.text_with_program(shared);
  REQUIRE(first);
  const json attached = json::parse(**first);
  REQUIRE(attached.contains(runtime::kSeccompProgramKey));
  CHECK(runtime::read_seccomp_program(attached[runtime::kSeccompProgramKey]));
  json without_key = attached;
  without_key.erase(runtime::kSeccompProgramKey);
  CHECK(without_key == *shared);
  CHECK_FALSE(shared->contains(runtime::kSeccompProgramKey));  // the shared object is left as it was

  auto again = programs.text_with_program(shared);
  REQUIRE(again);
  CHECK(again->get() == first->get());  // remembered, not serialized again

  auto equal = programs.text_with_program(std::make_shared<const json>(oci_profile("getppid")));
  REQUIRE(equal);
  CHECK(**equal == **first);
  auto other = programs.text_with_program(std::make_shared<const json>(oci_profile("getpid")));
  REQUIRE(other);
  CHECK(json::parse(**other)[runtime::kSeccompProgramKey] != attached[runtime::kSeccompProgramKey]);
}
