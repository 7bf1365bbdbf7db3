#include "engine/runtime_registry.hpp"

#include <cctype>

#include "base/strings.hpp"

namespace gocker::engine {
namespace {

bool is_valid_runtime_name(std::string_view name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

}  // namespace

Result<std::pair<std::string, std::string>> parse_runtime_flag(std::string_view flag) {
  size_t equals = flag.find('=');
  if (equals == std::string_view::npos || equals == 0 || equals + 1 == flag.size()) {
    return Error::invalid("--add-runtime " + quoted(flag) + ": expected name=path");
  }
  std::string name(flag.substr(0, equals));
  std::string path(flag.substr(equals + 1));
  if (!is_valid_runtime_name(name)) {
    return Error::invalid("--add-runtime " + quoted(flag) + ": invalid runtime name " + quoted(name) +
                          " (allowed: [a-zA-Z0-9][a-zA-Z0-9_.-]*)");
  }
  return std::pair{std::move(name), std::move(path)};
}

std::string find_on_path(const std::string& name, const std::string& search_path,
                         const RuntimeRegistry::IsExecutable& is_executable) {
  size_t start = 0;
  while (start <= search_path.size()) {
    size_t end = search_path.find(':', start);
    if (end == std::string::npos) end = search_path.size();
    std::string directory = search_path.substr(start, end - start);
    start = end + 1;
    if (directory.empty() || directory.front() != '/') continue;  // only absolute entries count
    std::string candidate = directory + "/" + name;
    if (is_executable(candidate)) return candidate;
  }
  return {};
}

Result<RuntimeRegistry> RuntimeRegistry::make(const std::vector<std::string>& added, const std::string& default_name,
                                              const std::string& search_path, const IsExecutable& is_executable) {
  RuntimeRegistry registry;
  for (const char* found : {"runc", "crun"}) {
    std::string path = find_on_path(found, search_path, is_executable);
    if (!path.empty()) registry.paths_[found] = path;
  }
  std::map<std::string, bool> seen;
  for (const std::string& flag : added) {
    auto parsed = parse_runtime_flag(flag);
    if (!parsed) return std::move(parsed).error();
    auto [name, path] = std::move(parsed).value();
    if (name == kBuiltinRuntime) {
      return Error::invalid("--add-runtime " + quoted(flag) + ": runtime name " + quoted(name) + " is reserved");
    }
    if (seen[name]) return Error::invalid("--add-runtime " + quoted(flag) + ": runtime " + quoted(name) + " given twice");
    seen[name] = true;
    std::string resolved = path;
    if (path.find('/') == std::string::npos) resolved = find_on_path(path, search_path, is_executable);
    if (resolved.empty() || resolved.front() != '/' || !is_executable(resolved)) {
      return Error::invalid("--add-runtime " + quoted(flag) + ": " + quoted(path) +
                            " is not an executable file (an absolute path, or a command on PATH)");
    }
    registry.paths_[name] = resolved;
  }
  if (!default_name.empty()) {
    if (!registry.paths_.count(default_name)) {
      std::string known;
      for (const auto& [name, path] : registry.paths_) known += (known.empty() ? "" : ", ") + name;
      return Error::invalid("default runtime " + quoted(default_name) + " is not known (known: " + known +
                            "; add one with --add-runtime name=path)");
    }
    registry.default_name_ = default_name;
  }
  return registry;
}

Result<std::string> RuntimeRegistry::resolve(const std::string& name) const {
  if (name.empty()) return default_name_;
  if (!paths_.count(name)) return Error::invalid("unknown or invalid runtime name: " + name);
  return name;
}

std::string RuntimeRegistry::path_of(const std::string& name) const {
  auto it = paths_.find(name);
  return it == paths_.end() ? std::string{} : it->second;
}

}  // namespace gocker::engine
