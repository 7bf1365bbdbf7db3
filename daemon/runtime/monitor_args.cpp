#include "runtime/monitor_args.hpp"

#include "base/strings.hpp"

namespace gocker::runtime {

std::vector<std::string> build_monitor_argv(const MonitorOptions& options) {
  return {"gocker-monitor", "--id",  options.container_id, "--bundle", options.bundle_dir, "--state-dir",
          options.state_dir, "--log", options.log_path,    "--attach", options.attach_socket};
}

Result<MonitorOptions> parse_monitor_argv(const std::vector<std::string>& arguments) {
  MonitorOptions options;
  for (size_t index = 1; index < arguments.size(); index += 2) {
    const std::string& flag = arguments[index];
    if (index + 1 >= arguments.size()) return Error::invalid("monitor arguments: " + gocker::quoted(flag) + " needs a value");
    const std::string& value = arguments[index + 1];
    if (flag == "--id") {
      options.container_id = value;
    } else if (flag == "--bundle") {
      options.bundle_dir = value;
    } else if (flag == "--state-dir") {
      options.state_dir = value;
    } else if (flag == "--log") {
      options.log_path = value;
    } else if (flag == "--attach") {
      options.attach_socket = value;
    } else {
      return Error::invalid("monitor arguments: unknown flag " + gocker::quoted(flag));
    }
  }
  if (options.container_id.empty() || options.bundle_dir.empty() || options.state_dir.empty()) {
    return Error::invalid("monitor arguments: --id, --bundle and --state-dir are required");
  }
  return options;
}

std::vector<std::string> build_exec_monitor_argv(const ExecMonitorOptions& options) {
  return {"gocker-monitor", kExecMode,         "--id",        options.container_id, "--exec-id",
          options.exec_id,  "--state-dir",     options.state_dir, "--attach",        options.attach_socket};
}

Result<ExecMonitorOptions> parse_exec_monitor_argv(const std::vector<std::string>& arguments) {
  if (arguments.size() < 2 || arguments[1] != kExecMode) return Error::invalid("exec monitor arguments: missing mode");
  ExecMonitorOptions options;
  for (size_t index = 2; index < arguments.size(); index += 2) {
    const std::string& flag = arguments[index];
    if (index + 1 >= arguments.size()) return Error::invalid("exec monitor arguments: " + gocker::quoted(flag) + " needs a value");
    const std::string& value = arguments[index + 1];
    if (flag == "--id") {
      options.container_id = value;
    } else if (flag == "--exec-id") {
      options.exec_id = value;
    } else if (flag == "--state-dir") {
      options.state_dir = value;
    } else if (flag == "--attach") {
      options.attach_socket = value;
    } else {
      return Error::invalid("exec monitor arguments: unknown flag " + gocker::quoted(flag));
    }
  }
  if (options.container_id.empty() || options.exec_id.empty() || options.state_dir.empty()) {
    return Error::invalid("exec monitor arguments: --id, --exec-id and --state-dir are required");
  }
  return options;
}

}  // namespace gocker::runtime
