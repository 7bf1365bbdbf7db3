#include "runtime/security/sealed_binary.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <string>

using namespace gocker;
using namespace gocker::runtime;

namespace {

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("a sealed copy holds the binary's bytes and refuses every change") {
  auto sealed = SealedBinary::copy_of("/bin/true");
  REQUIRE_MESSAGE(sealed.has_value(), sealed.error().message);
  CHECK(file_bytes(sealed->exec_path()) == file_bytes("/bin/true"));

  const int seals = ::fcntl(sealed->fd(), F_GET_SEALS);
  REQUIRE(seals >= 0);
  CHECK((seals & F_SEAL_SEAL) != 0);
  CHECK((seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) != 0);
  CHECK(::pwrite(sealed->fd(), "x", 1, 0) == -1);
  CHECK(errno == EPERM);
  CHECK(::ftruncate(sealed->fd(), 1) == -1);
  CHECK(::fcntl(sealed->fd(), F_ADD_SEALS, 0) == -1);

  // A fresh open through /proc (what a process that can reach /proc/<pid>/exe would do) cannot
  // write or map it writable either.
  const int reopened = ::open(sealed->exec_path().c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(reopened >= 0);
  CHECK(::write(reopened, "x", 1) == -1);
  CHECK(::mmap(nullptr, 1, PROT_WRITE, MAP_SHARED, reopened, 0) == MAP_FAILED);
  ::close(reopened);
}

TEST_CASE("a sealed copy can be executed through its /proc/self/fd path") {
  auto sealed = SealedBinary::copy_of("/bin/true");
  REQUIRE(sealed.has_value());
  const std::string path = sealed->exec_path();
  char* argv[] = {const_cast<char*>("true"), nullptr};
  char* envp[] = {nullptr};
  pid_t child = 0;
  REQUIRE(::posix_spawn(&child, path.c_str(), nullptr, nullptr, argv, envp) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a missing binary is an error naming it") {
  auto sealed = SealedBinary::copy_of("/nonexistent/gocker-monitor");
  REQUIRE_FALSE(sealed.has_value());
  CHECK(sealed.error().message.find("/nonexistent/gocker-monitor") != std::string::npos);
}
