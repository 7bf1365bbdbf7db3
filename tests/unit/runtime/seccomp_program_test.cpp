#include "runtime/security/seccomp_program.hpp"

#include <doctest/doctest.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "runtime/security/seccomp_filter.hpp"

using namespace gocker;
using namespace gocker::runtime;

namespace {

SeccompProfile profile_with(SeccompAction default_action, std::vector<SeccompRule> rules) {
  SeccompProfile profile;
  profile.default_action = default_action;
  profile.rules = std::move(rules);
  return profile;
}

SeccompRule rule(std::vector<std::string> names, SeccompAction action) { return SeccompRule{std::move(names), action, {}}; }

// Runs `probe` in a child under `program` (with no_new_privs, so no privilege is needed); the
// child's exit status is what probe returned.
int run_filtered(const SeccompProgram& program, int (*probe)()) {
  pid_t child = ::fork();
  if (child == 0) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(100);
    if (!load_seccomp_program(program)) ::_exit(101);
    ::_exit(probe());
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("a compiled program survives its file form; anything else is refused") {
  auto program = compile_seccomp_program(profile_with({SeccompActionKind::kErrno, 1},
                                                      {rule({"read", "write", "exit_group"}, {SeccompActionKind::kAllow})}));
  REQUIRE(program);
  CHECK(!program->filter.empty());
  CHECK(!program->enosys_stub.empty());
  const std::string bytes = serialize_seccomp_program(*program);
  auto parsed = parse_seccomp_program(bytes);
  REQUIRE(parsed);
  CHECK(parsed->flags == program->flags);
  REQUIRE(parsed->filter.size() == program->filter.size());
  CHECK(std::memcmp(parsed->filter.data(), program->filter.data(), program->filter.size() * sizeof(sock_filter)) == 0);
  CHECK(parsed->enosys_stub.size() == program->enosys_stub.size());

  CHECK_FALSE(parse_seccomp_program(bytes.substr(0, 10)));
  CHECK_FALSE(parse_seccomp_program(bytes.substr(0, bytes.size() - 1)));
  CHECK_FALSE(parse_seccomp_program(bytes + "x"));
  std::string bad_magic = bytes;
  bad_magic[0] = 'X';
  CHECK_FALSE(parse_seccomp_program(bad_magic));
  std::string other_version = bytes;
  other_version[8] = 9;
  auto refused = parse_seccomp_program(other_version);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("format version 9") != std::string::npos);
  CHECK_FALSE(read_seccomp_program("/nonexistent/x.bpf"));
}

TEST_CASE("profile flags become seccomp(2) flags; an allow-by-default profile needs no ENOSYS stub") {
  SeccompProfile profile = profile_with({SeccompActionKind::kAllow}, {rule({"getppid"}, {SeccompActionKind::kErrno, 42})});
  profile.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
  auto program = compile_seccomp_program(profile);
  REQUIRE(program);
  CHECK(program->flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));
  CHECK(program->enosys_stub.empty());
}

TEST_CASE("a program read back from its file filters as the profile says") {
  auto program = compile_seccomp_program(profile_with({SeccompActionKind::kAllow}, {rule({"getppid"}, {SeccompActionKind::kErrno, 42})}));
  REQUIRE(program);
  auto parsed = parse_seccomp_program(serialize_seccomp_program(*program));
  REQUIRE(parsed);
  CHECK(run_filtered(*parsed, [] { return ::syscall(SYS_getppid) == -1 && errno == 42 ? 0 : 1; }) == 0);
  CHECK(run_filtered(*parsed, [] { return ::syscall(SYS_getpid) > 0 ? 0 : 1; }) == 0);
}

TEST_CASE("under a deny-by-default program, numbers newer than libseccomp answer ENOSYS, known ones the default") {
  // The profile must allow seccomp(2) itself: the ENOSYS stub is installed after the filter.
  auto program = compile_seccomp_program(
      profile_with({SeccompActionKind::kErrno, EPERM}, {rule({"exit_group", "exit", "seccomp"}, {SeccompActionKind::kAllow})}));
  REQUIRE(program);
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  // The checked build (cmake/Sanitize.cmake): the sanitizer runtime in the child needs syscalls
  // (mmap, write) this deny-all filter refuses, and dies before the probe can answer.
  MESSAGE("checked build: the deny-by-default probes run in the normal build only");
  return;
#endif
#endif
  CHECK(run_filtered(*program, [] { return ::syscall(SYS_getpid) == -1 && errno == EPERM ? 0 : 1; }) == 0);
  static int future = highest_known_syscall() + 1;
  CHECK(run_filtered(*program, [] { return ::syscall(future) == -1 && errno == ENOSYS ? 0 : 1; }) == 0);
}

TEST_CASE("a binary-tree program filters as the linear one does, and the compiler's identity tells them apart") {
  const SeccompProfile profile = profile_with(
      {SeccompActionKind::kAllow},
      {rule({"getppid"}, {SeccompActionKind::kErrno, 42}), rule({"getuid", "getgid"}, {SeccompActionKind::kErrno, 7})});
  auto linear = compile_seccomp_program(profile, SeccompLayout::kLinear);
  auto tree = compile_seccomp_program(profile, SeccompLayout::kBinaryTree);
  REQUIRE(linear);
  REQUIRE(tree);
  CHECK((tree->filter.size() != linear->filter.size() ||
         std::memcmp(tree->filter.data(), linear->filter.data(), tree->filter.size() * sizeof(sock_filter)) != 0));
  auto parsed = parse_seccomp_program(serialize_seccomp_program(*tree));
  REQUIRE(parsed);
  CHECK(run_filtered(*parsed, [] { return ::syscall(SYS_getppid) == -1 && errno == 42 ? 0 : 1; }) == 0);
  CHECK(run_filtered(*parsed, [] { return ::syscall(SYS_getgid) == -1 && errno == 7 ? 0 : 1; }) == 0);
  CHECK(run_filtered(*parsed, [] { return ::syscall(SYS_getpid) > 0 ? 0 : 1; }) == 0);
  CHECK(seccomp_compiler_identity(SeccompLayout::kBinaryTree) != seccomp_compiler_identity(SeccompLayout::kLinear));
}

TEST_CASE("config.json's program key is read at parse time and kept through the exec spec's encoding") {
  auto program = compile_seccomp_program(profile_with({SeccompActionKind::kAllow}, {rule({"getppid"}, {SeccompActionKind::kErrno, 42})}));
  REQUIRE(program);
  char dir_template[] = "/tmp/gocker-seccomp-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string path = std::string(dir_template) + "/p.bpf";
  const std::string bytes = serialize_seccomp_program(*program);
  FILE* file = std::fopen(path.c_str(), "w");
  REQUIRE(file != nullptr);
  std::fwrite(bytes.data(), 1, bytes.size(), file);
  std::fclose(file);

  nlohmann::json encoded = {{"seccomp", {{"defaultAction", "SCMP_ACT_ALLOW"}, {kSeccompProgramKey, path}}}};
  ProcessSecurity security;
  REQUIRE(decode_process_security(encoded, security));
  REQUIRE(security.seccomp);
  CHECK(security.seccomp->program_path == path);
  REQUIRE(security.seccomp->program);
  CHECK(security.seccomp->program->filter.size() == program->filter.size());
  CHECK(encode_process_security(security)["seccomp"][kSeccompProgramKey] == path);

  ::unlink(path.c_str());
  ProcessSecurity missing;
  auto refused = decode_process_security(encoded, missing);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find(path) != std::string::npos);
  ::rmdir(dir_template);
}
