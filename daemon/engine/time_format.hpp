#pragma once
// Timestamps as the Docker API writes them: RFC 3339 with nanoseconds, UTC ("...T15:04:05.123456789Z").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gocker::engine {

// Nanoseconds since the Unix epoch.
int64_t now_unix_nanos();
std::string format_rfc3339_nanos(int64_t unix_nanos);
// Accepts "2006-01-02T15:04:05Z" with an optional fraction of any length; nullopt when malformed.
std::optional<int64_t> parse_rfc3339_nanos(std::string_view text);

// Docker's zero time, which inspect shows for "never".
inline constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

}  // namespace gocker::engine
