#include "base/shared_library.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

using gocker::SharedLibrary;

TEST_CASE("SharedLibrary resolves an entry point with the type the caller names, and calls through it") {
  auto library = SharedLibrary::open("libc.so.6");
  REQUIRE_MESSAGE(library.has_value(), library.error().message);
  decltype(&::getpid) get_pid = nullptr;
  auto resolved = library->resolve("getpid", get_pid);
  REQUIRE_MESSAGE(resolved.has_value(), resolved.error().message);
  CHECK(get_pid() == ::getpid());
}

TEST_CASE("SharedLibrary names the library or the symbol it could not find") {
  auto missing = SharedLibrary::open("libgocker-does-not-exist.so.7");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("load libgocker-does-not-exist.so.7") != std::string::npos);

  auto library = SharedLibrary::open("libc.so.6");
  REQUIRE(library.has_value());
  int (*absent)() = nullptr;
  auto resolved = library->resolve("gocker_no_such_function", absent);
  REQUIRE_FALSE(resolved.has_value());
  CHECK(resolved.error().message.find("find gocker_no_such_function in libc.so.6") != std::string::npos);
  CHECK_FALSE(static_cast<bool>(absent));
}
