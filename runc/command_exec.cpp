// exec: one more process in a running container, through the same exec monitor gockerd uses
// (runtime/exec_launch.hpp): it joins the container's namespaces and cgroup under the container's
// own capabilities, rlimits and seccomp filter (from the bundle's config.json), unless -p gives a
// whole process object. In the foreground gocker-runc relays its stdio over the monitor's attach
// socket and exits with the process's exit code; with -d it returns once the process runs.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/random_id.hpp"
#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "cli.hpp"
#include "container_store.hpp"
#include "logging.hpp"
#include "runtime/attach_codec.hpp"
#include "runtime/exec_launch.hpp"
#include "runtime/file_util.hpp"
#include "runtime/oci_config.hpp"
#include "runtime/unix_socket.hpp"

namespace gocker::runc {
namespace {

namespace attach = runtime::attach;

// The process to run: -p's process object, else the container's own process with the command,
// cwd, env and user the flags give.
Result<runtime::ExecSpec> exec_spec(const LoadedContainer& container, const ExecOptions& options) {
  runtime::ExecSpec spec;
  auto bundle_spec = runtime::load_oci_config(container.record.bundle);
  if (!bundle_spec) return std::move(bundle_spec).error().context("read the container's config");
  if (!options.process_file.empty()) {
    std::ifstream in(options.process_file);
    if (!in) return Error::from_errno(errno, "open process file " + quoted(options.process_file));
    std::stringstream text;
    text << in.rdbuf();
    auto process = nlohmann::json::parse(text.str(), nullptr, false);
    if (!process.is_object()) return Error::invalid("process file " + quoted(options.process_file) + ": not a JSON object");
    // The exec spec's decoder is the one that validates an OCI process object.
    auto decoded = runtime::decode_exec_spec(nlohmann::json{{"container_init", {{"pid", 1}, {"start_time", 0}}},
                                                            {"cgroup_paths", nlohmann::json::array()},
                                                            {"process", process}}
                                                 .dump());
    if (!decoded) return std::move(decoded).error().context("process file " + quoted(options.process_file));
    spec.process = std::move(decoded->process);
  } else {
    if (options.args.empty()) return Error::invalid("exec: no command given");
    spec.process = bundle_spec->process;
    spec.process.args = options.args;
    spec.process.terminal = options.tty;
    if (!options.cwd.empty()) spec.process.cwd = options.cwd;
    for (const std::string& variable : options.env) spec.process.env.push_back(variable);
    if (!options.user.empty()) {
      const size_t colon = options.user.find(':');
      try {
        spec.process.user.uid = static_cast<uint32_t>(std::stoul(options.user.substr(0, colon)));
        if (colon != std::string::npos) spec.process.user.gid = static_cast<uint32_t>(std::stoul(options.user.substr(colon + 1)));
      } catch (const std::exception&) {
        return Error::invalid("exec: --user takes uid[:gid], not " + quoted(options.user));
      }
    }
  }
  spec.process.security = bundle_spec->process.security;
  // runc's rules and words: a detached terminal needs somebody to take the master.
  if (spec.process.terminal && options.detach && options.console_socket.empty())
    return Error::invalid("cannot allocate tty if runc will detach without setting console socket");
  if (!spec.process.terminal && !options.console_socket.empty())
    return Error::invalid("cannot use console socket if runc will not detach or allocate tty");
  spec.container_init = container.state.processes.init;
  spec.cgroup_paths = container.state.processes.cgroup_paths;
  // In the foreground stdin is relayed, unless the console socket's owner serves the terminal.
  spec.open_stdin = !options.detach && options.console_socket.empty();
  return spec;
}

// Reads up to the monitor's kSubscribed (nothing else comes before the process runs).
Status wait_subscribed(int socket) {
  unsigned char header[attach::kHeaderSize];
  size_t got = 0;
  while (got < sizeof header) {
    const ssize_t n = runtime::retry_eintr([&] { return ::read(socket, header + got, sizeof header - got); });
    if (n <= 0) return Error::from_errno(n < 0 ? errno : EPIPE, "attach to the exec");
    got += static_cast<size_t>(n);
  }
  const attach::FrameHeader frame = attach::decode_header(header);
  if (frame.type != attach::MessageType::kSubscribed || frame.payload_length != 0)
    return Error::internal("attach to the exec: unexpected first message from the monitor");
  return ok();
}

// Relays stdin to the process and its output to ours until the monitor says it exited.
Result<int> relay(int socket) {
  attach::FrameDecoder decoder;
  bool stdin_open = true;
  char buffer[65536];
  for (;;) {
    pollfd watched[2] = {{socket, POLLIN, 0}, {STDIN_FILENO, static_cast<short>(stdin_open ? POLLIN : 0), 0}};
    if (::poll(watched, stdin_open ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, "poll");
    }
    if (stdin_open && (watched[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      const ssize_t n = runtime::retry_eintr([&] { return ::read(STDIN_FILENO, buffer, sizeof buffer); });
      if (n <= 0) {
        stdin_open = false;
        (void)runtime::write_all(socket, attach::encode_frame(attach::MessageType::kStdinEof), "close stdin");
      } else {
        (void)runtime::write_all(socket, attach::encode_frame(attach::MessageType::kStdin, std::string_view(buffer, n)),
                                 "relay stdin");
      }
    }
    if (!(watched[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    const ssize_t n = runtime::retry_eintr([&] { return ::read(socket, buffer, sizeof buffer); });
    if (n < 0) return Error::from_errno(errno, "read the exec's output");
    if (n == 0) return Error::internal("the exec monitor went away without an exit status");
    decoder.feed(std::string_view(buffer, static_cast<size_t>(n)));
    for (;;) {
      auto frame = decoder.next();
      if (!frame) return std::move(frame).error();
      if (!frame->has_value()) break;
      const attach::Frame& message = **frame;
      if (message.type == attach::MessageType::kStdout) (void)runtime::write_all(STDOUT_FILENO, message.payload, "write stdout");
      if (message.type == attach::MessageType::kStderr) (void)runtime::write_all(STDERR_FILENO, message.payload, "write stderr");
      if (message.type == attach::MessageType::kExit) {
        auto code = attach::decode_exit(message.payload);
        if (!code) return std::move(code).error();
        return *code;
      }
    }
  }
}

}  // namespace

int run_exec(const GlobalOptions& global, const ExecOptions& options) {
  ContainerStore store(global.root);
  auto loaded = load_container(store, options.id);
  if (!loaded) return fail(loaded.error().message);
  if (loaded->state.status != runtime::ContainerStatus::kRunning || loaded->paused)
    return fail("cannot exec in a stopped or paused container");
  auto spec = exec_spec(*loaded, options);
  if (!spec) return fail(spec.error().message);

  auto random = random_hex_id("exec id");
  if (!random) return fail(random.error().message);
  const std::string exec_id = random->substr(0, 16);
  const std::string state_dir = store.state_dir(options.id) + "/exec-" + exec_id;
  std::error_code ignored;
  std::filesystem::create_directories(state_dir, ignored);
  ScopeGuard remove_state([&] { std::filesystem::remove_all(state_dir, ignored); });
  runtime::ExecMonitorOptions monitor;
  monitor.monitor_binary = monitor_binary_path();
  monitor.container_id = options.id;
  monitor.exec_id = exec_id;
  monitor.state_dir = state_dir;
  if (!options.detach) monitor.attach_socket = state_dir + "/attach.sock";
  if (!options.console_socket.empty()) monitor.console_socket = std::filesystem::absolute(options.console_socket).string();
  // Detached, as runc: the process writes to our stdio itself and, once it runs, belongs to the
  // subreaper that waits for it (conmon, the containerd shim), which reads its exit status.
  monitor.inherit_stdio = options.detach;
  monitor.hand_off_init = options.detach;
  auto pending = runtime::spawn_exec_monitor(monitor, *spec);
  if (!pending) return fail(pending.error().message);
  if (!options.pid_file.empty()) {
    if (auto written = runtime::write_file_atomically(options.pid_file, std::to_string(pending->processes().init.pid));
        !written)
      return fail(written.error().message);
  }

  UniqueFd attached;
  if (!options.detach) {
    // Subscribed before the process may run, so not one byte of its output is missed.
    auto socket = runtime::connect_unix(monitor.attach_socket, SOCK_STREAM);
    if (!socket) return fail(socket.error().message);
    attached = std::move(*socket);
    attach::Hello hello{true, true, true};
    if (auto sent = runtime::write_all(attached.get(), attach::encode_frame(attach::MessageType::kHello, attach::encode_hello(hello)),
                                       "attach to the exec");
        !sent)
      return fail(sent.error().message);
    if (auto subscribed = wait_subscribed(attached.get()); !subscribed) return fail(subscribed.error().message);
  }
  if (auto started = pending->go(); !started) {
    if (options.detach) return fail(started.error().message);
    // The command was not found or not executable: the monitor still reports the exit (127/126).
    log_warning(started.error().message);
  }
  if (options.detach) {
    remove_state.dismiss();  // the monitor writes its exit there; delete removes it
    return 0;
  }
  auto code = relay(attached.get());
  runtime::wait_for_monitor_exit(pending->processes());
  if (!code) return fail(code.error().message);
  return *code;
}

}  // namespace gocker::runc
