#include "format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gocker::client {

namespace {

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// printf's %.Ng matches Go's %.Ng for the finite, non-negative values shown here.
std::string format_significant(double value, int digits, const char* unit) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g%s", digits, value, unit);
  return buffer;
}

std::string scaled_size(double bytes, double base, const std::vector<const char*>& units, int digits) {
  size_t index = 0;
  while (bytes >= base && index + 1 < units.size()) {
    bytes /= base;
    ++index;
  }
  return format_significant(bytes, digits, units[index]);
}

}  // namespace

std::string human_duration(std::chrono::seconds duration) {
  const int64_t seconds = duration.count();
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return std::to_string(seconds) + " seconds";
  const int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return std::to_string(minutes) + " minutes";
  // go-units rounds to the nearest hour here (half away from zero), and truncates everywhere else.
  const int64_t hours = (seconds + 1800) / 3600;
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < 24 * 7 * 2) return std::to_string(hours / 24) + " days";
  if (hours < 24 * 30 * 2) return std::to_string(hours / 24 / 7) + " weeks";
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24 / 30) + " months";
  return std::to_string(seconds / 3600 / 24 / 365) + " years";
}

std::string time_ago(int64_t unix_seconds, int64_t now_unix_seconds) {
  return human_duration(std::chrono::seconds(now_unix_seconds - unix_seconds)) + " ago";
}

std::string human_size(double bytes) {
  static const std::vector<const char*> kDecimal = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  return scaled_size(bytes, 1000.0, kDecimal, 3);
}

std::string binary_size(double bytes) {
  static const std::vector<const char*> kBinary = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  return scaled_size(bytes, 1024.0, kBinary, 4);
}

size_t display_width(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) { return !is_utf8_continuation(c); }));
}

std::string ellipsis(std::string_view text, size_t max_width) {
  if (display_width(text) <= max_width) return std::string(text);
  if (max_width == 0) return {};
  // Keep max_width - 1 code points, then the ellipsis takes the last column.
  size_t kept = 0;
  size_t end = 0;
  while (end < text.size()) {
    if (!is_utf8_continuation(text[end])) {
      if (kept == max_width - 1) break;
      ++kept;
    }
    ++end;
  }
  return std::string(text.substr(0, end)) + "\u2026";
}

std::string go_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\v': out += "\\v"; break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string short_id(std::string_view id) {
  constexpr std::string_view kDigestPrefix = "sha256:";
  if (id.substr(0, kDigestPrefix.size()) == kDigestPrefix) id.remove_prefix(kDigestPrefix.size());
  return std::string(id.substr(0, 12));
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  constexpr size_t kMinWidth = 10;
  constexpr size_t kPadding = 3;
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    // The last cell of a row is not tab-terminated in docker's templates, so it is no column.
    for (size_t column = 0; column + 1 < row.size(); ++column) {
      if (widths.size() <= column) widths.resize(column + 1, kMinWidth);
      widths[column] = std::max(widths[column], display_width(row[column]) + kPadding);
    }
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t column = 0; column < row.size(); ++column) {
      out += row[column];
      if (column + 1 < row.size()) out.append(widths[column] - display_width(row[column]), ' ');
    }
    out += '\n';
  }
  return out;
}

}  // namespace gocker::client
