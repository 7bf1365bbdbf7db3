#include "runtime/cgroup_mount.hpp"

#include <algorithm>
#include <set>

#include "base/strings.hpp"

namespace gocker::runtime {
namespace {

struct CgroupMountEntry {
  std::string root;         // the hierarchy's directory mounted there (usually "/")
  std::string mount_point;
  bool is_v2 = false;
  std::set<std::string> super_options;  // v1: holds the controllers ("memory", "name=systemd")
};

// mountinfo escapes space, tab, newline and backslash as \ooo (proc(5)).
std::string unescape_mountinfo(std::string_view field) {
  std::string out;
  for (size_t index = 0; index < field.size(); ++index) {
    if (field[index] == '\\' && index + 3 < field.size()) {
      const std::string_view digits = field.substr(index + 1, 3);
      if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out.push_back(static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0')));
        index += 3;
        continue;
      }
    }
    out.push_back(field[index]);
  }
  return out;
}

std::vector<CgroupMountEntry> cgroup_mounts(std::string_view mountinfo, const std::string& cgroup_root) {
  std::vector<CgroupMountEntry> entries;
  std::set<std::string> seen;
  for (const std::string& line : split(mountinfo, '\n')) {
    std::vector<std::string> fields;
    for (std::string& field : split(line, ' ')) {
      if (!field.empty()) fields.push_back(std::move(field));
    }
    auto separator = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 5 || separator == fields.end() || fields.end() - separator < 4) continue;
    const std::string& fstype = *(separator + 1);
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    CgroupMountEntry entry;
    entry.root = unescape_mountinfo(fields[3]);
    entry.mount_point = unescape_mountinfo(fields[4]);
    entry.is_v2 = fstype == "cgroup2";
    const bool at_root = entry.mount_point == cgroup_root;
    const bool below_root = starts_with(entry.mount_point, cgroup_root + "/") &&
                            entry.mount_point.find('/', cgroup_root.size() + 1) == std::string::npos;
    if (!at_root && !below_root) continue;
    if (!seen.insert(entry.mount_point).second) continue;  // stacked mounts: the first one
    for (std::string& option : split(*(separator + 3), ',')) entry.super_options.insert(std::move(option));
    entries.push_back(std::move(entry));
  }
  return entries;
}

struct SelfCgroup {
  std::vector<std::string> controllers;  // empty: the v2 line ("0::/path")
  std::string path;
};

std::vector<SelfCgroup> self_cgroups(std::string_view text) {
  std::vector<SelfCgroup> lines;
  for (const std::string& line : split(text, '\n')) {
    const size_t first = line.find(':');
    const size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    SelfCgroup entry;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    if (!controllers.empty()) entry.controllers = split(controllers, ',');
    entry.path = line.substr(second + 1);
    lines.push_back(std::move(entry));
  }
  return lines;
}

// The container's directory in one mounted hierarchy: its path there, made relative to the
// mount's root.
Result<std::string> source_in(const CgroupMountEntry& mount, const std::string& path) {
  std::string relative;
  if (mount.root == "/") {
    relative = path;
  } else if (path == mount.root || starts_with(path, mount.root + "/")) {
    relative = path.substr(mount.root.size());
  } else {
    return Error::invalid("cgroup mount: the container's cgroup " + quoted(path) + " is outside " +
                          quoted(mount.mount_point) + " (its root is " + quoted(mount.root) + ")");
  }
  if (relative == "/") relative.clear();
  return mount.mount_point + relative;
}

}  // namespace

Result<CgroupMountPlan> plan_cgroup_mount(std::string_view mountinfo, std::string_view self_cgroup,
                                          const std::string& cgroup_root) {
  const std::vector<CgroupMountEntry> mounts = cgroup_mounts(mountinfo, cgroup_root);
  const std::vector<SelfCgroup> lines = self_cgroups(self_cgroup);
  CgroupMountPlan plan;
  for (const CgroupMountEntry& mount : mounts) {
    const SelfCgroup* match = nullptr;
    for (const SelfCgroup& line : lines) {
      const bool matches =
          mount.is_v2 ? line.controllers.empty()
                      : !line.controllers.empty() &&
                            std::all_of(line.controllers.begin(), line.controllers.end(),
                                        [&](const std::string& controller) { return mount.super_options.count(controller) > 0; });
      if (matches) {
        match = &line;
        break;
      }
    }
    if (!match) continue;  // a hierarchy this process is not part of (none on a usual host)
    auto source = source_in(mount, match->path);
    if (!source) return std::move(source).error();
    if (mount.mount_point == cgroup_root) {
      if (!mount.is_v2) continue;  // a cgroup v1 hierarchy at the root itself: not a layout we know
      plan.unified_root = true;
      plan.binds = {CgroupBind{*source, ""}};
      return plan;
    }
    plan.binds.push_back(CgroupBind{*source, mount.mount_point.substr(cgroup_root.size() + 1)});
  }
  if (plan.binds.empty()) return Error::unavailable("cgroup mount: no cgroup hierarchy is mounted at " + quoted(cgroup_root));
  return plan;
}

}  // namespace gocker::runtime
