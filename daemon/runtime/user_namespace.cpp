#include "runtime/user_namespace.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <tuple>

#include "base/strings.hpp"
#include "base/unique_fd.hpp"

namespace gocker::runtime {
namespace {

Status write_map(pid_t pid, const char* file, const std::string& text) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
  if (!fd) return Error::from_errno(errno, "open " + path);
  // The kernel takes a map in a single write; a short write would leave it half set.
  ssize_t written = ::write(fd.get(), text.data(), text.size());
  if (written < 0) return Error::from_errno(errno, "write " + path + " (" + text.substr(0, text.find('\n')) + ")");
  if (static_cast<size_t>(written) != text.size()) return Error::internal("short write to " + path);
  return ok();
}

}  // namespace

std::optional<uint32_t> host_id_for(const std::vector<IdMapping>& mappings, uint32_t container_id) {
  for (const IdMapping& mapping : mappings) {
    if (container_id >= mapping.container_id && container_id - mapping.container_id < mapping.size) {
      return mapping.host_id + (container_id - mapping.container_id);
    }
  }
  return std::nullopt;
}

std::string format_id_map(const std::vector<IdMapping>& mappings) {
  std::string text;
  for (const IdMapping& mapping : mappings) {
    text += std::to_string(mapping.container_id) + " " + std::to_string(mapping.host_id) + " " +
            std::to_string(mapping.size) + "\n";
  }
  return text;
}

Status check_id_mappings(const std::vector<IdMapping>& mappings, const std::string& what) {
  // The kernel's limit on lines in a map (since 4.15).
  if (mappings.size() > 340) return Error::invalid(what + ": more than 340 ranges");
  for (size_t index = 0; index < mappings.size(); ++index) {
    const IdMapping& mapping = mappings[index];
    if (mapping.size == 0) return Error::invalid(what + "[" + std::to_string(index) + "]: size must be positive");
    for (uint64_t start : {uint64_t{mapping.container_id}, uint64_t{mapping.host_id}}) {
      if (start + mapping.size > uint64_t{1} << 32) {
        return Error::invalid(what + "[" + std::to_string(index) + "]: range goes past 4294967295");
      }
    }
    for (size_t other = 0; other < index; ++other) {
      const IdMapping& earlier = mappings[other];
      auto overlaps = [](uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size) { return a < b + b_size && b < a + a_size; };
      if (overlaps(mapping.container_id, mapping.size, earlier.container_id, earlier.size) ||
          overlaps(mapping.host_id, mapping.size, earlier.host_id, earlier.size)) {
        return Error::invalid(what + "[" + std::to_string(index) + "]: overlaps range " + std::to_string(other));
      }
    }
  }
  return ok();
}

Result<std::vector<IdMapping>> parse_id_map(std::string_view text, const std::string& what) {
  std::vector<IdMapping> mappings;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    uint64_t container_id = 0, host_id = 0, size = 0;
    if (!(fields >> container_id)) continue;  // a blank line
    std::string rest;
    if (!(fields >> host_id >> size) || (fields >> rest) || container_id > UINT32_MAX || host_id > UINT32_MAX ||
        size > UINT32_MAX) {
      return Error::internal(what + ": unexpected line " + gocker::quoted(line));
    }
    mappings.push_back({static_cast<uint32_t>(container_id), static_cast<uint32_t>(host_id), static_cast<uint32_t>(size)});
  }
  return mappings;
}

bool same_id_mappings(std::vector<IdMapping> a, std::vector<IdMapping> b) {
  auto order = [](const IdMapping& x, const IdMapping& y) {
    return std::tie(x.container_id, x.host_id, x.size) < std::tie(y.container_id, y.host_id, y.size);
  };
  std::sort(a.begin(), a.end(), order);
  std::sort(b.begin(), b.end(), order);
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const IdMapping& x, const IdMapping& y) {
    return x.container_id == y.container_id && x.host_id == y.host_id && x.size == y.size;
  });
}

Result<std::vector<IdMapping>> read_id_map(pid_t pid, const char* file) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  UniqueFd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd) return Error::from_errno(errno, "open " + path);
  std::string text;
  char buffer[4096];
  while (true) {
    ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Error::from_errno(errno, "read " + path);
    if (got == 0) break;
    text.append(buffer, static_cast<size_t>(got));
  }
  return parse_id_map(text, "read " + path);
}

Status write_id_maps(pid_t pid, const std::vector<IdMapping>& uid_mappings, const std::vector<IdMapping>& gid_mappings) {
  GOCKER_TRY(write_map(pid, "gid_map", format_id_map(gid_mappings)));
  return write_map(pid, "uid_map", format_id_map(uid_mappings));
}

}  // namespace gocker::runtime
