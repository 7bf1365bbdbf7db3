#include "runtime/monitor_standby.hpp"

#include <sys/wait.h>

#include "runtime/monitor_args.hpp"
#include "runtime/monitor_spawn.hpp"

namespace gocker::runtime {

void release_standby(MonitorStandby::Waiting waiting) {
  waiting.control.reset();
  int status = 0;
  while (::waitpid(waiting.pid, &status, 0) < 0 && errno == EINTR) {
  }
}

MonitorStandby::~MonitorStandby() {
  if (waiting_) release_standby(std::move(*waiting_));
}

Status MonitorStandby::refill() {
  {
    std::lock_guard lock(mutex_);
    if (waiting_) return ok();
  }
  auto control = make_monitor_control_pair(0);
  if (!control) return std::move(control).error();
  // The spare argument is room for the title the monitor gives itself once it serves a container
  // ("gocker-monitor <short id>"): a process can only retitle itself within its argv.
  auto pid = spawn_monitor_process(MonitorProcessSpec{
      monitor_binary_, {"gocker-monitor", kStandbyMode, std::string(12, ' ')}, control->monitors.get(), false, 0});
  if (!pid) return std::move(pid).error().context("start a standby monitor");
  Waiting spawned{*pid, std::move(control->ours)};
  std::unique_lock lock(mutex_);
  if (waiting_) {
    // Another refill got there first.
    lock.unlock();
    release_standby(std::move(spawned));
    return ok();
  }
  waiting_ = std::move(spawned);
  return ok();
}

std::optional<MonitorStandby::Waiting> MonitorStandby::take() {
  std::lock_guard lock(mutex_);
  std::optional<Waiting> taken = std::move(waiting_);
  waiting_.reset();
  return taken;
}

bool MonitorStandby::can_serve(const MonitorOptions& options) const {
  return options.control_socket.empty() && options.console_socket.empty() && !options.inherit_stdio &&
         options.preserved_fds == 0;
}

pid_t MonitorStandby::waiting_pid() const {
  std::lock_guard lock(mutex_);
  return waiting_ ? waiting_->pid : 0;
}

}  // namespace gocker::runtime
