#pragma once
// `gockerctl events`: turning --since/--until into the API's timestamps and events into docker's
// one-line text. Pure, so it is unit-tested without a daemon.
#include <cstdint>
#include <string>
#include <string_view>

#include "api/event_types.hpp"
#include "outcome.hpp"

namespace gocker::client {

// docker's GetTimestamp: a Go duration ("10m", "1h30m", "45s") counts back from now; a unix time
// ("1700000000", "1700000000.5") passes through; an RFC 3339 time ("2024-05-01T12:00:00Z", with
// a fraction or an offset) or a date ("2024-05-01", UTC) is converted. Returns what the API takes:
// "<seconds>.<9 digits>".
Outcome<std::string> event_time_parameter(std::string_view text, int64_t now_unix_nanos);

// docker's default event line: "<RFC 3339 nanos, UTC> <type> <action> <actor id> (k=v, k=v)" with
// the attributes sorted by key.
std::string event_line(const api::EventMessage& event);

}  // namespace gocker::client
