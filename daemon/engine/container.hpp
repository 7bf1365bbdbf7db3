#pragma once
// The engine's in-memory view of one container: its stored record plus what only lives while the
// daemon runs (the pidfd watch on its monitor, waiters, attaches waiting for a start). Guarded by
// its own mutex; never held across a co_await.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "api/container_types.hpp"
#include "base/unique_fd.hpp"
#include "engine/notifier.hpp"
#include "engine/userns_remap.hpp"
#include "state/store.hpp"

namespace gocker::engine {

using MonitorConnection = std::shared_ptr<boost::asio::local::stream_protocol::socket>;

struct Container {
  mutable std::mutex mutex;
  state::ContainerRecord record;
  api::ContainerConfig config;  // merged with the image at create; immutable afterwards
  api::HostConfig host_config;
  std::vector<state::MountRecord> mounts;  // binds, volumes, tmpfs; recorded at create, immutable
  bool remove_volumes = false;             // rm -v / --rm: its anonymous volumes go with it
  std::string dir;              // <root>/containers/<id>: bundle, state dir, log
  std::string attach_socket;    // the monitor's attach socket
  std::optional<IdRemap> remap;  // set: runs in a user namespace with these maps (--userns-remap)

  bool starting = false;
  bool removing = false;
  // Removed, and out of the registry; a wait that found it a moment before is answered at once.
  bool destroyed = false;
  bool paused = false;  // cgroup frozen by pause; the record's status stays "running"
  UniqueFd init_pidfd;  // signals go to the container's PID 1 through this
  std::unique_ptr<boost::asio::posix::stream_descriptor> monitor_watch;  // readable when the monitor exits

  std::vector<Notifier<api::WaitResponse>> exit_waiters;     // woken at the next exit
  std::vector<Notifier<api::WaitResponse>> removal_waiters;  // woken when removed
  // Attaches made before start: connected to the monitor (and subscribed) before the command runs.
  struct PendingAttach {
    bool stdin = false, stdout = false, stderr = false;
    Notifier<MonitorConnection> connected;
  };
  std::vector<std::shared_ptr<PendingAttach>> pending_attaches;

  std::string log_path() const { return dir + "/" + record.id + "-json.log"; }
  bool is_running() const { return record.status == "running"; }
};

}  // namespace gocker::engine
