#include <doctest/doctest.h>

#include <set>

#include "engine/runtime_registry.hpp"

using namespace gocker;
using namespace gocker::engine;

namespace {

// A fake file system: these paths are executable, nothing else.
RuntimeRegistry::IsExecutable executables(std::set<std::string> paths) {
  return [paths = std::move(paths)](const std::string& path) { return paths.count(path) > 0; };
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("parse_runtime_flag takes name=path") {
  auto parsed = parse_runtime_flag("crun2=/opt/crun/bin/crun");
  REQUIRE(parsed);
  CHECK(parsed->first == "crun2");
  CHECK(parsed->second == "/opt/crun/bin/crun");
  // Only the first '=' splits: a path may hold one.
  auto with_equals = parse_runtime_flag("x=/opt/a=b/runc");
  REQUIRE(with_equals);
  CHECK(with_equals->second == "/opt/a=b/runc");
  for (const char* bad : {"runc", "=/usr/bin/runc", "runc=", "-x=/bin/runc", "a b=/bin/runc", "a/b=/bin/runc"}) {
    INFO(bad);
    auto refused = parse_runtime_flag(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::InvalidArgument);
  }
  CHECK(has(parse_runtime_flag("runc").error().message, "expected name=path"));
}

TEST_CASE("find_on_path: the first executable of the absolute PATH entries") {
  auto probe = executables({"/usr/sbin/runc", "/usr/local/bin/runc", "/bin/crun"});
  CHECK(find_on_path("runc", "/usr/local/bin:/usr/sbin", probe) == "/usr/local/bin/runc");
  CHECK(find_on_path("runc", "relative:/usr/sbin", probe) == "/usr/sbin/runc");
  CHECK(find_on_path("runc", "::/usr/sbin:", probe) == "/usr/sbin/runc");
  CHECK(find_on_path("youki", "/usr/local/bin:/usr/sbin", probe).empty());
  CHECK(find_on_path("runc", "", probe).empty());
}

TEST_CASE("RuntimeRegistry: gocker always, runc and crun from PATH, --add-runtime, the default") {
  auto probe = executables({"/usr/sbin/runc", "/usr/bin/crun", "/opt/youki"});
  auto registry = RuntimeRegistry::make({"youki=/opt/youki"}, "", "/usr/bin:/usr/sbin", probe);
  REQUIRE(registry);
  CHECK(registry->default_name() == "gocker");
  CHECK(registry->runtimes().size() == 4);
  CHECK(registry->path_of("gocker").empty());
  CHECK(registry->path_of("runc") == "/usr/sbin/runc");
  CHECK(registry->path_of("crun") == "/usr/bin/crun");
  CHECK(registry->path_of("youki") == "/opt/youki");
  CHECK(registry->is_builtin("gocker"));
  CHECK(registry->is_builtin(""));
  CHECK_FALSE(registry->is_builtin("runc"));

  // resolve: empty is the default; a registered name is itself; anything else is dockerd's 400.
  CHECK(registry->resolve("").value() == "gocker");
  CHECK(registry->resolve("crun").value() == "crun");
  auto unknown = registry->resolve("kata");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind == ErrorKind::InvalidArgument);
  CHECK(unknown.error().message == "unknown or invalid runtime name: kata");

  // Without runc on PATH it is simply not offered.
  auto bare = RuntimeRegistry::make({}, "", "/nowhere", probe);
  REQUIRE(bare);
  CHECK(bare->runtimes().size() == 1);
  CHECK_FALSE(bare->resolve("runc"));

  // The default may be any registered name; an added one replaces the PATH one of the same name.
  auto with_default = RuntimeRegistry::make({"runc=/opt/youki"}, "runc", "/usr/sbin", probe);
  REQUIRE(with_default);
  CHECK(with_default->default_name() == "runc");
  CHECK(with_default->resolve("").value() == "runc");
  CHECK(with_default->path_of("runc") == "/opt/youki");

  // A bare command is looked up on PATH.
  auto by_name = RuntimeRegistry::make({"other=crun"}, "", "/usr/bin", probe);
  REQUIRE(by_name);
  CHECK(by_name->path_of("other") == "/usr/bin/crun");
}

TEST_CASE("RuntimeRegistry refuses what gockerd must not start with") {
  auto probe = executables({"/usr/sbin/runc"});
  auto unknown_default = RuntimeRegistry::make({}, "crun", "/usr/sbin", probe);
  REQUIRE_FALSE(unknown_default);
  CHECK(has(unknown_default.error().message, "default runtime \"crun\" is not known"));
  CHECK(has(unknown_default.error().message, "gocker, runc"));

  auto reserved = RuntimeRegistry::make({"gocker=/usr/sbin/runc"}, "", "/usr/sbin", probe);
  REQUIRE_FALSE(reserved);
  CHECK(has(reserved.error().message, "is reserved"));

  auto twice = RuntimeRegistry::make({"a=/usr/sbin/runc", "a=/usr/sbin/runc"}, "", "/usr/sbin", probe);
  REQUIRE_FALSE(twice);
  CHECK(has(twice.error().message, "given twice"));

  auto missing = RuntimeRegistry::make({"ghost=/opt/ghost"}, "", "/usr/sbin", probe);
  REQUIRE_FALSE(missing);
  CHECK(has(missing.error().message, "\"/opt/ghost\" is not an executable file"));

  auto malformed = RuntimeRegistry::make({"noequals"}, "", "/usr/sbin", probe);
  REQUIRE_FALSE(malformed);
  CHECK(malformed.error().kind == ErrorKind::InvalidArgument);
}
