// ps -ef columns computed from /proc text (the top route).
#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>
#include <string>

#include "engine/process_table.hpp"

namespace gocker::engine {
namespace {

TEST_CASE("parse_proc_stat finds fields after a comm holding spaces and parentheses (resources)") {
  const std::string line =
      "4242 (my (odd) cmd) S 4200 4242 4242 34816 4242 4194560 120 0 0 0 250 50 0 0 20 0 1 0 987654 "
      "1290240 250 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto stat = parse_proc_stat(line);
  REQUIRE_MESSAGE(stat, (stat ? "" : stat.error().message));
  CHECK(stat->pid == 4242);
  CHECK(stat->comm == "my (odd) cmd");
  CHECK(stat->ppid == 4200);
  CHECK(stat->tty_nr == 34816);
  CHECK(stat->utime_ticks == 250);
  CHECK(stat->stime_ticks == 50);
  CHECK(stat->start_ticks == 987654);
  CHECK_FALSE(parse_proc_stat("garbage"));
}

TEST_CASE("ps column formats (resources)") {
  CHECK(format_tty(0) == "?");
  CHECK(format_tty(34816) == "pts/0");  // major 136 minor 0
  CHECK(format_tty((136 << 8) | 5) == "pts/5");
  CHECK(format_tty((4 << 8) | 1) == "tty1");
  CHECK(format_cpu_time(0) == "00:00:00");
  CHECK(format_cpu_time(3723) == "01:02:03");
  CHECK(format_cpu_time(2 * 86400 + 5) == "2-00:00:05");
  CHECK(cpu_percent(50, 100, 200) == 50);
  CHECK(cpu_percent(500, 100, 200) == 99);
  CHECK(cpu_percent(5, 200, 100) == 0);
  CHECK(format_command(std::string("sleep\0" "1000\0", 11), "sleep") == "sleep 1000");
  CHECK(format_command("", "kworker") == "[kworker]");
  CHECK(format_start_time(1'000'000, 1'000'000 + 60).size() == 5);  // "HH:MM" within a day
}

TEST_CASE("list_processes shows this test process like ps -ef (resources)") {
  auto top = list_processes({::getpid()}, "");
  REQUIRE_MESSAGE(top, (top ? "" : top.error().message));
  CHECK(top->titles == std::vector<std::string>{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"});
  REQUIRE(top->processes.size() == 1);
  CHECK(top->processes[0][1] == std::to_string(::getpid()));
  CHECK(top->processes[0][2] == std::to_string(::getppid()));
  // CMD is argv joined by spaces: it starts with this program's argv[0].
  std::ifstream cmdline("/proc/self/cmdline");
  std::string argv0;
  std::getline(cmdline, argv0, '\0');
  CHECK(top->processes[0][7].rfind(argv0, 0) == 0);
  CHECK_FALSE(list_processes({::getpid()}, "aux"));
  // A pid that is gone by the time it is read is left out.
  auto gone = list_processes({999999999}, "-ef");
  REQUIRE(gone);
  CHECK(gone->processes.empty());
}

}  // namespace
}  // namespace gocker::engine
