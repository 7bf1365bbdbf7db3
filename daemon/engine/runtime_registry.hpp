#pragma once
// The OCI runtimes gockerd can hand a container's bundle to, by name (dockerd's --add-runtime and
// --default-runtime). "gocker" is the built-in runtime (the monitor clones the init itself) and is
// always there; "runc" and "crun" are added when found on PATH; `--add-runtime name=path` adds or
// replaces any other. Pure: the PATH lookup takes the directories and an "is executable" probe.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace gocker::engine {

inline constexpr const char* kBuiltinRuntime = "gocker";

// "name=path" of --add-runtime. InvalidArgument for a missing '=', an empty side, or a name
// outside [a-zA-Z0-9][a-zA-Z0-9_.-]*.
Result<std::pair<std::string, std::string>> parse_runtime_flag(std::string_view flag);

class RuntimeRegistry {
 public:
  using IsExecutable = std::function<bool(const std::string&)>;

  RuntimeRegistry() { paths_[kBuiltinRuntime] = ""; }  // the built-in runtime alone

  // `added`: --add-runtime values; `default_name`: --runtime/--default-runtime (empty: gocker);
  // `search_path`: $PATH, where runc and crun (and added runtimes given as bare names) are found.
  // InvalidArgument for a malformed or repeated name, "gocker" redefined, a path that is not an
  // executable file, or an unknown default.
  static Result<RuntimeRegistry> make(const std::vector<std::string>& added, const std::string& default_name,
                                      const std::string& search_path, const IsExecutable& is_executable);

  // The default for an empty name; InvalidArgument "unknown or invalid runtime name: X" (dockerd's
  // words) for a name not registered.
  Result<std::string> resolve(const std::string& name) const;
  // The binary of an external runtime; empty for the built-in one (and for unknown names).
  std::string path_of(const std::string& name) const;
  bool is_builtin(const std::string& name) const { return name.empty() || name == kBuiltinRuntime; }
  const std::string& default_name() const { return default_name_; }
  // name -> path ("" for gocker), as /info lists them.
  const std::map<std::string, std::string>& runtimes() const { return paths_; }

 private:
  std::map<std::string, std::string> paths_;
  std::string default_name_ = kBuiltinRuntime;
};

// The first executable `name` in the ':'-separated directories; empty when none.
std::string find_on_path(const std::string& name, const std::string& search_path,
                         const RuntimeRegistry::IsExecutable& is_executable);

}  // namespace gocker::engine
