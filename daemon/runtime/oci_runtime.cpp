#include "runtime/oci_runtime.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "base/strings.hpp"
#include "runtime/spawn_setup.hpp"
#include "base/unique_fd.hpp"
#include "runtime/file_util.hpp"
#include "runtime/security/security_config.hpp"

namespace gocker::runtime {
namespace {

using nlohmann::json;

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string command_name(const std::vector<std::string>& argv) {
  // The first word after the global options: create, start, delete, exec.
  for (size_t index = 1; index < argv.size(); ++index) {
    if (argv[index].rfind("--", 0) == 0) {
      ++index;  // every global option of ours takes a value
      continue;
    }
    return argv[index];
  }
  return "command";
}

}  // namespace

std::vector<std::string> runtime_global_argv(const OciRuntimeCommand& runtime) {
  std::vector<std::string> argv{runtime.path, "--root", runtime.root};
  if (!runtime.log_path.empty()) {
    argv.insert(argv.end(), {"--log", runtime.log_path, "--log-format", "json"});
  }
  return argv;
}

std::vector<std::string> runtime_create_argv(const OciRuntimeCommand& runtime, const std::string& container_id,
                                             const std::string& bundle_dir, const std::string& pid_file,
                                             const std::string& console_socket) {
  auto argv = runtime_global_argv(runtime);
  argv.insert(argv.end(), {"create", "--bundle", bundle_dir, "--pid-file", pid_file});
  if (!console_socket.empty()) argv.insert(argv.end(), {"--console-socket", console_socket});
  argv.push_back(container_id);
  return argv;
}

std::vector<std::string> runtime_start_argv(const OciRuntimeCommand& runtime, const std::string& container_id) {
  auto argv = runtime_global_argv(runtime);
  argv.insert(argv.end(), {"start", container_id});
  return argv;
}

std::vector<std::string> runtime_delete_argv(const OciRuntimeCommand& runtime, const std::string& container_id) {
  auto argv = runtime_global_argv(runtime);
  argv.insert(argv.end(), {"delete", "--force", container_id});
  return argv;
}

std::vector<std::string> runtime_exec_argv(const OciRuntimeCommand& runtime, const std::string& container_id,
                                           const std::string& process_file, const std::string& pid_file,
                                           const std::string& console_socket) {
  auto argv = runtime_global_argv(runtime);
  argv.insert(argv.end(), {"exec", "--process", process_file, "--detach", "--pid-file", pid_file});
  if (!console_socket.empty()) argv.insert(argv.end(), {"--tty", "--console-socket", console_socket});
  argv.push_back(container_id);
  return argv;
}

std::string last_runtime_error(std::string_view log_text) {
  std::string last_error;
  std::string last_line;
  size_t position = 0;
  while (position < log_text.size()) {
    size_t end = log_text.find('\n', position);
    if (end == std::string_view::npos) end = log_text.size();
    std::string_view line = log_text.substr(position, end - position);
    position = end + 1;
    if (line.empty()) continue;
    json entry = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!entry.is_object()) {
      last_line = std::string(line);
      continue;
    }
    std::string level = entry.value("level", "");
    auto message = entry.find("msg");
    if (message == entry.end() || !message->is_string()) continue;
    if (level == "error" || level == "fatal" || level == "panic") last_error = message->get<std::string>();
    else last_line = message->get<std::string>();
  }
  return last_error.empty() ? last_line : last_error;
}

int errno_for_runtime_error(std::string_view message) {
  std::string text = lowercase(message);
  if (text.find("executable file not found") != std::string::npos ||
      text.find("no such file or directory") != std::string::npos) {
    return ENOENT;
  }
  if (text.find("permission denied") != std::string::npos) return EACCES;
  return 0;
}

std::string runc_style_error(std::string_view message) {
  // crun 1.8 on a command that is a directory; runc (and so Docker's exit code 126) says
  // "permission denied" for the same.
  constexpr std::string_view kCrunNotExecutable = "open executable: Operation not permitted";
  if (size_t at = message.find(kCrunNotExecutable); at != std::string_view::npos) {
    return std::string(message.substr(0, at)) + "open executable: permission denied" +
           std::string(message.substr(at + kCrunNotExecutable.size()));
  }
  constexpr std::string_view kHead = "executable file `";
  constexpr std::string_view kTail = "` not found in $PATH";
  size_t head = message.find(kHead);
  if (head == std::string_view::npos) return std::string(message);
  size_t name_start = head + kHead.size();
  size_t tail = message.find(kTail, name_start);
  if (tail == std::string_view::npos) return std::string(message);
  std::string name(message.substr(name_start, tail - name_start));
  return std::string(message.substr(0, head)) + "exec: \"" + name + "\": executable file not found in $PATH";
}

json oci_process_json(const OciProcess& process) {
  json user = {{"uid", process.user.uid}, {"gid", process.user.gid}};
  if (!process.user.additional_gids.empty()) user["additionalGids"] = process.user.additional_gids;
  json out = {{"terminal", process.terminal}, {"user", user}, {"args", process.args}, {"env", process.env},
              {"cwd", process.cwd}};
  json security = encode_process_security(process.security);
  for (const char* key : {"capabilities", "noNewPrivileges", "rlimits"}) {
    if (auto it = security.find(key); it != security.end()) out[key] = *it;
  }
  return out;
}

Status run_runtime_command(const OciRuntimeCommand& runtime, const std::vector<std::string>& argv, int stdin_fd,
                           int stdout_fd, int stderr_fd) {
  const std::string what = gocker::quoted(runtime.path) + " " + command_name(argv);
  if (!runtime.log_path.empty()) {
    // One log per command: what is read back after a failure is this command's.
    UniqueFd log_file{::open(runtime.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
    if (!log_file) return Error::from_errno(errno, what + ": create log " + gocker::quoted(runtime.log_path));
  }
  SpawnSetup spawn;
  const int targets[3] = {0, 1, 2};
  const int sources[3] = {stdin_fd, stdout_fd, stderr_fd};
  for (int index = 0; index < 3; ++index) {
    if (sources[index] >= 0) {
      ::posix_spawn_file_actions_adddup2(&spawn.actions, sources[index], targets[index]);
    } else {
      ::posix_spawn_file_actions_addopen(&spawn.actions, targets[index], "/dev/null", index == 0 ? O_RDONLY : O_WRONLY, 0);
    }
  }
  spawn.close_inherited_from(3);
  std::vector<std::string> arguments = argv;
  std::vector<char*> pointers;
  for (std::string& argument : arguments) pointers.push_back(argument.data());
  pointers.push_back(nullptr);
  // Hooks the runtime runs look their binaries up on PATH; nothing else of ours is passed on.
  std::string path_variable = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  char* environment[] = {path_variable.data(), nullptr};
  pid_t pid = 0;
  int error = ::posix_spawn(&pid, runtime.path.c_str(), &spawn.actions, &spawn.attributes, pointers.data(), environment);
  if (error != 0) return Error::from_errno(error, "run " + what);
  // The child is reaped here on every path: no zombie outlives this call.
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Error::from_errno(errno, "wait for " + what);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ok();
  std::string message;
  if (!runtime.log_path.empty()) {
    if (auto log = read_file(runtime.log_path)) message = last_runtime_error(*log);
  }
  message = runc_style_error(message);
  if (message.empty()) {
    message = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                : std::string("killed by signal ") + std::to_string(WTERMSIG(status));
  }
  Error failure = Error::internal(what + " failed: " + message);
  failure.sys_errno = errno_for_runtime_error(message);
  if (failure.sys_errno == ENOENT) failure.kind = ErrorKind::NotFound;
  return failure;
}

Result<pid_t> read_pid_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return std::move(text).error();
  std::string digits;
  for (char c : *text) {
    if (std::isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
    else if (!std::isspace(static_cast<unsigned char>(c))) break;
  }
  if (digits.empty() || digits.size() > 9) return Error::internal("read pid file " + gocker::quoted(path) + ": no pid in it");
  pid_t pid = static_cast<pid_t>(std::stol(digits));
  if (pid <= 0) return Error::internal("read pid file " + gocker::quoted(path) + ": invalid pid");
  return pid;
}

}  // namespace gocker::runtime
