#include "engine/host_usage.hpp"

#include <unistd.h>

#include <charconv>

#include "base/strings.hpp"
#include "runtime/file_util.hpp"

namespace gocker::engine {

namespace {

std::vector<uint64_t> numbers_after_label(std::string_view line) {
  std::vector<uint64_t> numbers;
  bool first = true;
  for (const std::string& word : split(line, ' ')) {
    if (word.empty()) continue;
    if (first) {  // the label ("cpu", "MemTotal:")
      first = false;
      continue;
    }
    uint64_t value = 0;
    auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
    if (error != std::errc{} || end != word.data() + word.size()) break;
    numbers.push_back(value);
  }
  return numbers;
}

}  // namespace

Result<uint64_t> host_cpu_usage_nanos() {
  auto content = runtime::read_file("/proc/stat");
  if (!content) return std::move(content).error();
  for (const std::string& line : split(*content, '\n')) {
    if (!starts_with(line, "cpu ")) continue;
    const std::vector<uint64_t> ticks = numbers_after_label(line);
    if (ticks.size() < 7) break;
    uint64_t total = 0;
    for (size_t i = 0; i < 7; ++i) total += ticks[i];
    const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
    return total * (1'000'000'000ULL / static_cast<uint64_t>(ticks_per_second > 0 ? ticks_per_second : 100));
  }
  return Error::internal("read /proc/stat: no aggregate \"cpu\" line");
}

Result<uint64_t> host_memory_bytes() {
  auto content = runtime::read_file("/proc/meminfo");
  if (!content) return std::move(content).error();
  for (const std::string& line : split(*content, '\n')) {
    if (!starts_with(line, "MemTotal:")) continue;
    const std::vector<uint64_t> values = numbers_after_label(line);
    if (values.empty()) break;
    return values.front() * 1024;  // kB
  }
  return Error::internal("read /proc/meminfo: no MemTotal line");
}

}  // namespace gocker::engine
