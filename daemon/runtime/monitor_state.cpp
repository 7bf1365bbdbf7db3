#include "runtime/monitor_state.hpp"

#include <sys/wait.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "base/strings.hpp"
#include "runtime/file_util.hpp"

namespace gocker::runtime {
namespace {

using nlohmann::json;

json identity_to_json(const ProcessIdentity& identity) {
  return {{"pid", identity.pid}, {"start_time", identity.start_time}};
}

bool identity_from_json(const json& value, ProcessIdentity& out) {
  if (!value.is_object()) return false;
  auto pid = value.find("pid");
  auto start_time = value.find("start_time");
  if (pid == value.end() || !pid->is_number_integer()) return false;
  if (start_time == value.end() || !start_time->is_number_unsigned()) return false;
  out.pid = pid->get<pid_t>();
  out.start_time = start_time->get<uint64_t>();
  return true;
}

}  // namespace

std::string encode_started_processes(const StartedProcesses& processes) {
  json document = {{"monitor", identity_to_json(processes.monitor)},
                   {"init", identity_to_json(processes.init)},
                   {"cgroup_paths", processes.cgroup_paths}};
  return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<StartedProcesses> decode_started_processes(std::string_view text) {
  json document = json::parse(text, nullptr, false);
  StartedProcesses processes;
  if (!document.is_object() || !identity_from_json(document.value("monitor", json()), processes.monitor) ||
      !identity_from_json(document.value("init", json()), processes.init)) {
    return Error::invalid("malformed monitor state");
  }
  auto paths = document.find("cgroup_paths");
  if (paths != document.end() && paths->is_array()) {
    for (const json& path : *paths) {
      if (path.is_string()) processes.cgroup_paths.push_back(path.get<std::string>());
    }
  }
  return processes;
}

std::string encode_exit_status(const ExitStatus& status, const std::string& error_message) {
  json document = {{"exit_code", status.exit_code}, {"oom_killed", status.oom_killed},
                   {"finished_at", status.finished_at}};
  if (!error_message.empty()) document["error"] = error_message;
  return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ExitStatus> decode_exit_status(std::string_view text) {
  json document = json::parse(text, nullptr, false);
  if (!document.is_object()) return Error::invalid("malformed exit status");
  auto exit_code = document.find("exit_code");
  if (exit_code == document.end() || !exit_code->is_number_integer()) return Error::invalid("malformed exit status");
  ExitStatus status;
  status.exit_code = exit_code->get<int>();
  auto oom_killed = document.find("oom_killed");
  status.oom_killed = oom_killed != document.end() && oom_killed->is_boolean() && oom_killed->get<bool>();
  auto finished_at = document.find("finished_at");
  if (finished_at != document.end() && finished_at->is_string()) status.finished_at = finished_at->get<std::string>();
  return status;
}

int exit_code_from_wait_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 255;
}

Result<uint64_t> parse_start_time(std::string_view stat_line) {
  size_t close = stat_line.rfind(')');
  if (close == std::string_view::npos) return Error::invalid("malformed /proc stat line");
  // After ") " comes field 3 (state); starttime is field 22, i.e. the 20th field from there.
  std::string_view rest = stat_line.substr(close + 1);
  int field = 2;
  size_t position = 0;
  while (position < rest.size()) {
    while (position < rest.size() && rest[position] == ' ') ++position;
    size_t end = rest.find(' ', position);
    if (end == std::string_view::npos) end = rest.size();
    ++field;
    if (field == 22) {
      uint64_t value = 0;
      auto [pointer, error] = std::from_chars(rest.data() + position, rest.data() + end, value);
      if (error != std::errc() || pointer != rest.data() + end) break;
      return value;
    }
    position = end;
  }
  return Error::invalid("malformed /proc stat line: no start time");
}

Result<uint64_t> read_process_start_time(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  auto line = read_file(path);
  if (!line) return std::move(line).error();
  auto start_time = parse_start_time(*line);
  if (!start_time) return std::move(start_time).error().context("read " + gocker::quoted(path));
  return start_time;
}

}  // namespace gocker::runtime
