// cgroup v1: one directory per controller hierarchy, each mounted below the root
// (/sys/fs/cgroup/memory, /sys/fs/cgroup/cpu or a combined /sys/fs/cgroup/cpu,cpuacct, ...).
// A container's cgroup is the same relative path made in every hierarchy gocker uses, and the
// container's processes join each of them.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <string_view>

#include "base/scope_guard.hpp"
#include "base/strings.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"
#include "runtime/cgroups/cgroup_plan.hpp"
#include "runtime/cgroups/cgroup_resources.hpp"

namespace gocker::runtime {

namespace {

// The controllers gocker puts containers in. memory, cpu, cpuset, pids, blkio, hugetlb, net_cls
// and net_prio carry limits; cpuacct gives usage statistics; devices and freezer are joined now so
// device rules and pause can be added without moving processes later. Other hierarchies
// (name=systemd, perf_event, rdma) are left alone.
constexpr std::array<std::string_view, 11> kV1Controllers = {"memory",  "cpu",     "cpuacct", "cpuset",
                                                              "pids",    "devices", "freezer", "blkio",
                                                              "hugetlb", "net_cls", "net_prio"};

struct Hierarchy {
  std::string dir;                       // directory name under the root, e.g. "cpu,cpuacct"
  std::vector<std::string> controllers;  // the gocker controllers it carries
};

size_t controller_rank(std::string_view controller) {
  for (size_t i = 0; i < kV1Controllers.size(); ++i) {
    if (kV1Controllers[i] == controller) return i;
  }
  return kV1Controllers.size();
}

// Finds the hierarchies by directory name: a mount point is named after its controllers joined by
// commas ("cpu,cpuacct"). Symlinks (systemd's "cpu" -> "cpu,cpuacct") are skipped because their
// target is listed too. Sorted by controller rank so paths() has a stable order.
std::vector<Hierarchy> discover_hierarchies(const std::string& root) {
  std::vector<Hierarchy> hierarchies;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
    std::error_code entry_error;
    if (entry.is_symlink(entry_error) || !entry.is_directory(entry_error)) continue;
    Hierarchy hierarchy{entry.path().filename().string(), {}};
    for (std::string& name : split(hierarchy.dir, ',')) {
      if (controller_rank(name) < kV1Controllers.size()) hierarchy.controllers.push_back(std::move(name));
    }
    if (!hierarchy.controllers.empty()) hierarchies.push_back(std::move(hierarchy));
  }
  // An unreadable root leaves the list empty; create() reports that with the root's name.
  auto first_rank = [](const Hierarchy& hierarchy) {
    size_t rank = kV1Controllers.size();
    for (const std::string& name : hierarchy.controllers) rank = std::min(rank, controller_rank(name));
    return rank;
  };
  std::sort(hierarchies.begin(), hierarchies.end(),
            [&](const Hierarchy& a, const Hierarchy& b) { return first_rank(a) < first_rank(b); });
  return hierarchies;
}

Result<int64_t> parse_int64(const std::string& text) {
  std::string number = trim(text);
  int64_t value = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || error != std::errc{} || end != number.data() + number.size()) {
    return Error::invalid("not a number: " + gocker::quoted(number));
  }
  return value;
}

// A fresh v1 cpuset cgroup has empty cpuset.cpus and cpuset.mems, and attaching a task to it fails
// with ENOSPC. Fill each from the parent when empty (rather than only right after mkdir, so a
// create that died between mkdir and the copy is repaired by the next one).
Status copy_cpuset_from_parent(const std::string& parent, const std::string& dir) {
  for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
    auto current = read_cgroup_file(dir + "/" + file);
    if (!current) return std::move(current).error();
    if (!trim(*current).empty()) continue;
    auto inherited = read_cgroup_file(parent + "/" + file);
    if (!inherited) return std::move(inherited).error();
    const std::string value = trim(*inherited);
    if (value.empty()) return Error::invalid(gocker::quoted(parent + "/" + file) + " is empty: nothing to inherit");
    GOCKER_TRY(write_cgroup_file(dir + "/" + file, value));
  }
  return ok();
}

bool file_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

class CgroupV1Driver final : public CgroupDriver {
 public:
  explicit CgroupV1Driver(std::string root) : root_(std::move(root)), hierarchies_(discover_hierarchies(root_)) {}

  CgroupVersion version() const override { return CgroupVersion::V1; }

  Status create(const std::string& relative_path) override {
    const std::string what = "create cgroup " + gocker::quoted(relative_path);
    auto components = split_cgroup_path(relative_path);
    if (!components) return std::move(components).error().context(what);
    if (hierarchies_.empty()) {
      return Error::unavailable(what + ": no cgroup v1 controller hierarchies under " + gocker::quoted(root_));
    }
    // A failed create leaves nothing behind: the leaves this call made go again. Parents it made
    // stay, because a concurrent create of a sibling may already be using them.
    std::vector<std::string> created_leaves;
    ScopeGuard remove_created([&created_leaves] {
      // Best effort: the error being returned is the one that matters.
      (void)remove_cgroup_paths(created_leaves);
    });
    for (const Hierarchy& hierarchy : hierarchies_) {
      const bool is_cpuset = carries(hierarchy, "cpuset");
      std::string dir = root_ + "/" + hierarchy.dir;
      for (size_t level = 0; level < components->size(); ++level) {
        const std::string parent = dir;
        dir += "/" + (*components)[level];
        auto made = make_cgroup_dir(dir);
        if (!made) return std::move(made).error().context(what);
        if (*made && level + 1 == components->size()) created_leaves.push_back(dir);
        if (is_cpuset) {
          Status copied = copy_cpuset_from_parent(parent, dir);
          if (!copied) return std::move(copied).error().context(what + ": inherit cpuset");
        }
      }
    }
    remove_created.dismiss();
    return ok();
  }

  Status set_limits(const std::string& relative_path, const CgroupLimits& limits) override {
    const std::string what = "set limits on cgroup " + gocker::quoted(relative_path);
    auto current_memory_limit = read_current_memory_limit(relative_path);
    if (!current_memory_limit) return std::move(current_memory_limit).error().context(what);
    auto plan = plan_cgroup_v1_writes(limits, *current_memory_limit);
    if (!plan) return std::move(plan).error().context(what);
    for (const CgroupWrite& write : *plan) {
      const Hierarchy* hierarchy = find(write.controller);
      if (hierarchy == nullptr) {
        if (write.skip_if_missing) continue;
        return Error::unavailable(what + ": the " + write.controller + " controller is not mounted under " +
                                  gocker::quoted(root_));
      }
      const std::string dir = dir_of(*hierarchy, relative_path);
      std::string path = dir + "/" + write.file;
      std::string_view value = write.value;
      // Swap accounting off (no memsw file) degrades to a memory-only limit, as in Docker.
      if (write.skip_if_missing && !file_exists(path)) continue;
      if (!write.fallback_file.empty() && !file_exists(path)) {
        path = dir + "/" + write.fallback_file;
        value = write.fallback_value;
      }
      // A blkio file the kernel does not provide (no BFQ or CFQ policy, CFQ's leaf weights): the
      // limit cannot be applied, which the create must say rather than run without it.
      if (write.controller == "blkio" && !file_exists(path)) {
        std::string files = gocker::quoted(write.file);
        if (!write.fallback_file.empty()) files += " nor " + gocker::quoted(write.fallback_file);
        return Error::unavailable(what + ": this kernel has no " + files + " in " + gocker::quoted(dir) +
                                  " (no I/O scheduler policy that provides it)");
      }
      Status written = write_cgroup_file(path, value);
      if (!written && write.file == "memory.limit_in_bytes" && written.error().sys_errno == EBUSY) {
        return memory_limit_below_usage_v1(std::move(written).error(), dir_of(*hierarchy, relative_path), write.value)
            .context(what);
      }
      if (!written) return std::move(written).error().context(what);
    }
    return ok();
  }

  Status add_pid(const std::string& relative_path, pid_t pid) override {
    // Every hierarchy, so that no controller keeps the process in the daemon's cgroup.
    for (const Hierarchy& hierarchy : hierarchies_) {
      Status written = write_cgroup_file(dir_of(hierarchy, relative_path) + "/cgroup.procs", std::to_string(pid));
      if (!written) {
        return std::move(written).error().context("add process " + std::to_string(pid) + " to cgroup " +
                                                   gocker::quoted(relative_path));
      }
    }
    return ok();
  }

  std::vector<std::string> paths(const std::string& relative_path) const override {
    std::vector<std::string> result;
    for (const Hierarchy& hierarchy : hierarchies_) result.push_back(dir_of(hierarchy, relative_path));
    return result;
  }

  Result<uint64_t> oom_kill_count(const std::string& relative_path) const override {
    const std::string what = "read OOM kills of cgroup " + gocker::quoted(relative_path);
    const Hierarchy* memory = find("memory");
    if (memory == nullptr) return Error::unavailable(what + ": no memory hierarchy under " + gocker::quoted(root_));
    const std::string path = dir_of(*memory, relative_path) + "/memory.oom_control";
    auto content = read_cgroup_file(path);
    if (!content) return std::move(content).error().context(what);
    // "oom_kill" was added to memory.oom_control in Linux 4.13.
    auto count = parse_keyed_value(*content, "oom_kill");
    if (!count) return std::move(count).error().context(what + ": " + gocker::quoted(path));
    return count;
  }

  // freeze, thaw, stats, pids: the file work is in cgroup_freezer.cpp and cgroup_v1_stats.cpp.
  Status freeze(const std::string& relative_path) override { return set_frozen(relative_path, true); }
  Status thaw(const std::string& relative_path) override { return set_frozen(relative_path, false); }
  Result<bool> frozen(const std::string& relative_path) const override {
    const std::string what = "read freezer state of cgroup " + gocker::quoted(relative_path);
    const Hierarchy* freezer = find("freezer");
    if (freezer == nullptr) return Error::unavailable(what + ": no freezer hierarchy under " + gocker::quoted(root_));
    auto frozen = cgroup_v1_frozen(dir_of(*freezer, relative_path));
    if (!frozen) return std::move(frozen).error().context(what);
    return frozen;
  }

  Result<CgroupStats> stats(const std::string& relative_path) const override {
    auto dir = [&](std::string_view controller) {
      const Hierarchy* hierarchy = find(controller);
      return hierarchy == nullptr ? std::string() : dir_of(*hierarchy, relative_path);
    };
    auto stats = read_cgroup_v1_stats({dir("memory"), dir("cpuacct"), dir("cpu"), dir("pids")});
    if (!stats) return std::move(stats).error().context("read stats of cgroup " + gocker::quoted(relative_path));
    return stats;
  }

  Result<std::vector<pid_t>> pids(const std::string& relative_path) const override {
    const Hierarchy* hierarchy = find("pids");
    if (hierarchy == nullptr) hierarchy = hierarchies_.empty() ? nullptr : &hierarchies_.front();
    if (hierarchy == nullptr) return Error::unavailable("no cgroup v1 hierarchies under " + gocker::quoted(root_));
    auto pids = read_cgroup_procs(dir_of(*hierarchy, relative_path));
    if (!pids) return std::move(pids).error().context("list processes of cgroup " + gocker::quoted(relative_path));
    return pids;
  }

  Status destroy(const std::string& relative_path) override {
    const std::string what = "destroy cgroup " + gocker::quoted(relative_path);
    auto components = split_cgroup_path(relative_path);
    if (!components) return std::move(components).error().context(what);
    // Only the leaf in each hierarchy: parents are shared with other containers.
    Status removed = remove_cgroup_paths(paths(relative_path));
    if (!removed) return std::move(removed).error().context(what);
    return ok();
  }

 private:
  static bool carries(const Hierarchy& hierarchy, std::string_view controller) {
    return std::find(hierarchy.controllers.begin(), hierarchy.controllers.end(), controller) !=
           hierarchy.controllers.end();
  }

  const Hierarchy* find(std::string_view controller) const {
    for (const Hierarchy& hierarchy : hierarchies_) {
      if (carries(hierarchy, controller)) return &hierarchy;
    }
    return nullptr;
  }

  Status set_frozen(const std::string& relative_path, bool frozen) {
    const std::string what = std::string(frozen ? "freeze" : "thaw") + " cgroup " + gocker::quoted(relative_path);
    const Hierarchy* freezer = find("freezer");
    if (freezer == nullptr) return Error::unavailable(what + ": no freezer hierarchy under " + gocker::quoted(root_));
    Status done = set_cgroup_v1_frozen(dir_of(*freezer, relative_path), frozen);
    if (!done) return std::move(done).error().context(what);
    return ok();
  }

  std::string dir_of(const Hierarchy& hierarchy, const std::string& relative_path) const {
    std::string dir = root_ + "/" + hierarchy.dir;
    for (const std::string& component : split(relative_path, '/')) {
      if (!component.empty()) dir += "/" + component;
    }
    return dir;
  }

  // nullopt when there is no memory hierarchy or no limit file yet (the plan then assumes the
  // unlimited limit of a fresh cgroup).
  Result<std::optional<int64_t>> read_current_memory_limit(const std::string& relative_path) const {
    const Hierarchy* memory = find("memory");
    if (memory == nullptr) return std::optional<int64_t>{};
    const std::string path = dir_of(*memory, relative_path) + "/memory.limit_in_bytes";
    auto content = read_cgroup_file(path);
    if (!content) {
      if (content.error().sys_errno == ENOENT) return std::optional<int64_t>{};
      return std::move(content).error();
    }
    if (trim(*content).empty()) return std::optional<int64_t>{};
    auto limit = parse_int64(*content);
    if (!limit) return std::move(limit).error().context("read " + gocker::quoted(path));
    return std::optional<int64_t>{*limit};
  }

  std::string root_;
  std::vector<Hierarchy> hierarchies_;
};

}  // namespace

std::unique_ptr<CgroupDriver> make_cgroup_v1_driver(const std::string& root) {
  return std::make_unique<CgroupV1Driver>(root);
}

}  // namespace gocker::runtime
