#pragma once
// gocker-runc's root directory (--root, default /run/gocker-runc): one directory per container,
// named by its id, holding what `create` recorded and what the monitor writes (standalone.hpp):
//
//   <root>/<id>/state.json     written by create before the monitor starts:
//       {"id","bundle","rootfs","created","owner","cgroup_path","annotations":{}}
//   <root>/<id>/monitor.json   the monitor, once the init is ready (monitor_state.hpp)
//   <root>/<id>/control.sock   the monitor, while the container is created (standalone.hpp)
//   <root>/<id>/exit.json      the monitor, when the container has exited
//
// `delete` removes the directory. Everything runc reports in `state` and `list` comes from here.
#include <map>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "runtime/standalone.hpp"

namespace gocker::runc {

struct ContainerRecord {
  std::string id;
  std::string bundle;  // absolute
  std::string rootfs;  // absolute
  std::string created;  // RFC 3339, UTC
  std::string owner;
  std::string cgroup_path;  // linux.cgroupsPath, relative to each hierarchy's root; may be empty
  std::map<std::string, std::string> annotations;
};

// runc's rule: letters, digits and _ + - . ; not "." or "..".
Status validate_container_id(const std::string& id);

class ContainerStore {
 public:
  explicit ContainerStore(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  std::string state_dir(const std::string& id) const { return root_ + "/" + id; }

  // Makes <root>/<id> (the root too, 0700); Conflict "container with id exists: ID" if taken.
  Status create_dir(const std::string& id);
  Status write_record(const ContainerRecord& record);
  // NotFound "container does not exist" when there is no such container.
  Result<ContainerRecord> load(const std::string& id) const;
  std::vector<std::string> list_ids() const;
  // Removes the container's directory and everything in it.
  Status remove(const std::string& id);

 private:
  std::string root_;
};

// A container as `state`, `list` and the commands see it: what create recorded, what the monitor
// wrote, and whether `pause` froze it (a running container whose cgroup is frozen is "paused").
struct LoadedContainer {
  ContainerRecord record;
  runtime::ContainerState state;
  bool paused = false;
  std::string status_name() const;
  bool has_process() const;  // created, running or paused: the init's pid means something
};
Result<LoadedContainer> load_container(const ContainerStore& store, const std::string& id);

// The runtime-spec state object (runtime.md#state) for `state`, plus runc's extra fields.
std::string state_json(const LoadedContainer& container, int indent);

}  // namespace gocker::runc
