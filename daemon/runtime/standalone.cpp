#include "runtime/standalone.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>

#include "base/strings.hpp"
#include "runtime/unix_socket.hpp"
#include "runtime/file_util.hpp"
#include "runtime/monitor_state.hpp"
#include "runtime/sync_protocol.hpp"

namespace gocker::runtime {
namespace {

bool path_exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

// Alive: the pid still names our process and it has not exited. An exited process stays a zombie
// until its parent (the monitor) reaps it, but its pidfd is readable from the moment it exits.
bool is_alive(const ProcessIdentity& process) {
  auto pidfd = open_pidfd(process);
  if (!pidfd) return false;
  struct pollfd exited = {pidfd->get(), POLLIN, 0};
  return ::poll(&exited, 1, 0) == 0;
}

}  // namespace

const char* container_status_name(ContainerStatus status) {
  switch (status) {
    case ContainerStatus::kCreating: return "creating";
    case ContainerStatus::kCreated: return "created";
    case ContainerStatus::kRunning: return "running";
    case ContainerStatus::kStopped: return "stopped";
  }
  return "unknown";
}

ContainerState read_container_state(const std::string& state_dir) {
  ContainerState state;
  auto processes = read_monitor_state(state_dir);
  bool exited = path_exists(state_dir + "/" + kExitStatusFile);
  if (!processes) {
    // No monitor.json: still being created, or the create failed and cleaned up (the monitor
    // removes monitor.json on failure); exit.json then tells the two apart only after a start.
    state.status = exited ? ContainerStatus::kStopped : ContainerStatus::kCreating;
    return state;
  }
  state.processes = std::move(*processes);
  state.monitor_alive = is_alive(state.processes.monitor);
  if (exited || !is_alive(state.processes.init)) {
    state.status = ContainerStatus::kStopped;
  } else if (path_exists(state_dir + "/" + kControlSocketFile)) {
    state.status = ContainerStatus::kCreated;
  } else {
    state.status = ContainerStatus::kRunning;
  }
  return state;
}

Status start_created_container(const std::string& state_dir) {
  auto control = connect_unix(state_dir + "/" + kControlSocketFile, SOCK_SEQPACKET);
  if (!control) {
    int err = control.error().sys_errno;
    if (err == ENOENT || err == ECONNREFUSED) return Error::conflict("container is not in the created state");
    return std::move(control).error();
  }
  // A failed send means the monitor closed the connection: the reply (or EOF) says why.
  (void)sync::send_message(control->get(), sync::MessageType::kGo);
  auto message = sync::receive_message(control->get());
  if (!message) return std::move(message).error().context("start container");
  if (!message->has_value()) return Error::conflict("container is not in the created state");
  sync::Message& received = **message;
  if (received.type == sync::MessageType::kStarted) return ok();
  if (received.type == sync::MessageType::kError) {
    return sync::error_from_setup_error(sync::decode_setup_error(received.payload));
  }
  return Error::internal("start container: unexpected message from monitor");
}

void wait_for_monitor_exit(const StartedProcesses& processes) {
  auto pidfd = open_pidfd(processes.monitor);
  if (!pidfd) return;
  struct pollfd exit_wait = {pidfd->get(), POLLIN, 0};
  while (::poll(&exit_wait, 1, -1) < 0 && errno == EINTR) {
  }
}

Status send_console_master(const std::string& socket_path, int master_fd) {
  auto connection = connect_unix(socket_path, SOCK_STREAM);
  if (!connection) return std::move(connection).error().context("console socket");
  // The name travels as the message's data; receivers (runc's recvfd and its users) take it as
  // the terminal's name.
  static constexpr char kName[] = "/dev/ptmx";
  struct iovec part = {const_cast<char*>(kName), sizeof kName - 1};
  if (send_with_fd(connection->get(), &part, 1, master_fd) < 0) {
    return Error::from_errno(errno, "send pty master to console socket " + gocker::quoted(socket_path));
  }
  return ok();
}

}  // namespace gocker::runtime
