#include "runtime/exec_lookup.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace gocker::runtime;

namespace {

ProbeFile fake_filesystem(std::map<std::string, FileProbe> files, std::vector<std::string>* probed = nullptr) {
  return [files = std::move(files), probed](const std::string& path) {
    if (probed) probed->push_back(path);
    auto it = files.find(path);
    return it == files.end() ? FileProbe::kMissing : it->second;
  };
}

}  // namespace

TEST_CASE("PATH comes from the environment, the last definition wins, with a default") {
  CHECK(path_from_env({}) == kDefaultPath);
  CHECK(path_from_env({"A=1", "PATH=/x", "PATH=/y:/z"}) == "/y:/z");
  CHECK(path_from_env({"MYPATH=/no"}) == kDefaultPath);
}

TEST_CASE("a name is searched in PATH order, skipping non-executables") {
  std::vector<std::string> probed;
  auto probe = fake_filesystem({{"/a/tool", FileProbe::kNotExecutable}, {"/b/tool", FileProbe::kExecutable},
                                {"/c/tool", FileProbe::kExecutable}},
                               &probed);
  auto found = resolve_executable("tool", "/a:/b:/c", probe);
  REQUIRE(found);
  CHECK(*found == "/b/tool");
  CHECK(probed == std::vector<std::string>{"/a/tool", "/b/tool"});
}

TEST_CASE("not found on PATH: ENOENT with Docker's message") {
  auto found = resolve_executable("nope", "/a:/b", fake_filesystem({{"/a/nope", FileProbe::kNotExecutable}}));
  REQUIRE_FALSE(found);
  CHECK(found.error().sys_errno == ENOENT);
  CHECK(found.error().message == R"(exec: "nope": executable file not found in $PATH)");
  CHECK(exit_code_for_exec_error(found.error().sys_errno) == 127);
}

TEST_CASE("a path with a slash is taken as it is") {
  auto probe = fake_filesystem({{"/etc/passwd", FileProbe::kNotExecutable}, {"./run", FileProbe::kExecutable}});
  auto denied = resolve_executable("/etc/passwd", "/bin", probe);
  REQUIRE_FALSE(denied);
  CHECK(denied.error().sys_errno == EACCES);
  CHECK(denied.error().message == R"(exec: "/etc/passwd": permission denied)");
  CHECK(exit_code_for_exec_error(EACCES) == 126);

  auto missing = resolve_executable("/no/such", "/bin", probe);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().sys_errno == ENOENT);
  CHECK(missing.error().message == R"(exec: "/no/such": stat /no/such: no such file or directory)");

  auto relative = resolve_executable("./run", "/bin", probe);
  REQUIRE(relative);
  CHECK(*relative == "./run");
}

TEST_CASE("an empty PATH element is the current directory") {
  auto found = resolve_executable("tool", "/a::/b", fake_filesystem({{"./tool", FileProbe::kExecutable}}));
  REQUIRE(found);
  CHECK(*found == "./tool");
}
