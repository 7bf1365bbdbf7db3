#include "server/allocator_tunables.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace gocker::server {

namespace {
constexpr std::string_view kTcacheCount = "glibc.malloc.tcache_count";
}

std::optional<std::string> tunables_without_tcache(const char* current) {
  const std::string_view set = current ? current : "";
  // Tunables are colon-separated name=value pairs.
  for (size_t start = 0; start <= set.size();) {
    const size_t end = std::min(set.find(':', start), set.size());
    const std::string_view pair = set.substr(start, end - start);
    if (pair.substr(0, pair.find('=')) == kTcacheCount) return std::nullopt;
    start = end + 1;
  }
  std::string tunables(set);
  if (!tunables.empty()) tunables += ':';
  tunables += kTcacheCount;
  tunables += "=0";
  return tunables;
}

void exec_self_with_allocator_tunables(char** argv) {
  const char* current = ::getenv("GLIBC_TUNABLES");
  auto tunables = tunables_without_tcache(current);
  if (!tunables) return;
  const std::optional<std::string> previous = current ? std::optional<std::string>(current) : std::nullopt;
  // The binary by its own path, not /proc/self/exe: the kernel names the process after the file
  // it executes, and ps, pgrep and the journal know the daemon as gockerd.
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return;
  ::setenv("GLIBC_TUNABLES", tunables->c_str(), 1);
  ::execv(self.c_str(), argv);
  // The binary was replaced or removed since it started: run as we are, with the environment as it was.
  if (previous) {
    ::setenv("GLIBC_TUNABLES", previous->c_str(), 1);
  } else {
    ::unsetenv("GLIBC_TUNABLES");
  }
}

}  // namespace gocker::server
