#include "kernel_view.hpp"

#include <dirent.h>
#include <poll.h>
#include <sys/inotify.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace gocker::test {

namespace {

std::string decode_mountinfo_escapes(const std::string& field) {
  std::string result;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string octal = field.substr(i + 1, 3);
      if (octal.size() == 3 && std::all_of(octal.begin(), octal.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        result.push_back(static_cast<char>(std::stoi(octal, nullptr, 8)));
        i += 3;
        continue;
      }
    }
    result.push_back(field[i]);
  }
  return result;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::optional<long> read_kb_field(const std::string& path, const std::string& field) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> subdirectories_deepest_first(const std::string& base) {
  std::vector<std::string> result;
  std::vector<std::string> stack{base};
  std::vector<std::string> preorder;
  while (!stack.empty()) {
    std::string directory = stack.back();
    stack.pop_back();
    preorder.push_back(directory);
    DIR* handle = ::opendir(directory.c_str());
    if (handle == nullptr) continue;
    while (dirent* entry = ::readdir(handle)) {
      if (entry->d_type != DT_DIR) continue;
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      stack.push_back(directory + "/" + name);
    }
    ::closedir(handle);
  }
  // Preorder puts every parent before its children, so its reverse is a safe rmdir order.
  result.assign(preorder.rbegin(), preorder.rend());
  return result;
}

std::vector<MountEntry> read_mountinfo(pid_t pid) {
  std::vector<MountEntry> entries;
  std::ifstream in(pid == 0 ? std::string("/proc/self/mountinfo") : "/proc/" + std::to_string(pid) + "/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> parts;
    std::string part;
    while (fields >> part) parts.push_back(part);
    auto separator = std::find(parts.begin(), parts.end(), "-");
    if (parts.size() < 7 || separator == parts.end() || separator + 2 >= parts.end()) continue;
    entries.push_back({decode_mountinfo_escapes(parts[4]), *(separator + 1), decode_mountinfo_escapes(*(separator + 2))});
  }
  return entries;
}

std::vector<MountEntry> mounts_under(const std::string& prefix, pid_t pid) {
  std::vector<MountEntry> result;
  for (auto& entry : read_mountinfo(pid)) {
    if (entry.mount_point.rfind(prefix, 0) == 0) result.push_back(std::move(entry));
  }
  return result;
}

bool is_cgroup_v2_host() {
  struct statfs info {};
  return ::statfs("/sys/fs/cgroup", &info) == 0 && info.f_type == CGROUP2_SUPER_MAGIC;
}

std::optional<std::string> find_container_cgroup(const std::string& controller, const std::string& cgroup_parent,
                                                 const std::string& container_id) {
  const std::string base =
      is_cgroup_v2_host() ? "/sys/fs/cgroup/" + cgroup_parent : "/sys/fs/cgroup/" + controller + "/" + cgroup_parent;
  const std::string short_id = container_id.substr(0, 12);
  for (const auto& directory : subdirectories_deepest_first(base)) {
    const std::string name = directory.substr(directory.rfind('/') + 1);
    if (!short_id.empty() && contains(name, short_id)) return directory;
  }
  return std::nullopt;
}

std::vector<std::string> cgroup_parent_dirs(const std::string& cgroup_parent) {
  std::vector<std::string> result;
  std::vector<std::string> bases;
  if (is_directory("/sys/fs/cgroup/" + cgroup_parent)) bases.push_back("/sys/fs/cgroup/" + cgroup_parent);
  if (DIR* handle = ::opendir("/sys/fs/cgroup")) {
    while (dirent* entry = ::readdir(handle)) {
      const std::string name = entry->d_name;
      if (name == "." || name == ".." || entry->d_type != DT_DIR) continue;  // skips cpu -> cpu,cpuacct links
      const std::string candidate = "/sys/fs/cgroup/" + name + "/" + cgroup_parent;
      if (is_directory(candidate)) bases.push_back(candidate);
    }
    ::closedir(handle);
  }
  for (const auto& base : bases) {
    for (auto& directory : subdirectories_deepest_first(base)) result.push_back(std::move(directory));
  }
  return result;
}

std::optional<long> process_rss_kb(pid_t pid) {
  return read_kb_field("/proc/" + std::to_string(pid) + "/status", "VmRSS:");
}

std::optional<long> process_pss_kb(pid_t pid) {
  return read_kb_field("/proc/" + std::to_string(pid) + "/smaps_rollup", "Pss:");
}

std::string process_comm(pid_t pid) {
  return trim(read_file("/proc/" + std::to_string(pid) + "/comm").value_or(""));
}

std::vector<pid_t> processes_using(const std::string& dir) {
  std::vector<pid_t> result;
  const std::string prefix = dir + "/";
  const pid_t self = ::getpid();
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return result;
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || pid == self) continue;
    const std::string base = std::string("/proc/") + entry->d_name;
    auto points_below = [&prefix](const std::string& link) {
      char target[4096];
      ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
      if (n <= 0) return false;
      return std::string(target, static_cast<size_t>(n)).rfind(prefix, 0) == 0;
    };
    bool uses = points_below(base + "/cwd");
    if (!uses) {
      if (DIR* fds = ::opendir((base + "/fd").c_str())) {
        while (dirent* fd_entry = ::readdir(fds)) {
          if (fd_entry->d_name[0] == '.') continue;
          if (points_below(base + "/fd/" + fd_entry->d_name)) {
            uses = true;
            break;
          }
        }
        ::closedir(fds);
      }
    }
    if (uses) result.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return result;
}

bool wait_for_file_content(const std::string& path, const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const int inotify = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify < 0) return false;
  // Watch first, then read: a write between the two is seen either by the read or by the watch.
  const bool watching = ::inotify_add_watch(inotify, path.c_str(), IN_MODIFY | IN_CLOSE_WRITE) >= 0;
  bool found = false;
  while (watching && !(found = contains(read_file(path).value_or(""), needle))) {
    struct pollfd entry {inotify, POLLIN, 0};
    const int ready = ::poll(&entry, 1, detail::remaining_ms(deadline));
    if (ready == 0) break;
    char events[4096];
    while (::read(inotify, events, sizeof events) > 0) {
    }
  }
  ::close(inotify);
  return found;
}

}  // namespace gocker::test
