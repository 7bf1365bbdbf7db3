#pragma once
// Docker-like text output: tables padded like Go's tabwriter as the docker CLI configures it,
// durations and sizes as go-units words them, and the truncation and quoting of `ps`.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gocker::client {

// go-units HumanDuration: "Less than a second", "1 second", "5 seconds", "About a minute",
// "3 minutes", "About an hour", "5 hours", "3 days", "2 weeks", "4 months", "2 years".
std::string human_duration(std::chrono::seconds duration);

// "<human_duration> ago" for a unix timestamp, as `ps` and `images` show CREATED.
std::string time_ago(int64_t unix_seconds, int64_t now_unix_seconds);

// go-units HumanSizeWithPrecision(size, 3): decimal units, "4.26MB", "512B", "1.2GB" (`images`).
std::string human_size(double bytes);
// go-units BytesSize: binary units with 4 significant digits, "3.832GiB" (`info`).
std::string binary_size(double bytes);

// Cuts `text` to `max_width` characters (UTF-8 code points), the last one replaced by "…",
// as docker's formatter.Ellipsis does for the COMMAND column.
std::string ellipsis(std::string_view text, size_t max_width);

// Go's strconv.Quote for the ASCII-and-UTF-8 text a command line holds: double quotes, with
// backslash escapes for '"', '\\' and control characters.
std::string go_quote(std::string_view text);

// The first 12 hex digits of an id, without a "sha256:" prefix.
std::string short_id(std::string_view id);

// Renders rows like the docker CLI's tabwriter (minwidth 10, padding 3, padchar ' '): every
// column but the last is padded to max(widest cell + 3, 10); the last is not padded at all.
// Widths count UTF-8 code points. Each row ends with '\n'.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

// Number of UTF-8 code points in `text` (continuation bytes are not counted).
size_t display_width(std::string_view text);

}  // namespace gocker::client
