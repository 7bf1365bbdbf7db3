#pragma once
// Request query strings and the value conventions of Docker's API (moby's httputils).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace gocker::server {

// "%2F" -> "/", "+" -> " " (application/x-www-form-urlencoded, as Go's url.ParseQuery).
Result<std::string> percent_decode(std::string_view text);

// Docker's BoolValue: after trimming and lower-casing, "", "0", "no", "false" and "none" are false,
// anything else ("1", "true", "True", "yes") is true.
bool parse_bool(std::string_view text);

// The `filters` parameter, decoded from either shape clients send:
//   docker CLI:  {"name":{"web":true},"status":{"running":true}}
//   docker-py:   {"name":["web"],"status":["running"]}
// into (key, value) pairs in key order. An empty string means no filters.
Result<std::vector<std::pair<std::string, std::string>>> decode_filters(std::string_view json_text);

class QueryParams {
 public:
  static Result<QueryParams> parse(std::string_view query);

  // The first value of `key`, if present (present but empty gives "").
  std::optional<std::string> get(std::string_view key) const;
  std::string get_or(std::string_view key, std::string fallback) const;
  // Absent means `fallback`; present is read by parse_bool.
  bool get_bool(std::string_view key, bool fallback = false) const;
  // Absent or empty means nullopt; anything but a decimal integer is InvalidArgument.
  Result<std::optional<int64_t>> get_int(std::string_view key) const;

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

}  // namespace gocker::server
