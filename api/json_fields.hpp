#pragma once
// Reading Docker request JSON: a missing key and a null both mean "keep the default".
#include <nlohmann/json.hpp>

namespace gocker::api {

template <typename T>
void read_field(const nlohmann::json& object, const char* key, T& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return;
  it->get_to(out);
}

}  // namespace gocker::api
