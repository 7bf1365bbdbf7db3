// gocker-run-bundle: a test-only driver of the runtime, no daemon involved.
//
//   gocker-run-bundle [--monitor PATH] [--attach] [--stdin] [--id ID] BUNDLE_DIR STATE_DIR
//
// Spawns a monitor for the OCI bundle (log: STATE_DIR/json.log, attach socket STATE_DIR/attach.sock),
// optionally attaches to it (container output to our stdout/stderr, our stdin to the container),
// calls go(), waits for the monitor to exit through a pidfd, prints STATE_DIR/exit.json's content
// (to stdout, or to stderr when attached) and exits with the container's exit code. A start
// failure prints its message on stderr; the exit code is then the one the monitor recorded.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "base/strings.hpp"
#include "runtime/attach_codec.hpp"
#include "runtime/file_util.hpp"
#include "runtime/monitor_launch.hpp"
#include "runtime/monitor_state.hpp"

using namespace gocker;
using namespace gocker::runtime;

namespace {

int usage() {
  std::fputs("usage: gocker-run-bundle [--monitor PATH] [--attach] [--stdin] [--id ID] BUNDLE_DIR STATE_DIR\n", stderr);
  return 2;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "gocker-run-bundle: %s\n", message.c_str());
  return 125;
}

Result<UniqueFd> connect_attach(const std::string& path, bool with_stdin) {
  UniqueFd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd) return Error::from_errno(errno, "socket");
  struct sockaddr_un address {};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  if (::connect(fd.get(), reinterpret_cast<struct sockaddr*>(&address), sizeof address) != 0) {
    return Error::from_errno(errno, "connect " + gocker::quoted(path));
  }
  std::string hello = attach::encode_frame(attach::MessageType::kHello,
                                           attach::encode_hello({with_stdin, true, true}));
  GOCKER_TRY(write_all(fd.get(), hello, "send hello"));
  // Wait for kSubscribed, so no output can be produced before we listen.
  attach::FrameDecoder decoder;
  char buffer[4096];
  while (true) {
    ssize_t count = ::read(fd.get(), buffer, sizeof buffer);
    if (count <= 0) return Error::internal("attach: connection closed before subscribed");
    decoder.feed(std::string_view(buffer, static_cast<size_t>(count)));
    auto frame = decoder.next();
    if (!frame) return std::move(frame).error();
    if (frame->has_value() && (*frame)->type == attach::MessageType::kSubscribed) return fd;
  }
}

// Copies the container's output to ours and our stdin to the container until kExit.
void pump_attach(int socket, bool with_stdin) {
  attach::FrameDecoder decoder;
  bool stdin_open = with_stdin;
  char buffer[65536];
  while (true) {
    struct pollfd fds[2] = {{socket, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) {
      ssize_t count = ::read(0, buffer, sizeof buffer);
      if (count > 0) {
        (void)write_all(socket, attach::encode_frame(attach::MessageType::kStdin, {buffer, size_t(count)}), "stdin");
      } else {
        (void)write_all(socket, attach::encode_frame(attach::MessageType::kStdinEof), "stdin eof");
        stdin_open = false;
      }
    }
    if (!fds[0].revents) continue;
    ssize_t count = ::read(socket, buffer, sizeof buffer);
    if (count <= 0) return;
    decoder.feed(std::string_view(buffer, static_cast<size_t>(count)));
    while (true) {
      auto frame = decoder.next();
      if (!frame || !frame->has_value()) break;
      attach::Frame& received = **frame;
      if (received.type == attach::MessageType::kStdout) (void)write_all(1, received.payload, "stdout");
      if (received.type == attach::MessageType::kStderr) (void)write_all(2, received.payload, "stderr");
      if (received.type == attach::MessageType::kExit) return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  MonitorOptions options;
  options.monitor_binary = GOCKER_MONITOR_BIN;
  options.container_id = "run-bundle-" + std::to_string(::getpid());
  bool attach = false;
  bool with_stdin = false;
  int index = 1;
  for (; index < argc && argv[index][0] == '-'; ++index) {
    std::string flag = argv[index];
    if (flag == "--attach") {
      attach = true;
    } else if (flag == "--stdin") {
      with_stdin = true;
    } else if ((flag == "--monitor" || flag == "--id") && index + 1 < argc) {
      (flag == "--monitor" ? options.monitor_binary : options.container_id) = argv[++index];
    } else {
      return usage();
    }
  }
  if (argc - index != 2) return usage();
  options.bundle_dir = argv[index];
  options.state_dir = argv[index + 1];
  options.log_path = options.state_dir + "/json.log";
  options.attach_socket = options.state_dir + "/attach.sock";

  auto pending = spawn_monitor(options);
  if (!pending) {
    // A command that cannot run fails before ready; the monitor recorded its 127 or 126.
    auto recorded = read_exit_status(options.state_dir);
    if (!recorded) return fail("spawn monitor: " + pending.error().message);
    std::fprintf(stderr, "gocker-run-bundle: start: %s (errno %d)\n", pending.error().message.c_str(),
                 pending.error().sys_errno);
    return recorded->exit_code;
  }
  auto monitor = open_pidfd(pending->processes().monitor);
  if (!monitor) return fail("open monitor pidfd: " + monitor.error().message);
  UniqueFd attached;
  if (attach) {
    auto connection = connect_attach(options.attach_socket, with_stdin);
    if (!connection) return fail("attach: " + connection.error().message);
    attached = std::move(*connection);
  }
  if (auto started = pending->go(); !started) {
    std::fprintf(stderr, "gocker-run-bundle: start: %s (errno %d)\n", started.error().message.c_str(),
                 started.error().sys_errno);
  }
  if (attached) pump_attach(attached.get(), with_stdin);

  // A pidfd becomes readable when the process exits: no polling loop, no sleep.
  struct pollfd exit_wait = {monitor->get(), POLLIN, 0};
  while (::poll(&exit_wait, 1, -1) < 0 && errno == EINTR) {
  }
  auto text = read_file(options.state_dir + "/" + kExitStatusFile);
  if (!text) return fail("read exit status: " + text.error().message);
  auto status = decode_exit_status(*text);
  if (!status) return fail(status.error().message);
  std::fprintf(attach ? stderr : stdout, "%s\n", text->c_str());
  return status->exit_code;
}
