#include "runtime/monitor_state.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include "runtime/file_util.hpp"

using namespace gocker::runtime;

namespace {
// waitpid() status words, built as the kernel does.
int exited_with(int code) { return (code & 0xff) << 8; }
int killed_by(int signal) { return signal & 0x7f; }
}  // namespace

TEST_CASE("exit code: the exit status, or 128 + signal") {
  CHECK(exit_code_from_wait_status(exited_with(0)) == 0);
  CHECK(exit_code_from_wait_status(exited_with(3)) == 3);
  CHECK(exit_code_from_wait_status(exited_with(255)) == 255);
  CHECK(exit_code_from_wait_status(killed_by(SIGKILL)) == 137);  // also what an OOM kill gives
  CHECK(exit_code_from_wait_status(killed_by(SIGTERM)) == 143);
  CHECK(exit_code_from_wait_status(killed_by(SIGSEGV) | 0x80) == 139);  // core dumped
}

TEST_CASE("exit.json round trip, with the start failure's message when there is one") {
  ExitStatus status{137, true, "2024-05-01T12:00:00.5Z"};
  std::string encoded = encode_exit_status(status);
  CHECK(encoded == R"({"exit_code":137,"finished_at":"2024-05-01T12:00:00.5Z","oom_killed":true})");
  auto decoded = decode_exit_status(encoded);
  REQUIRE(decoded);
  CHECK(decoded->exit_code == 137);
  CHECK(decoded->oom_killed);
  CHECK(decoded->finished_at == "2024-05-01T12:00:00.5Z");
  CHECK(encode_exit_status({127, false, "t"}, "exec: \"x\": executable file not found in $PATH")
            .find(R"("error":"exec: \"x\": executable file not found in $PATH")") != std::string::npos);
  CHECK_FALSE(decode_exit_status("{}"));
  CHECK_FALSE(decode_exit_status("garbage"));
}

TEST_CASE("monitor.json round trip") {
  StartedProcesses processes{{100, 5000}, {101, 5001}, {"/sys/fs/cgroup/memory/g/c", "/sys/fs/cgroup/pids/g/c"}};
  auto decoded = decode_started_processes(encode_started_processes(processes));
  REQUIRE(decoded);
  CHECK(decoded->monitor.pid == 100);
  CHECK(decoded->monitor.start_time == 5000);
  CHECK(decoded->init.pid == 101);
  CHECK(decoded->init.start_time == 5001);
  CHECK(decoded->cgroup_paths == processes.cgroup_paths);
  CHECK_FALSE(decode_started_processes(R"({"monitor":{"pid":1}})"));
}

TEST_CASE("start time is field 22 of /proc/PID/stat, even with spaces and parens in comm") {
  std::string line = "42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
  auto start_time = parse_start_time(line);
  REQUIRE(start_time);
  CHECK(*start_time == 987654u);
  CHECK_FALSE(parse_start_time("42 (x) S 1 2"));
  auto ours = read_process_start_time(::getpid());
  REQUIRE(ours);
  CHECK(*ours > 0u);
}

TEST_CASE("RFC 3339 with nanoseconds, trailing zeros trimmed as Go's RFC3339Nano") {
  CHECK(format_rfc3339_nano(0, 0) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339_nano(1714564800, 123456789) == "2024-05-01T12:00:00.123456789Z");
  CHECK(format_rfc3339_nano(1714564800, 500000000) == "2024-05-01T12:00:00.5Z");
  CHECK(format_rfc3339_nano(1714564800, 1000) == "2024-05-01T12:00:00.000001Z");
}
