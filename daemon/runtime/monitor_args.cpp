#include "runtime/monitor_args.hpp"

#include "base/strings.hpp"

namespace gocker::runtime {
namespace {

Result<int> parse_preserved_fds(const std::string& value) {
  int count = 0;
  for (char c : value) {
    if (c < '0' || c > '9' || count > 100000) return Error::invalid("monitor arguments: bad --preserve-fds " + gocker::quoted(value));
    count = count * 10 + (c - '0');
  }
  return count;
}

// The flags a container's and an exec's monitor share: where the process's stdio goes (a console
// socket for its pty master, or the caller's own fds) and whether the process is handed to the
// caller's subreaper (gocker-runc for other engines).
void append_process_io_flags(std::vector<std::string>& argv, const std::string& console_socket, bool inherit_stdio,
                             bool hand_off) {
  if (!console_socket.empty()) argv.insert(argv.end(), {"--console-socket", console_socket});
  if (inherit_stdio) argv.insert(argv.end(), {"--inherit-stdio", "1"});
  if (hand_off) argv.insert(argv.end(), {"--hand-off", "1"});
}

// True when `flag` is one of those (its value stored).
bool parse_process_io_flag(const std::string& flag, const std::string& value, std::string& console_socket,
                           bool& inherit_stdio, bool& hand_off) {
  if (flag == "--console-socket") {
    console_socket = value;
  } else if (flag == "--inherit-stdio") {
    inherit_stdio = value == "1";
  } else if (flag == "--hand-off") {
    hand_off = value == "1";
  } else {
    return false;
  }
  return true;
}

// Another OCI runtime does the container work (oci_runtime.hpp); the monitor drives it.
void append_runtime_flags(std::vector<std::string>& argv, const std::string& runtime_path, const std::string& runtime_root) {
  if (!runtime_path.empty()) argv.insert(argv.end(), {"--runtime", runtime_path, "--runtime-root", runtime_root});
}

bool parse_runtime_flag(const std::string& flag, const std::string& value, std::string& runtime_path,
                        std::string& runtime_root) {
  if (flag == "--runtime") {
    runtime_path = value;
  } else if (flag == "--runtime-root") {
    runtime_root = value;
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> build_monitor_argv(const MonitorOptions& options) {
  std::vector<std::string> argv = {"gocker-monitor", "--id",  options.container_id, "--bundle", options.bundle_dir,
                                   "--state-dir",    options.state_dir, "--log", options.log_path,
                                   "--attach",       options.attach_socket};
  // Standalone mode only (gocker-runc); the daemon's monitors keep the short command line.
  if (!options.control_socket.empty()) argv.insert(argv.end(), {"--control-socket", options.control_socket});
  append_process_io_flags(argv, options.console_socket, options.inherit_stdio, options.hand_off_init);
  if (options.preserved_fds > 0) argv.insert(argv.end(), {"--preserve-fds", std::to_string(options.preserved_fds)});
  append_runtime_flags(argv, options.runtime_path, options.runtime_root);
  return argv;
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
    } else if (flag == "--control-socket") {
      options.control_socket = value;
    } else if (parse_process_io_flag(flag, value, options.console_socket, options.inherit_stdio, options.hand_off_init)) {
    } else if (parse_runtime_flag(flag, value, options.runtime_path, options.runtime_root)) {
    } else if (flag == "--preserve-fds") {
      auto count = parse_preserved_fds(value);
      if (!count) return std::move(count).error();
      options.preserved_fds = *count;
    } else {
      return Error::invalid("monitor arguments: unknown flag " + gocker::quoted(flag));
    }
  }
  if (options.container_id.empty() || options.bundle_dir.empty() || options.state_dir.empty()) {
    return Error::invalid("monitor arguments: --id, --bundle and --state-dir are required");
  }
  if (!options.runtime_path.empty() && options.runtime_root.empty()) {
    return Error::invalid("monitor arguments: --runtime needs --runtime-root");
  }
  return options;
}

std::string encode_monitor_arguments(const std::vector<std::string>& arguments) {
  std::string payload;
  for (const std::string& argument : arguments) {
    payload += argument;
    payload += '\0';
  }
  return payload;
}

std::vector<std::string> decode_monitor_arguments(std::string_view payload) {
  std::vector<std::string> arguments;
  while (!payload.empty()) {
    const size_t end = payload.find('\0');
    arguments.emplace_back(payload.substr(0, end));
    payload = end == std::string_view::npos ? std::string_view{} : payload.substr(end + 1);
  }
  return arguments;
}

std::vector<std::string> build_exec_monitor_argv(const ExecMonitorOptions& options) {
  std::vector<std::string> argv = {"gocker-monitor", kExecMode,     "--id",        options.container_id, "--exec-id",
                                   options.exec_id,  "--state-dir", options.state_dir, "--attach",   options.attach_socket};
  append_process_io_flags(argv, options.console_socket, options.inherit_stdio, options.hand_off_init);
  append_runtime_flags(argv, options.runtime_path, options.runtime_root);
  return argv;
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
    } else if (parse_process_io_flag(flag, value, options.console_socket, options.inherit_stdio, options.hand_off_init)) {
    } else if (parse_runtime_flag(flag, value, options.runtime_path, options.runtime_root)) {
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
