#include "runtime/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"
#include "runtime/file_util.hpp"
#include "runtime/spawn_setup.hpp"
#include "runtime/sys/syscalls.hpp"

namespace gocker::runtime {
namespace {

std::vector<char*> as_pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& value : strings) pointers.push_back(value.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

std::string hook_state_json(const std::string& id, const char* status, pid_t pid, const std::string& bundle,
                            const std::map<std::string, std::string>& annotations) {
  nlohmann::json state = {{"ociVersion", "1.1.0"}, {"id", id}, {"status", status}, {"bundle", bundle}};
  if (pid > 0) state["pid"] = pid;
  if (!annotations.empty()) state["annotations"] = annotations;
  return state.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status run_hook(const OciHook& hook, const std::string& state) {
  std::string what = "hook " + gocker::quoted(hook.path);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::from_errno(errno, what + ": create stdin pipe");
  UniqueFd read_end{fds[0]}, write_end{fds[1]};

  SpawnSetup spawn;
  ::posix_spawn_file_actions_adddup2(&spawn.actions, read_end.get(), 0);
  ::posix_spawn_file_actions_addopen(&spawn.actions, 1, "/dev/null", O_WRONLY, 0);
  ::posix_spawn_file_actions_addopen(&spawn.actions, 2, "/dev/null", O_WRONLY, 0);
  spawn.close_inherited_from(3);
  std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  std::vector<std::string> env = hook.env;
  std::vector<char*> argv = as_pointers(args);
  std::vector<char*> envp = as_pointers(env);
  pid_t pid = 0;
  int spawned = ::posix_spawn(&pid, hook.path.c_str(), &spawn.actions, &spawn.attributes, argv.data(), envp.data());
  if (spawned != 0) return Error::from_errno(spawned, what + ": start");
  read_end.reset();
  UniqueFd pidfd{sys::pidfd_open(pid, 0)};

  // A hook that does not read its stdin gets EPIPE here; that is its business, not an error.
  (void)write_all(write_end.get(), state, what + ": write state");
  write_end.reset();

  if (pidfd) {
    struct pollfd exited = {pidfd.get(), POLLIN, 0};
    int timeout_ms = hook.timeout_seconds ? *hook.timeout_seconds * 1000 : -1;
    int ready = retry_eintr([&] { return ::poll(&exited, 1, timeout_ms); });
    if (ready == 0) {
      sys::pidfd_send_signal(pidfd.get(), SIGKILL);
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      return Error::unavailable(what + ": timed out after " + std::to_string(*hook.timeout_seconds) + "s");
    }
  }
  int status = 0;
  if (retry_eintr([&] { return ::waitpid(pid, &status, 0); }) < 0) return Error::from_errno(errno, what + ": wait");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ok();
  if (WIFSIGNALED(status)) return Error::internal(what + ": killed by signal " + std::to_string(WTERMSIG(status)));
  return Error::internal(what + ": exit status " + std::to_string(WEXITSTATUS(status)));
}

Status run_hooks(const std::vector<OciHook>& hooks, const char* phase, const std::string& state, bool run_all) {
  Status first_failure;
  for (const OciHook& hook : hooks) {
    auto status = run_hook(hook, state);
    if (status || !first_failure) continue;
    first_failure = std::move(status).error().context(std::string(phase) + " hook");
    if (!run_all) break;
  }
  return first_failure;
}

}  // namespace gocker::runtime
