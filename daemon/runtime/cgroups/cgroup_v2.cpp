// cgroup v2: a single unified hierarchy; a container's cgroup is one directory under the root.
//
// Controllers must be enabled top-down: a controller's interface files (memory.max, pids.max...)
// appear in a cgroup only if its parent lists the controller in cgroup.subtree_control, which in
// turn is only possible for controllers in the parent's own cgroup.controllers. And the
// "no internal processes" rule: a non-root cgroup that enables controllers for its children may
// not hold processes itself (writing cgroup.subtree_control then fails with EBUSY). So create()
// enables controllers in every ancestor (root included) and never in the leaf, and add_pid() only
// ever writes the leaf's cgroup.procs. See Documentation/admin-guide/cgroup-v2.rst.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "base/strings.hpp"
#include "runtime/cgroups/cgroup_driver.hpp"
#include "runtime/cgroups/cgroup_plan.hpp"
#include "runtime/cgroups/cgroup_resources.hpp"

namespace gocker::runtime {

namespace {

constexpr std::array<std::string_view, 4> kV2Controllers = {"cpu", "cpuset", "memory", "pids"};
// Only OCI configs (gocker-runc) set limits of these. Enabled best effort, one at a time, after
// the others: a parent that delegates the four above but not these, and holds processes itself
// (EBUSY), must not fail every create; a limit that needs one then fails naming the missing file.
constexpr std::array<std::string_view, 2> kV2OptionalControllers = {"hugetlb", "io"};

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> result;
  for (std::string& word : split(trim(text), ' ')) {
    if (!word.empty()) result.push_back(std::move(word));
  }
  return result;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Enables in `dir` those of gocker's controllers that `dir` has and has not enabled yet. Ones the
// parent does not offer are left out: a limit that needs one then fails naming the missing file.
// Already enabled controllers are not rewritten, so a delegated parent that holds processes (and
// already delegates) still works.
Status enable_controllers(const std::string& dir) {
  auto available = read_cgroup_file(dir + "/cgroup.controllers");
  if (!available) return std::move(available).error();
  auto enabled = read_cgroup_file(dir + "/cgroup.subtree_control");
  if (!enabled) return std::move(enabled).error();
  const std::vector<std::string> available_list = words(*available);
  const std::vector<std::string> enabled_list = words(*enabled);
  std::string request;
  for (std::string_view controller : kV2Controllers) {
    if (!contains(available_list, controller) || contains(enabled_list, controller)) continue;
    if (!request.empty()) request += ' ';
    request += '+';
    request += controller;
  }
  if (!request.empty()) {
    Status written = write_cgroup_file(dir + "/cgroup.subtree_control", request);
    if (!written && written.error().sys_errno == EBUSY) {
      return std::move(written).error().context(
          "enable controllers in " + gocker::quoted(dir) +
          " (cgroup v2 forbids it while that cgroup holds processes; use a --cgroup-parent without any)");
    }
    if (!written) return written;
  }
  for (std::string_view controller : kV2OptionalControllers) {
    if (!contains(available_list, controller) || contains(enabled_list, controller)) continue;
    // Best effort (see kV2OptionalControllers): the failure resurfaces as the limit's own error.
    (void)write_cgroup_file(dir + "/cgroup.subtree_control", "+" + std::string(controller));
  }
  return ok();
}

class CgroupV2Driver final : public CgroupDriver {
 public:
  explicit CgroupV2Driver(std::string root) : root_(std::move(root)) {}

  CgroupVersion version() const override { return CgroupVersion::V2; }

  Status create(const std::string& relative_path) override {
    const std::string what = "create cgroup " + gocker::quoted(relative_path);
    auto components = split_cgroup_path(relative_path);
    if (!components) return std::move(components).error().context(what);
    std::string dir = root_;
    for (const std::string& component : *components) {
      // `dir` is the root or an intermediate cgroup: it gets controllers, never processes.
      Status enabled = enable_controllers(dir);
      if (!enabled) return std::move(enabled).error().context(what);
      dir += "/" + component;
      auto made = make_cgroup_dir(dir);
      if (!made) return std::move(made).error().context(what);
    }
    // The leaf is made last, after every step that can fail, so a failed create leaves no leaf.
    return ok();
  }

  Status set_limits(const std::string& relative_path, const CgroupLimits& limits) override {
    const std::string what = "set limits on cgroup " + gocker::quoted(relative_path);
    auto plan = plan_cgroup_v2_writes(limits);
    if (!plan) return std::move(plan).error().context(what);
    const std::string dir = dir_of(relative_path);
    Status fits = check_memory_limit_v2(dir, limits);
    if (!fits) return std::move(fits).error().context(what);
    for (const CgroupWrite& write : *plan) {
      std::string path = dir + "/" + write.file;
      std::string_view value = write.value;
      // io.bfq.weight exists only with BFQ; io.weight is the generic weight (its own scale).
      if (!write.fallback_file.empty() && ::access(path.c_str(), F_OK) != 0) {
        path = dir + "/" + write.fallback_file;
        value = write.fallback_value;
      }
      Status written = write_cgroup_file(path, value);
      if (written) continue;
      if (written.error().sys_errno == ENOENT) {
        // Swap accounting off: memory-only limit, as in v1 and Docker.
        if (write.skip_if_missing) continue;
        return std::move(written).error().context(what + " (is the " + write.controller +
                                                  " controller enabled in the parent's cgroup.subtree_control?)");
      }
      return std::move(written).error().context(what);
    }
    return ok();
  }

  Status add_pid(const std::string& relative_path, pid_t pid) override {
    Status written = write_cgroup_file(dir_of(relative_path) + "/cgroup.procs", std::to_string(pid));
    if (!written) {
      return std::move(written).error().context("add process " + std::to_string(pid) + " to cgroup " +
                                                 gocker::quoted(relative_path));
    }
    return ok();
  }

  std::vector<std::string> paths(const std::string& relative_path) const override {
    return {dir_of(relative_path)};
  }

  Result<uint64_t> oom_kill_count(const std::string& relative_path) const override {
    const std::string what = "read OOM kills of cgroup " + gocker::quoted(relative_path);
    const std::string path = dir_of(relative_path) + "/memory.events";
    auto content = read_cgroup_file(path);
    if (!content) return std::move(content).error().context(what);
    auto count = parse_keyed_value(*content, "oom_kill");
    if (!count) return std::move(count).error().context(what + ": " + gocker::quoted(path));
    return count;
  }

  // freeze, thaw, stats, pids: the file work is in cgroup_freezer.cpp and cgroup_v2_stats.cpp.
  Status freeze(const std::string& relative_path) override {
    Status done = set_cgroup_v2_frozen(dir_of(relative_path), true);
    if (!done) return std::move(done).error().context("freeze cgroup " + gocker::quoted(relative_path));
    return ok();
  }
  Status thaw(const std::string& relative_path) override {
    Status done = set_cgroup_v2_frozen(dir_of(relative_path), false);
    if (!done) return std::move(done).error().context("thaw cgroup " + gocker::quoted(relative_path));
    return ok();
  }
  Result<bool> frozen(const std::string& relative_path) const override {
    auto frozen = cgroup_v2_frozen(dir_of(relative_path));
    if (!frozen) return std::move(frozen).error().context("read freezer state of cgroup " + gocker::quoted(relative_path));
    return frozen;
  }
  Result<CgroupStats> stats(const std::string& relative_path) const override {
    auto stats = read_cgroup_v2_stats(dir_of(relative_path));
    if (!stats) return std::move(stats).error().context("read stats of cgroup " + gocker::quoted(relative_path));
    return stats;
  }
  Result<std::vector<pid_t>> pids(const std::string& relative_path) const override {
    auto pids = read_cgroup_procs(dir_of(relative_path));
    if (!pids) return std::move(pids).error().context("list processes of cgroup " + gocker::quoted(relative_path));
    return pids;
  }

  Status destroy(const std::string& relative_path) override {
    const std::string what = "destroy cgroup " + gocker::quoted(relative_path);
    auto components = split_cgroup_path(relative_path);
    if (!components) return std::move(components).error().context(what);
    Status removed = remove_cgroup_dir(dir_of(relative_path));
    if (!removed) return std::move(removed).error().context(what);
    return ok();
  }

 private:
  std::string dir_of(const std::string& relative_path) const {
    std::string dir = root_;
    for (const std::string& component : split(relative_path, '/')) {
      if (!component.empty()) dir += "/" + component;
    }
    return dir;
  }

  std::string root_;
};

}  // namespace

std::unique_ptr<CgroupDriver> make_cgroup_v2_driver(const std::string& root) {
  return std::make_unique<CgroupV2Driver>(root);
}

}  // namespace gocker::runtime
