// The monitor's event loop: everything after the container reported ready. See monitor.hpp.
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <vector>

#include "runtime/exec_lookup.hpp"
#include "runtime/file_util.hpp"
#include "runtime/monitor.hpp"
#include "runtime/monitor_state.hpp"
#include "runtime/sys/syscalls.hpp"

namespace gocker::runtime {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Output buffered for one slow attach client before it is disconnected (the log keeps everything).
constexpr size_t kClientBufferLimit = 4 * 1024 * 1024;
// stdin buffered for a container that does not read it; above this, clients are not read.
constexpr size_t kStdinHighWater = 1024 * 1024;
// How long attach clients may take to read the tail of the output after the container exited.
constexpr int kDrainSeconds = 5;

}  // namespace

void Monitor::watch(int fd, uint32_t events) {
  struct epoll_event event {};
  event.events = events;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event) != 0 && errno == ENOENT) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event);
  }
}

void Monitor::unwatch(int fd) {
  if (fd >= 0) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

Status Monitor::run_event_loop() {
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) return Error::from_errno(errno, "epoll_create1");
  watch(signal_fd_.get(), EPOLLIN);
  watch(control_.get(), EPOLLIN);
  if (sync_) watch(sync_.get(), EPOLLIN);
  if (stdout_ && !output_deferred_) watch(stdout_->fd.get(), EPOLLIN);
  if (stderr_ && !output_deferred_) watch(stderr_->fd.get(), EPOLLIN);
  if (listener_) watch(listener_.get(), EPOLLIN);
  if (control_listener_) watch(control_listener_.get(), EPOLLIN);
  // An exit that happened before the signalfd was watched is still pending on it; nothing is lost.
  struct epoll_event events[32];
  while (!done_) {
    int count = ::epoll_wait(epoll_.get(), events, 32, -1);
    if (count < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, "epoll_wait");
    }
    for (int index = 0; index < count && !done_; ++index) {
      int fd = events[index].data.fd;
      uint32_t mask = events[index].events;
      if (fd == signal_fd_.get()) {
        on_signal();
      } else if (control_ && fd == control_.get()) {
        on_control();
      } else if (sync_ && fd == sync_.get()) {
        on_sync();
      } else if (stdout_ && stdout_->fd && fd == stdout_->fd.get()) {
        on_output(*stdout_);
      } else if (stderr_ && stderr_->fd && fd == stderr_->fd.get()) {
        on_output(*stderr_);
      } else if (stdin_ && fd == stdin_.get()) {
        on_stdin_writable();
      } else if (listener_ && fd == listener_.get()) {
        on_attach_connection();
      } else if (control_listener_ && fd == control_listener_.get()) {
        on_control_connection();
      } else if (drain_timer_ && fd == drain_timer_.get()) {
        done_ = true;
      } else if (clients_.count(fd)) {
        on_client(fd, mask);
      }
    }
    finish_if_done();
  }
  return ok();
}

void Monitor::on_signal() {
  struct signalfd_siginfo info;
  while (::read(signal_fd_.get(), &info, sizeof info) == sizeof info) {
  }
  reap_children();
}

void Monitor::reap_children() {
  // As a subreaper we reap whatever was reparented to us, not only the init.
  while (true) {
    pid_t pid = -1;
    if (hand_off_ && phase_ == Phase::kStarting) {
      // Whether the command started is not known yet; if it did, its exit status belongs to the
      // engine that adopts the init, so look before reaping (WNOWAIT) and leave the init be.
      siginfo_t info {};
      if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
      if (info.si_pid == init_pid_) return;
      pid = info.si_pid;
    }
    int status = 0;
    pid = ::waitpid(pid, &status, WNOHANG);
    if (pid <= 0) return;
    if (pid == init_pid_) {
      init_wait_status_ = status;
      init_pidfd_.reset();
    }
  }
}

void Monitor::on_control() {
  auto message = sync::receive_message(control_.get());
  if (message && message->has_value() && (*message)->type == sync::MessageType::kGo &&
      phase_ == Phase::kWaitingForGo && uses_external_runtime()) {
    on_external_go();
    return;
  }
  if (message && message->has_value() && (*message)->type == sync::MessageType::kGo &&
      phase_ == Phase::kWaitingForGo) {
    // A failed send means the init is gone; the sync EOF and its exit decide what the daemon is told.
    (void)sync::send_message(sync_.get(), sync::MessageType::kGo);
    phase_ = Phase::kStarting;
    // PID 1 of the host may not reap anything; only an adopting subreaper is expecting the init.
    hand_off_ = options_.hand_off_init && ::getppid() != 1;
    // A container starts once: from here on it is no longer "created" (standalone.hpp).
    close_control_socket();
    return;
  }
  if (message && message->has_value()) return;  // nothing else is expected; ignore it
  // EOF (or a broken socket): the daemon is gone or dropped the start.
  unwatch(control_.get());
  control_.reset();
  // Standalone: the `create` (or an aborted `start`) went away; the container stays created.
  if (phase_ == Phase::kWaitingForGo && !is_standalone()) {
    // Abandoned before go: the command must never run. Kill the init; its reap ends the monitor.
    phase_ = Phase::kAbandoned;
    if (init_pidfd_) sys::pidfd_send_signal(init_pidfd_.get(), SIGKILL);
  }
  // After go the daemon is not needed: the monitor keeps serving the container on its own.
}

void Monitor::on_sync() {
  auto message = sync::receive_message(sync_.get());
  bool is_eof = !message || !message->has_value();
  if (!is_eof && (*message)->type != sync::MessageType::kError) return;  // nothing else is expected now
  unwatch(sync_.get());
  sync_.reset();
  if (phase_ == Phase::kAbandoned) return;
  if (is_eof && phase_ == Phase::kStarting) {
    // The init's end was CLOEXEC: EOF after go means execve succeeded. poststart hooks run before
    // the start returns (runtime-spec); their failure does not stop the container.
    if (!spec_.hooks.poststart.empty()) {
      std::string state = hook_state_json(options_.container_id, "running", init_pid_, options_.bundle_dir,
                                          spec_.annotations);
      (void)run_hooks(spec_.hooks.poststart, "poststart", state, /*run_all=*/true);
    }
    if (control_) (void)sync::send_message(control_.get(), sync::MessageType::kStarted);
    phase_ = Phase::kRunning;
    // Handed off: the init (maybe a zombie already) is reparented to our subreaper as we exit;
    // exit status and cgroup are the engine's and `delete`'s from here on.
    if (hand_off_) done_ = true;
    return;
  }
  sync::SetupError error;
  if (is_eof) {
    error = {"start", 0, "start container: init exited before the command was started"};
  } else {
    error = sync::decode_setup_error((*message)->payload);
    exec_exit_code_ = exit_code_for_exec_error(error.sys_errno);
  }
  error_message_ = error.message;
  // Reported to the daemon once exit.json is written (record_exit): go() returning the error
  // means the exit status is already there.
  start_error_ = std::move(error);
  phase_ = Phase::kRunning;
  // An init that already exited was left unreaped while the start's outcome was open.
  if (hand_off_) reap_children();
}

void Monitor::on_output(OutputStream& stream) {
  char buffer[kReadChunk];
  ssize_t count = ::read(stream.fd.get(), buffer, sizeof buffer);
  if (count < 0 && (errno == EAGAIN || errno == EINTR)) return;
  std::string time = now_rfc3339_nano();
  std::string lines;
  if (count > 0) {
    std::string_view data(buffer, static_cast<size_t>(count));
    stream.splitter.feed(data, time, lines);
    broadcast_output(stream.frame_type, data);
  } else {
    // 0: every writer closed the pipe. EIO on a pty master: the last slave fd closed, which is
    // the end of the output, not an error.
    stream.splitter.finish(time, lines);
    unwatch(stream.fd.get());
    stream.fd.reset();
    if (spec_.process.terminal) close_stdin();
  }
  // A log write error (disk full) cannot be reported to anyone; attach clients still get the data.
  if (log_fd_ && !lines.empty()) (void)write_all(log_fd_.get(), lines, "write log");
}

void Monitor::broadcast_output(attach::MessageType type, std::string_view data) {
  std::vector<int> dropped;
  for (auto& [fd, client] : clients_) {
    if (!client.subscribed || client.closing) continue;
    bool wanted = type == attach::MessageType::kStderr ? client.hello.attach_stderr : client.hello.attach_stdout;
    if (!wanted) continue;
    if (client.pending_output.size() + data.size() > kClientBufferLimit) {
      dropped.push_back(fd);
      continue;
    }
    attach::append_frame(client.pending_output, type, data);
  }
  for (int fd : dropped) drop_client(fd);
  std::vector<int> fds;
  for (auto& entry : clients_) fds.push_back(entry.first);
  for (int fd : fds) {
    auto it = clients_.find(fd);
    if (it != clients_.end() && !it->second.pending_output.empty()) flush_client(it->second);
  }
}

void Monitor::on_stdin_writable() {
  while (stdin_ && !stdin_queue_.empty()) {
    ssize_t written = ::write(stdin_.get(), stdin_queue_.data(), stdin_queue_.size());
    if (written < 0) {
      if (errno == EAGAIN) break;
      if (errno == EINTR) continue;
      close_stdin();  // EPIPE: the container closed its stdin; nothing more can be delivered
      return;
    }
    stdin_queue_.erase(0, static_cast<size_t>(written));
  }
  if (stdin_queue_.empty() && stdin_close_pending_) close_stdin();
  update_stdin_interest();
}

void Monitor::close_stdin() {
  if (stdin_) {
    unwatch(stdin_.get());
    stdin_.reset();
  }
  stdin_queue_.clear();
  stdin_watched_ = false;
  update_stdin_interest();
}

void Monitor::update_stdin_interest() {
  bool want_writable = stdin_ && !stdin_queue_.empty();
  if (want_writable != stdin_watched_) {
    if (want_writable) {
      watch(stdin_.get(), EPOLLOUT);
    } else if (stdin_) {
      unwatch(stdin_.get());
    }
    stdin_watched_ = want_writable;
  }
  bool paused = stdin_queue_.size() > kStdinHighWater;
  if (paused != clients_paused_) {
    clients_paused_ = paused;
    for (auto& [fd, client] : clients_) watch(fd, client_events(client));
  }
}

uint32_t Monitor::client_events(const Client& client) const {
  uint32_t events = clients_paused_ ? 0u : static_cast<uint32_t>(EPOLLIN);
  if (!client.pending_output.empty()) events |= EPOLLOUT;
  return events;
}

void Monitor::on_attach_connection() {
  while (true) {
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;  // EAGAIN: all accepted; anything else: the client is gone already
    Client& client = clients_[fd];
    client.fd.reset(fd);
    watch(fd, client_events(client));
  }
}

void Monitor::on_client(int fd, uint32_t events) {
  Client& client = clients_.at(fd);
  if (events & EPOLLOUT) {
    if (!flush_client(client)) return;
  }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
  char buffer[kReadChunk];
  ssize_t count = ::read(fd, buffer, sizeof buffer);
  if (count < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (count <= 0) {
    drop_client(fd);
    return;
  }
  client.decoder.feed(std::string_view(buffer, static_cast<size_t>(count)));
  while (true) {
    auto frame = client.decoder.next();
    if (!frame) {
      drop_client(fd);  // oversized frame: the stream cannot be resynchronised
      return;
    }
    if (!frame->has_value()) break;
    if (!handle_client_frame(client, **frame)) {
      drop_client(fd);
      return;
    }
  }
  if (!client.pending_output.empty()) flush_client(client);
}

bool Monitor::handle_client_frame(Client& client, attach::Frame& frame) {
  using attach::MessageType;
  if (!client.subscribed) {
    if (frame.type != MessageType::kHello) return false;
    auto hello = attach::decode_hello(frame.payload);
    if (!hello) return false;
    client.hello = *hello;
    client.subscribed = true;
    attach::append_frame(client.pending_output, MessageType::kSubscribed, {});
    return true;
  }
  switch (frame.type) {
    case MessageType::kStdin:
      if (client.hello.attach_stdin && stdin_ && !stdin_close_pending_) {
        stdin_queue_.append(frame.payload);
        on_stdin_writable();
      }
      break;
    case MessageType::kStdinEof:
      // Without StdinOnce, stdin stays open for the next attach (Docker's OpenStdin semantics).
      // A pty has no half-close; its stdin ends with the container.
      if (client.hello.attach_stdin && spec_.stdin_once && !spec_.process.terminal) {
        stdin_close_pending_ = true;
        on_stdin_writable();
      }
      break;
    case MessageType::kResize:
      if (spec_.process.terminal && stdout_ && stdout_->fd) {
        auto size = attach::decode_resize(frame.payload);
        if (!size) break;
        struct winsize window {};
        window.ws_row = size->height;
        window.ws_col = size->width;
        ::ioctl(stdout_->fd.get(), TIOCSWINSZ, &window);
      }
      break;
    default: break;  // unknown or monitor-to-client types: ignore, for forward compatibility
  }
  return true;
}

bool Monitor::flush_client(Client& client) {
  int fd = client.fd.get();
  while (!client.pending_output.empty()) {
    ssize_t sent = ::send(fd, client.pending_output.data(), client.pending_output.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      drop_client(fd);
      return false;
    }
    client.pending_output.erase(0, static_cast<size_t>(sent));
  }
  if (client.pending_output.empty() && client.closing) {
    drop_client(fd);
    return false;
  }
  watch(fd, client_events(client));
  return true;
}

void Monitor::drop_client(int fd) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  // Docker's StdinOnce: stdin closes when the client that attached it goes away.
  if (it->second.hello.attach_stdin && spec_.stdin_once && !spec_.process.terminal && phase_ != Phase::kExited) {
    stdin_close_pending_ = true;
    on_stdin_writable();
  }
  unwatch(fd);
  clients_.erase(it);
}

bool Monitor::output_done() const {
  bool stdout_open = stdout_ && stdout_->fd;
  bool stderr_open = stderr_ && stderr_->fd;
  return !stdout_open && !stderr_open;
}

void Monitor::finish_if_done() {
  if (done_) return;
  if (phase_ == Phase::kAbandoned) {
    if (!init_wait_status_) return;
    if (uses_external_runtime()) delete_with_runtime();
    remove_cgroup();
    if (listener_) ::unlink(options_.attach_socket.c_str());
    ::unlink((options_.state_dir + "/" + kMonitorStateFile).c_str());
    done_ = true;
    return;
  }
  if (phase_ == Phase::kExited) {
    if (clients_.empty()) done_ = true;
    return;
  }
  // Only once the command's fate is known (started, or its start failed) and all output is in.
  if (phase_ != Phase::kRunning || !init_wait_status_ || !output_done()) return;
  record_exit();
}

void Monitor::record_exec_failure(int sys_errno, const std::string& message) {
  ExitStatus status;
  status.exit_code = exit_code_for_exec_error(sys_errno);
  status.finished_at = now_rfc3339_nano();
  (void)write_file_atomically(options_.state_dir + "/" + kExitStatusFile, encode_exit_status(status, message));
}

void Monitor::record_exit() {
  phase_ = Phase::kExited;
  bool oom_killed = false;
  if (cgroup_) {
    auto oom_kills = cgroup_->oom_kill_count(spec_.cgroups_path);
    oom_killed = oom_kills && *oom_kills > oom_kills_at_start_;
  }
  // Before exit.json: once the engine sees the exit, a new start may create the container again.
  if (uses_external_runtime()) delete_with_runtime();
  ExitStatus status;
  status.exit_code = exec_exit_code_ ? *exec_exit_code_ : exit_code_from_wait_status(*init_wait_status_);
  status.oom_killed = oom_killed;
  status.finished_at = now_rfc3339_nano();
  // Nobody to report a failure to; the engine treats a missing exit.json of a dead monitor as an
  // unknown exit.
  (void)write_file_atomically(options_.state_dir + "/" + kExitStatusFile, encode_exit_status(status, error_message_));
  remove_cgroup();
  close_control_socket();
  if (start_error_ && control_) {
    (void)sync::send_message(control_.get(), sync::MessageType::kError, sync::encode_setup_error(*start_error_));
  }
  close_stdin();
  if (listener_) {
    unwatch(listener_.get());
    listener_.reset();
    ::unlink(options_.attach_socket.c_str());
  }
  std::string exit_payload = attach::encode_exit(status.exit_code);
  std::vector<int> fds;
  for (auto& entry : clients_) fds.push_back(entry.first);
  for (int fd : fds) {
    Client& client = clients_.at(fd);
    if (!client.subscribed) {
      drop_client(fd);
      continue;
    }
    attach::append_frame(client.pending_output, attach::MessageType::kExit, exit_payload);
    client.closing = true;
    flush_client(client);
  }
  if (clients_.empty()) {
    done_ = true;
    return;
  }
  drain_timer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!drain_timer_) {
    done_ = true;
    return;
  }
  struct itimerspec expiry {};
  expiry.it_value.tv_sec = kDrainSeconds;
  ::timerfd_settime(drain_timer_.get(), 0, &expiry, nullptr);
  watch(drain_timer_.get(), EPOLLIN);
}

}  // namespace gocker::runtime
