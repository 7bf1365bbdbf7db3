#include "engine/process_table.hpp"

#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

#include "base/strings.hpp"
#include "runtime/file_util.hpp"

namespace gocker::engine {

namespace {

bool parse_number(std::string_view text, uint64_t& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && error == std::errc{} && end == text.data() + text.size();
}

uint64_t ticks_per_second() {
  const long ticks = ::sysconf(_SC_CLK_TCK);
  return ticks > 0 ? static_cast<uint64_t>(ticks) : 100;
}

// Real uid from the "Uid:" line of /proc/<pid>/status (ps -ef's UID column is the effective one:
// the second number).
std::string user_of(pid_t pid) {
  auto status = runtime::read_file("/proc/" + std::to_string(pid) + "/status");
  if (!status) return "?";
  for (const std::string& line : split(*status, '\n')) {
    if (!starts_with(line, "Uid:")) continue;
    std::vector<std::string> ids;
    for (std::string& word : split(line.substr(4), '\t')) {
      if (!trim(word).empty()) ids.push_back(trim(word));
    }
    if (ids.size() < 2) return "?";
    uint64_t uid = 0;
    if (!parse_number(ids[1], uid)) return ids[1];
    // The host's user database, as ps on the host shows it (dockerd does the same).
    struct passwd entry {};
    struct passwd* found = nullptr;
    char buffer[4096];
    if (::getpwuid_r(static_cast<uid_t>(uid), &entry, buffer, sizeof buffer, &found) == 0 && found != nullptr) {
      return found->pw_name;
    }
    return ids[1];
  }
  return "?";
}

Result<uint64_t> boot_time_unix() {
  auto content = runtime::read_file("/proc/stat");
  if (!content) return std::move(content).error();
  for (const std::string& line : split(*content, '\n')) {
    if (!starts_with(line, "btime ")) continue;
    uint64_t value = 0;
    if (parse_number(trim(std::string_view(line).substr(6)), value)) return value;
  }
  return Error::internal("read /proc/stat: no btime line");
}

Result<uint64_t> uptime_ticks() {
  struct timespec now {};
  if (::clock_gettime(CLOCK_BOOTTIME, &now) != 0) return Error::from_errno(errno, "clock_gettime(CLOCK_BOOTTIME)");
  return static_cast<uint64_t>(now.tv_sec) * ticks_per_second() +
         static_cast<uint64_t>(now.tv_nsec) * ticks_per_second() / 1'000'000'000ULL;
}

}  // namespace

Result<ProcStat> parse_proc_stat(std::string_view text) {
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return Error::invalid("malformed /proc stat line");
  }
  ProcStat stat;
  uint64_t pid = 0;
  if (!parse_number(trim(text.substr(0, open)), pid)) return Error::invalid("malformed /proc stat pid");
  stat.pid = static_cast<pid_t>(pid);
  stat.comm = std::string(text.substr(open + 1, close - open - 1));
  // Fields after comm, numbered from 3 (state) as in proc(5).
  std::vector<std::string> fields;
  for (std::string& word : split(trim(text.substr(close + 1)), ' ')) {
    if (!word.empty()) fields.push_back(std::move(word));
  }
  auto field = [&fields](size_t number, uint64_t& out) {
    return number - 3 < fields.size() && parse_number(fields[number - 3], out);
  };
  uint64_t ppid = 0, tty = 0;
  if (!field(4, ppid) || !field(7, tty)) return Error::invalid("malformed /proc stat ppid or tty");
  if (!field(14, stat.utime_ticks) || !field(15, stat.stime_ticks) || !field(22, stat.start_ticks)) {
    return Error::invalid("malformed /proc stat times");
  }
  stat.ppid = static_cast<pid_t>(ppid);
  stat.tty_nr = static_cast<int>(tty);
  return stat;
}

std::string format_tty(int tty_nr) {
  if (tty_nr == 0) return "?";
  // Linux's encoding of dev_t in tty_nr: major in bits 8-19... minor split around it (proc(5)).
  const unsigned major = (static_cast<unsigned>(tty_nr) >> 8) & 0xfff;
  const unsigned minor = (static_cast<unsigned>(tty_nr) & 0xff) | ((static_cast<unsigned>(tty_nr) >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return "pts/" + std::to_string((major - 136) * 256 + minor);
  if (major == 4 && minor < 64) return "tty" + std::to_string(minor);
  if (major == 4) return "ttyS" + std::to_string(minor - 64);
  if (major == 5 && minor == 1) return "console";
  return "?";
}

std::string format_cpu_time(uint64_t seconds) {
  char text[48];
  const uint64_t days = seconds / 86400;
  if (days > 0) {
    std::snprintf(text, sizeof text, "%llu-%02llu:%02llu:%02llu", static_cast<unsigned long long>(days),
                  static_cast<unsigned long long>(seconds / 3600 % 24), static_cast<unsigned long long>(seconds / 60 % 60),
                  static_cast<unsigned long long>(seconds % 60));
  } else {
    std::snprintf(text, sizeof text, "%02llu:%02llu:%02llu", static_cast<unsigned long long>(seconds / 3600),
                  static_cast<unsigned long long>(seconds / 60 % 60), static_cast<unsigned long long>(seconds % 60));
  }
  return text;
}

std::string format_start_time(int64_t start_unix, int64_t now_unix) {
  const time_t start = static_cast<time_t>(start_unix);
  const time_t now = static_cast<time_t>(now_unix);
  struct tm start_tm {};
  struct tm now_tm {};
  ::localtime_r(&start, &start_tm);
  ::localtime_r(&now, &now_tm);
  char text[32];
  // procps: within the last 24 hours "HH:MM", within the year "MonDD", else the year.
  if (now_unix - start_unix < 24 * 3600) std::strftime(text, sizeof text, "%H:%M", &start_tm);
  else if (start_tm.tm_year == now_tm.tm_year) std::strftime(text, sizeof text, "%b%d", &start_tm);
  else std::strftime(text, sizeof text, "%Y", &start_tm);
  return text;
}

int cpu_percent(uint64_t cpu_ticks, uint64_t start_ticks, uint64_t uptime_ticks) {
  if (uptime_ticks <= start_ticks) return 0;
  const uint64_t percent = cpu_ticks * 100 / (uptime_ticks - start_ticks);
  return static_cast<int>(percent > 99 ? 99 : percent);
}

std::string format_command(std::string_view cmdline, std::string_view comm) {
  while (!cmdline.empty() && cmdline.back() == '\0') cmdline.remove_suffix(1);
  if (cmdline.empty()) return "[" + std::string(comm) + "]";
  std::string command(cmdline);
  for (char& c : command) {
    if (c == '\0') c = ' ';
  }
  return command;
}

Result<api::ContainerTop> list_processes(const std::vector<pid_t>& pids, const std::string& ps_args) {
  const std::string args = trim(ps_args);
  if (!args.empty() && args != "-ef" && args != "ef" && args != "-e" && args != "-f") {
    return Error::invalid("unsupported ps options " + gocker::quoted(args) + ": gocker's top implements ps -ef");
  }
  auto boot = boot_time_unix();
  if (!boot) return std::move(boot).error();
  auto uptime = uptime_ticks();
  if (!uptime) return std::move(uptime).error();
  const int64_t now = static_cast<int64_t>(::time(nullptr));
  const uint64_t hz = ticks_per_second();

  api::ContainerTop top;
  top.titles = {"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"};
  for (pid_t pid : pids) {
    const std::string proc = "/proc/" + std::to_string(pid);
    auto stat_text = runtime::read_file(proc + "/stat");
    if (!stat_text) continue;  // exited since cgroup.procs was read
    auto stat = parse_proc_stat(*stat_text);
    if (!stat) return std::move(stat).error().context("read " + proc + "/stat");
    auto cmdline = runtime::read_file(proc + "/cmdline");
    const uint64_t cpu_ticks = stat->utime_ticks + stat->stime_ticks;
    top.processes.push_back({user_of(pid), std::to_string(pid), std::to_string(stat->ppid),
                             std::to_string(cpu_percent(cpu_ticks, stat->start_ticks, *uptime)),
                             format_start_time(static_cast<int64_t>(*boot + stat->start_ticks / hz), now),
                             format_tty(stat->tty_nr), format_cpu_time(cpu_ticks / hz),
                             format_command(cmdline ? *cmdline : std::string(), stat->comm)});
  }
  return top;
}

}  // namespace gocker::engine
