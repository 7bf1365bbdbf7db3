#pragma once
// Reading Docker request JSON: a missing key and a null both mean "keep the default".
//
// Integer fields are read strictly. nlohmann converts any JSON number to the field's type with a
// plain cast: 1e300 into an int64_t is undefined behaviour (UBSan: float-cast-overflow, found
// while writing the create-config fuzz target), 4294967396 into an int silently becomes 100, and
// 1.5 becomes 1. dockerd's decoder (Go's encoding/json) refuses all three ("cannot unmarshal
// number ... into Go struct field ... of type int64"); so does read_integer, with a type_error
// the server answers with a 400. A float with an integral value in range (1024.0) is taken, as a
// lenience.
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace gocker::api {

// `key` names the field in the message: "Memory: number 1e+300 is out of range".
template <typename T>
T read_integer(const nlohmann::json& value, const char* key) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  using Limits = std::numeric_limits<T>;
  auto refuse = [&value, key]() -> T {
    const bool fraction = value.is_number_float() && std::isfinite(value.get<double>()) &&
                          std::trunc(value.get<double>()) != value.get<double>();
    throw nlohmann::json::type_error::create(
        302, std::string(key) + ": number " + value.dump() + (fraction ? " is not an integer" : " is out of range"), &value);
  };
  if (value.is_number_unsigned()) {
    const auto number = value.get<uint64_t>();
    if (number > static_cast<uint64_t>(Limits::max())) return refuse();
    return static_cast<T>(number);
  }
  if (value.is_number_integer()) {
    const auto number = value.get<int64_t>();
    if constexpr (std::is_signed_v<T>) {
      if (number < static_cast<int64_t>(Limits::min()) || number > static_cast<int64_t>(Limits::max())) return refuse();
    } else {
      if (number < 0 || static_cast<uint64_t>(number) > static_cast<uint64_t>(Limits::max())) return refuse();
    }
    return static_cast<T>(number);
  }
  if (value.is_number_float()) {
    const double number = value.get<double>();
    // Limits::max() + 1 is a power of two, exact as a double; max() itself may not be.
    const double upper = std::ldexp(1.0, Limits::digits);
    if (!std::isfinite(number) || std::trunc(number) != number || number < static_cast<double>(Limits::min()) ||
        number >= upper)
      return refuse();
    return static_cast<T>(number);
  }
  return value.get<T>();  // not a number: nlohmann's own type_error
}

template <typename T>
struct is_optional_integer : std::false_type {};
template <typename T>
struct is_optional_integer<std::optional<T>> : std::bool_constant<std::is_integral_v<T> && !std::is_same_v<T, bool>> {};

template <typename T>
void read_field(const nlohmann::json& object, const char* key, T& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return;
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    out = read_integer<T>(*it, key);
  } else if constexpr (is_optional_integer<T>::value) {
    out = read_integer<typename T::value_type>(*it, key);
  } else {
    it->get_to(out);
  }
}

}  // namespace gocker::api
