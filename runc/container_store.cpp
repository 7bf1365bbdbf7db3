#include "container_store.hpp"

#include "runtime/cgroups/cgroup_driver.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/strings.hpp"
#include "runtime/file_util.hpp"

namespace gocker::runc {
namespace {

using nlohmann::json;

constexpr const char* kRecordFile = "state.json";
// The runtime-spec version whose state and config gocker-runc speaks.
constexpr const char* kOciVersion = "1.1.0";

bool is_id_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+' ||
         c == '-' || c == '.';
}

}  // namespace

Status validate_container_id(const std::string& id) {
  if (id.empty() || id == "." || id == ".." || id.size() > 1024 ||
      !std::all_of(id.begin(), id.end(), is_id_character)) {
    return Error::invalid("invalid id format: " + id);
  }
  return ok();
}

Status ContainerStore::create_dir(const std::string& id) {
  std::error_code error;
  std::filesystem::create_directories(root_, error);
  if (error) return Error::from_errno(error.value(), "create root " + gocker::quoted(root_));
  ::chmod(root_.c_str(), 0700);
  if (::mkdir(state_dir(id).c_str(), 0711) != 0) {
    if (errno == EEXIST) return Error::conflict("container with id exists: " + id);
    return Error::from_errno(errno, "create state dir " + gocker::quoted(state_dir(id)));
  }
  return ok();
}

Status ContainerStore::write_record(const ContainerRecord& record) {
  json document = {{"id", record.id},           {"bundle", record.bundle}, {"rootfs", record.rootfs},
                   {"created", record.created}, {"owner", record.owner},   {"cgroup_path", record.cgroup_path},
                   {"annotations", record.annotations}};
  return runtime::write_file_atomically(state_dir(record.id) + "/" + kRecordFile,
                                        document.dump(-1, ' ', false, json::error_handler_t::replace));
}

Result<ContainerRecord> ContainerStore::load(const std::string& id) const {
  if (!validate_container_id(id)) return Error::not_found("container does not exist");
  auto text = runtime::read_file(state_dir(id) + "/" + kRecordFile);
  if (!text) {
    if (text.error().sys_errno == ENOENT) return Error::not_found("container does not exist");
    return std::move(text).error();
  }
  json document = json::parse(*text, nullptr, false);
  if (!document.is_object()) return Error::internal("container " + id + ": malformed " + kRecordFile);
  ContainerRecord record;
  record.id = document.value("id", id);
  record.bundle = document.value("bundle", "");
  record.rootfs = document.value("rootfs", "");
  record.created = document.value("created", "");
  record.owner = document.value("owner", "");
  record.cgroup_path = document.value("cgroup_path", "");
  auto annotations = document.find("annotations");
  if (annotations != document.end() && annotations->is_object()) {
    for (auto& [key, value] : annotations->items()) {
      if (value.is_string()) record.annotations[key] = value.get<std::string>();
    }
  }
  return record;
}

std::vector<std::string> ContainerStore::list_ids() const {
  std::vector<std::string> ids;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(root_, error)) {
    std::string name = entry.path().filename().string();
    std::error_code ignored;
    if (entry.is_directory(ignored) && validate_container_id(name) &&
        std::filesystem::exists(entry.path() / kRecordFile, ignored)) {
      ids.push_back(name);
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status ContainerStore::remove(const std::string& id) {
  // The monitors of a container's exec'd processes clean up their own files in its state dir when
  // those processes end, which a forced delete makes happen now: an entry that vanishes while
  // remove_all walks the tree fails it with ENOENT. The tree is still to go; walk it again.
  std::error_code error;
  for (int attempt = 0; attempt < 3; ++attempt) {
    error.clear();
    std::filesystem::remove_all(state_dir(id), error);
    if (error != std::errc::no_such_file_or_directory) break;
  }
  if (error) return Error::from_errno(error.value(), "remove state dir " + gocker::quoted(state_dir(id)));
  return ok();
}

std::string LoadedContainer::status_name() const {
  return paused ? "paused" : runtime::container_status_name(state.status);
}

bool LoadedContainer::has_process() const {
  return state.status == runtime::ContainerStatus::kCreated || state.status == runtime::ContainerStatus::kRunning;
}

Result<LoadedContainer> load_container(const ContainerStore& store, const std::string& id) {
  auto record = store.load(id);
  if (!record) return std::move(record).error();
  LoadedContainer loaded{std::move(*record), runtime::read_container_state(store.state_dir(id)), false};
  if (loaded.state.status == runtime::ContainerStatus::kRunning && !loaded.record.cgroup_path.empty()) {
    if (auto driver = runtime::detect_cgroup_driver())
      if (auto frozen = (*driver)->frozen(loaded.record.cgroup_path)) loaded.paused = *frozen;
  }
  return loaded;
}

std::string state_json(const LoadedContainer& container, int indent) {
  const ContainerRecord& record = container.record;
  json document = {{"ociVersion", kOciVersion},
                   {"id", record.id},
                   {"pid", container.has_process() ? container.state.processes.init.pid : 0},
                   {"status", container.status_name()},
                   {"bundle", record.bundle},
                   {"rootfs", record.rootfs},
                   {"created", record.created},
                   {"owner", record.owner}};
  if (!record.annotations.empty()) document["annotations"] = record.annotations;
  return document.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace gocker::runc
