#include "runtime/oci_config_extras.hpp"

#include "base/strings.hpp"

namespace gocker::runtime {

using nlohmann::json;

Status parse_config_extras(const json& document, OciSpec& spec) {
  auto annotations = document.find("annotations");
  if (annotations != document.end() && annotations->is_object()) {
    for (const auto& [key, value] : annotations->items()) {
      if (!value.is_string()) {
        return Error::invalid("config.json annotation " + gocker::quoted(key) + ": must be a string");
      }
      spec.annotations[key] = value.get<std::string>();
    }
  }
  return ok();
}

}  // namespace gocker::runtime
