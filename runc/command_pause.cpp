// pause, resume, ps: what runc does with a running container's cgroup. pause freezes every
// process of it (v1 freezer, v2 cgroup.freeze) and `state` then says "paused"; ps lists the
// cgroup's processes, as a JSON array of pids or as `ps` prints them.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli.hpp"
#include "container_store.hpp"
#include "logging.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"
#include "runtime/file_util.hpp"

namespace gocker::runc {
namespace {

Result<std::unique_ptr<runtime::CgroupDriver>> driver_for(const ContainerRecord& record) {
  if (record.cgroup_path.empty()) return Error::invalid("container " + record.id + " has no cgroup");
  return runtime::detect_cgroup_driver();
}

Result<LoadedContainer> load_running(const GlobalOptions& global, const std::string& id) {
  ContainerStore store(global.root);
  auto loaded = load_container(store, id);
  if (!loaded) return std::move(loaded).error();
  if (loaded->state.status != runtime::ContainerStatus::kRunning) return Error::conflict("container not running");
  return loaded;
}

// `ps` run with the user's arguments (runc's default: -ef), its header kept and its other lines
// kept when their PID column is one of `pids`.
Result<std::string> ps_lines(const std::vector<std::string>& ps_args, const std::set<pid_t>& pids) {
  std::string command = "ps";
  for (const std::string& arg : ps_args) {
    command += " '";
    for (char c : arg) command += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += "'";
  }
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return Error::from_errno(errno, "run ps");
  std::string output;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status != 0) return Error::internal("ps " + std::string(ps_args.empty() ? "" : ps_args.front()) + " failed");
  std::istringstream lines(output);
  std::string header;
  std::getline(lines, header);
  // The PID column: where the header says "PID".
  std::istringstream header_words(header);
  int pid_column = -1;
  std::string word;
  for (int column = 0; header_words >> word; ++column)
    if (word == "PID") pid_column = column;
  if (pid_column < 0) return Error::invalid("couldn't find PID field in ps output");
  std::string out = header + "\n";
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    for (int column = 0; words >> word; ++column) {
      if (column != pid_column) continue;
      if (pids.count(static_cast<pid_t>(std::atol(word.c_str())))) out += line + "\n";
      break;
    }
  }
  return out;
}

}  // namespace

Status thaw_container(const ContainerRecord& record) {
  auto driver = driver_for(record);
  if (!driver) return std::move(driver).error();
  return (*driver)->thaw(record.cgroup_path);
}

int run_pause(const GlobalOptions& global, const std::string& id) {
  auto loaded = load_running(global, id);
  if (!loaded) return fail(loaded.error().message);
  if (loaded->paused) return fail("container " + id + " is already paused");
  auto driver = driver_for(loaded->record);
  if (!driver) return fail(driver.error().message);
  if (auto frozen = (*driver)->freeze(loaded->record.cgroup_path); !frozen) return fail(frozen.error().message);
  return 0;
}

int run_resume(const GlobalOptions& global, const std::string& id) {
  auto loaded = load_running(global, id);
  if (!loaded) return fail(loaded.error().message);
  if (!loaded->paused) return fail("container not paused");
  if (auto thawed = thaw_container(loaded->record); !thawed) return fail(thawed.error().message);
  return 0;
}

int run_ps(const GlobalOptions& global, const PsOptions& options) {
  auto loaded = load_running(global, options.id);
  if (!loaded) return fail(loaded.error().message);
  auto driver = driver_for(loaded->record);
  if (!driver) return fail(driver.error().message);
  auto pids = (*driver)->pids(loaded->record.cgroup_path);
  if (!pids) return fail(pids.error().message);
  std::sort(pids->begin(), pids->end());
  std::string out;
  if (options.format == "json") {
    out = nlohmann::json(*pids).dump() + "\n";
  } else if (options.format == "table") {
    auto lines = ps_lines(options.ps_args.empty() ? std::vector<std::string>{"-ef"} : options.ps_args,
                          std::set<pid_t>(pids->begin(), pids->end()));
    if (!lines) return fail(lines.error().message);
    out = std::move(*lines);
  } else {
    return fail("invalid format option");
  }
  (void)runtime::write_all(1, out, "write ps");
  return 0;
}

}  // namespace gocker::runc
