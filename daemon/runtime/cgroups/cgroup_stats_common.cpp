// Readers shared by the v1 and v2 stats: cgroup.procs, keyed files, single numbers.
#include <charconv>

#include "base/strings.hpp"
#include "runtime/cgroups/cgroup_plan.hpp"
#include "runtime/cgroups/cgroup_resources.hpp"

namespace gocker::runtime {

namespace {

bool parse_unsigned(std::string_view text, uint64_t& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && error == std::errc{} && end == text.data() + text.size();
}

// The v1 page counter's "no limit" is PAGE_COUNTER_MAX rounded to pages (9223372036854771712 on
// x86_64); anything this large is no limit.
constexpr uint64_t kUnlimitedThreshold = uint64_t{1} << 62;

}  // namespace

Result<std::vector<pid_t>> read_cgroup_procs(const std::string& dir) {
  auto content = read_cgroup_file(dir + "/cgroup.procs");
  if (!content) return std::move(content).error();
  std::vector<pid_t> pids;
  for (const std::string& line : split(*content, '\n')) {
    std::string number = trim(line);
    if (number.empty()) continue;
    uint64_t pid = 0;
    if (!parse_unsigned(number, pid)) {
      return Error::invalid("read " + gocker::quoted(dir + "/cgroup.procs") + ": bad pid " + gocker::quoted(number));
    }
    pids.push_back(static_cast<pid_t>(pid));
  }
  return pids;
}

std::vector<std::pair<std::string, uint64_t>> parse_keyed_file(std::string_view content) {
  std::vector<std::pair<std::string, uint64_t>> values;
  for (const std::string& line : split(content, '\n')) {
    size_t space = line.find(' ');
    if (space == std::string::npos) continue;
    uint64_t value = 0;
    if (!parse_unsigned(trim(std::string_view(line).substr(space + 1)), value)) continue;
    values.emplace_back(line.substr(0, space), value);
  }
  return values;
}

Result<uint64_t> read_cgroup_number(const std::string& path) {
  auto content = read_cgroup_file(path);
  if (!content) return std::move(content).error();
  std::string text = trim(*content);
  if (text == "max") return uint64_t{0};
  uint64_t value = 0;
  if (!parse_unsigned(text, value)) {
    // v1 files such as memory.limit_in_bytes never go negative, but cpu.cfs_quota_us does (-1).
    if (text == "-1") return uint64_t{0};
    return Error::invalid("read " + gocker::quoted(path) + ": not a number: " + gocker::quoted(text));
  }
  return value >= kUnlimitedThreshold ? 0 : value;
}

}  // namespace gocker::runtime
