#include "runtime/exec_launch.hpp"

#include <sys/wait.h>

#include "base/strings.hpp"
#include "runtime/monitor_args.hpp"
#include "runtime/monitor_spawn.hpp"
#include "runtime/monitor_state.hpp"
#include "runtime/sync_protocol.hpp"

namespace gocker::runtime {

Result<PendingStart> spawn_exec_monitor(const ExecMonitorOptions& options, const ExecSpec& spec) {
  auto pair = make_monitor_control_pair(0);
  if (!pair) return std::move(pair).error().context("start exec monitor");
  UniqueFd control = std::move(pair->ours);
  // Queued before the spawn: the monitor reads it first thing.
  GOCKER_TRY(sync::send_message(control.get(), sync::MessageType::kExecSpec, encode_exec_spec(spec)));
  auto pid = spawn_monitor_process(MonitorProcessSpec{options.monitor_binary, build_exec_monitor_argv(options),
                                                      pair->monitors.get(), options.inherit_stdio, 0});
  if (!pid) return std::move(pid).error().context("start exec monitor");
  pair->monitors.reset();
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }

  auto message = sync::receive_message(control.get());
  if (!message) return std::move(message).error().context("start exec monitor");
  if (!message->has_value()) return Error::internal("start exec monitor: exited before reporting ready");
  sync::Message& received = **message;
  if (received.type == sync::MessageType::kError) {
    // Reported after cleanup; wait for the EOF so nothing of the exec is left when this returns.
    while (true) {
      auto rest = sync::receive_message(control.get());
      if (!rest || !rest->has_value()) break;
    }
    return sync::error_from_setup_error(sync::decode_setup_error(received.payload));
  }
  if (received.type != sync::MessageType::kReady) return Error::internal("start exec monitor: unexpected message");
  auto processes = decode_started_processes(received.payload);
  if (!processes) return std::move(processes).error().context("start exec monitor");
  return PendingStart(std::move(control), std::move(*processes));
}

}  // namespace gocker::runtime
