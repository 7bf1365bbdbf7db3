#include "security_flags.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace gocker::client {
namespace {

Failure invalid_argument(std::string_view value, std::string_view flag, const std::string& why) {
  return Failure::usage("invalid argument \"" + std::string(value) + "\" for \"" + std::string(flag) + "\" flag: " + why);
}

bool parse_int64(std::string_view text, int64_t& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc{} && end == text.data() + text.size();
}

bool is_permission_set(std::string_view text) {
  if (text.empty() || text.size() > 3) return false;
  for (char c : text)
    if (c != 'r' && c != 'w' && c != 'm') return false;
  return true;
}

// seccomp=PATH becomes seccomp=<the file's JSON>; the named values stay as they are.
Outcome<std::string> resolve_security_opt(const std::string& option) {
  const size_t separator = option.find_first_of("=:");
  if (separator == std::string::npos || option.substr(0, separator) != "seccomp") return option;
  const std::string value = option.substr(separator + 1);
  if (value == "unconfined" || value == "builtin" || value.empty()) return option;
  std::ifstream file(value, std::ios::binary);
  if (!file) return Failure::usage("opening seccomp profile (" + value + ") failed: " + std::strerror(errno));
  std::ostringstream content;
  content << file.rdbuf();
  return "seccomp=" + content.str();
}

}  // namespace

Outcome<api::Ulimit> parse_ulimit_flag(std::string_view text) {
  const size_t equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) return invalid_argument(text, "--ulimit", "invalid ulimit argument: " + std::string(text));
  api::Ulimit ulimit;
  ulimit.name = std::string(text.substr(0, equals));
  std::string_view limits = text.substr(equals + 1);
  const size_t colon = limits.find(':');
  if (!parse_int64(limits.substr(0, colon), ulimit.soft)) {
    return invalid_argument(text, "--ulimit", "invalid ulimit argument: " + std::string(text));
  }
  ulimit.hard = ulimit.soft;
  if (colon != std::string_view::npos && !parse_int64(limits.substr(colon + 1), ulimit.hard)) {
    return invalid_argument(text, "--ulimit", "invalid ulimit argument: " + std::string(text));
  }
  return ulimit;
}

Outcome<api::DeviceMapping> parse_device_flag(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t colon = text.find(':', start);
    parts.emplace_back(text.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  api::DeviceMapping device;
  if (parts.size() > 3 || parts[0].empty()) return invalid_argument(text, "--device", "bad format for path: " + std::string(text));
  device.path_on_host = parts[0];
  device.path_in_container = parts[0];
  if (parts.size() == 2) {
    if (is_permission_set(parts[1])) device.cgroup_permissions = parts[1];
    else device.path_in_container = parts[1];
  } else if (parts.size() == 3) {
    if (!is_permission_set(parts[2])) return invalid_argument(text, "--device", "bad mode specified: " + parts[2]);
    device.path_in_container = parts[1];
    device.cgroup_permissions = parts[2];
  }
  if (device.path_on_host.front() != '/' || device.path_in_container.empty() || device.path_in_container.front() != '/') {
    return invalid_argument(text, "--device", "bad format for path: " + std::string(text));
  }
  return device;
}

Outcome<void> apply_security_flags(const RunFlags& flags, api::HostConfig& host) {
  host.privileged = flags.privileged;
  host.userns_mode = flags.userns;
  host.cap_add = flags.cap_add;
  host.cap_drop = flags.cap_drop;
  for (const auto& option : flags.security_opt) {
    auto resolved = resolve_security_opt(option);
    if (!resolved) return std::move(resolved).error();
    host.security_opt.push_back(std::move(resolved).value());
  }
  for (const auto& text : flags.ulimits) {
    auto ulimit = parse_ulimit_flag(text);
    if (!ulimit) return std::move(ulimit).error();
    host.ulimits.push_back(std::move(ulimit).value());
  }
  host.oom_score_adj = flags.oom_score_adj;
  for (const auto& text : flags.sysctls) {
    const size_t equals = text.find('=');
    if (equals == std::string::npos || equals == 0) return invalid_argument(text, "--sysctl", "sysctl '" + text + "' is not of the form KEY=VALUE");
    host.sysctls[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& text : flags.devices) {
    auto device = parse_device_flag(text);
    if (!device) return std::move(device).error();
    host.devices.push_back(std::move(device).value());
  }
  return {};
}

}  // namespace gocker::client
