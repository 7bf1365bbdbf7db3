#pragma once
// Typed access to config.json fields for the runtime's parsers (oci_config.cpp and the parsers of
// its sections), so every parser names the offending field the same way.
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace gocker::runtime {

// Typed field access that names the field on a type mismatch, so a bad config.json says where it
// is wrong instead of a bare nlohmann type_error. A missing (or null) field leaves `out` alone.
class ConfigReader {
 public:
  Status string_field(const nlohmann::json& object, const char* key, const std::string& where, std::string& out) {
    const nlohmann::json* value = find(object, key);
    if (!value) return ok();
    if (!value->is_string()) return type_error(where + "." + key, "string");
    out = value->get<std::string>();
    return ok();
  }
  Status bool_field(const nlohmann::json& object, const char* key, const std::string& where, bool& out) {
    const nlohmann::json* value = find(object, key);
    if (!value) return ok();
    if (!value->is_boolean()) return type_error(where + "." + key, "boolean");
    out = value->get<bool>();
    return ok();
  }
  template <typename Integer>
  Status integer_field(const nlohmann::json& object, const char* key, const std::string& where, std::optional<Integer>& out) {
    const nlohmann::json* value = find(object, key);
    if (!value) return ok();
    if (!value->is_number_integer()) return type_error(where + "." + key, "integer");
    if constexpr (std::is_unsigned_v<Integer>) {
      if (value->is_number_unsigned()) {
        out = static_cast<Integer>(value->get<uint64_t>());
        return ok();
      }
      if (value->get<int64_t>() < 0) return type_error(where + "." + key, "non-negative integer");
    }
    out = static_cast<Integer>(value->get<int64_t>());
    return ok();
  }
  Status string_array(const nlohmann::json& object, const char* key, const std::string& where, std::vector<std::string>& out) {
    const nlohmann::json* value = find(object, key);
    if (!value) return ok();
    if (!value->is_array()) return type_error(where + "." + key, "array of strings");
    out.clear();
    for (const nlohmann::json& item : *value) {
      if (!item.is_string()) return type_error(where + "." + key, "array of strings");
      out.push_back(item.get<std::string>());
    }
    return ok();
  }
  const nlohmann::json* object_field(const nlohmann::json& object, const char* key) { return find(object, key); }

 private:
  static const nlohmann::json* find(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return nullptr;
    return &*it;
  }
  static Error type_error(const std::string& field, const char* expected) {
    return Error::invalid("config.json field " + field + ": must be " + expected);
  }
};

}  // namespace gocker::runtime
