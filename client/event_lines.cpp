#include "event_lines.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace gocker::client {

namespace {

std::string format_api_time(int64_t nanos) {
  // Floor division, so a time before 1970 keeps a non-negative fraction.
  int64_t seconds = nanos / 1'000'000'000;
  int64_t fraction = nanos % 1'000'000'000;
  if (fraction < 0) {
    fraction += 1'000'000'000;
    --seconds;
  }
  char text[48];
  std::snprintf(text, sizeof text, "%lld.%09lld", static_cast<long long>(seconds), static_cast<long long>(fraction));
  return text;
}

bool parse_digits(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc{} && end == text.data() + text.size();
}

// Go's time.ParseDuration for the units docker users write: h, m, s, ms, us, ns, with fractions.
bool parse_go_duration(std::string_view text, int64_t& nanos) {
  if (text.empty()) return false;
  nanos = 0;
  while (!text.empty()) {
    size_t number_end = text.find_first_not_of("0123456789.");
    if (number_end == 0 || number_end == std::string_view::npos) return false;
    std::string_view number = text.substr(0, number_end);
    text.remove_prefix(number_end);
    size_t unit_end = text.find_first_of("0123456789.");
    std::string_view unit = text.substr(0, unit_end);
    text.remove_prefix(unit.size());
    double scale = 0;
    if (unit == "h") scale = 3600e9;
    else if (unit == "m") scale = 60e9;
    else if (unit == "s") scale = 1e9;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "us" || unit == "µs") scale = 1e3;
    else if (unit == "ns") scale = 1;
    else return false;
    double value = 0;
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (error != std::errc{} || end != number.data() + number.size()) return false;
    nanos += static_cast<int64_t>(value * scale);
  }
  return true;
}

// "2024-05-01", "2024-05-01T12:00:00", with ".fraction", with "Z" or "+01:00"; no zone means UTC.
bool parse_rfc3339(std::string_view text, int64_t& nanos) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  auto number = [&text](size_t digits, int& out) {
    int64_t value = 0;
    if (text.size() < digits || !parse_digits(text.substr(0, digits), value)) return false;
    out = static_cast<int>(value);
    text.remove_prefix(digits);
    return true;
  };
  auto literal = [&text](char c) {
    if (text.empty() || text.front() != c) return false;
    text.remove_prefix(1);
    return true;
  };
  if (!number(4, year) || !literal('-') || !number(2, month) || !literal('-') || !number(2, day)) return false;
  int64_t fraction = 0;
  int64_t offset_seconds = 0;
  if (!text.empty()) {
    if (!literal('T') || !number(2, hour) || !literal(':') || !number(2, minute) || !literal(':') || !number(2, second))
      return false;
    if (literal('.')) {
      size_t digits = text.find_first_not_of("0123456789");
      std::string_view fraction_text = text.substr(0, digits);
      if (fraction_text.empty() || fraction_text.size() > 9) return false;
      for (size_t i = 0; i < 9; ++i) fraction = fraction * 10 + (i < fraction_text.size() ? fraction_text[i] - '0' : 0);
      text.remove_prefix(fraction_text.size());
    }
    if (!literal('Z') && !text.empty()) {
      const int sign = text.front() == '-' ? -1 : 1;
      if (!literal('+') && !literal('-')) return false;
      int offset_hours = 0, offset_minutes = 0;
      if (!number(2, offset_hours) || !literal(':') || !number(2, offset_minutes)) return false;
      offset_seconds = sign * (offset_hours * 3600 + offset_minutes * 60);
    }
    if (!text.empty()) return false;
  }
  std::tm broken{};
  broken.tm_year = year - 1900;
  broken.tm_mon = month - 1;
  broken.tm_mday = day;
  broken.tm_hour = hour;
  broken.tm_min = minute;
  broken.tm_sec = second;
  const int64_t seconds = static_cast<int64_t>(::timegm(&broken)) - offset_seconds;
  nanos = seconds * 1'000'000'000 + fraction;
  return true;
}

std::string format_rfc3339_utc(int64_t nanos) {
  std::time_t seconds = static_cast<std::time_t>(nanos / 1'000'000'000);
  std::tm broken{};
  ::gmtime_r(&seconds, &broken);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", broken.tm_year + 1900, broken.tm_mon + 1,
                broken.tm_mday, broken.tm_hour, broken.tm_min, broken.tm_sec,
                static_cast<long long>(nanos % 1'000'000'000));
  return text;
}

}  // namespace

Outcome<std::string> event_time_parameter(std::string_view text, int64_t now_unix_nanos) {
  int64_t nanos = 0;
  if (parse_go_duration(text, nanos)) return format_api_time(now_unix_nanos - nanos);
  // A unix time, with an optional fraction: passed through as the API reads it.
  std::string_view whole = text.substr(0, text.find('.'));
  std::string_view fraction = whole.size() < text.size() ? text.substr(whole.size() + 1) : std::string_view{};
  int64_t seconds = 0;
  if (parse_digits(whole, seconds) && fraction.size() <= 9 &&
      fraction.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t fraction_nanos = 0;
    for (size_t i = 0; i < 9; ++i) fraction_nanos = fraction_nanos * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    return format_api_time(seconds * 1'000'000'000 + fraction_nanos);
  }
  if (parse_rfc3339(text, nanos)) return format_api_time(nanos);
  return Failure::usage("invalid value \"" + std::string(text) +
                        "\": expected a duration (10m), a unix timestamp or an RFC 3339 time");
}

std::string event_line(const api::EventMessage& event) {
  const int64_t nanos = event.time_nano != 0 ? event.time_nano : event.time * 1'000'000'000;
  std::string line = format_rfc3339_utc(nanos) + " " + event.type + " " + event.action + " " + event.actor.id;
  if (!event.actor.attributes.empty()) {
    line += " (";
    bool first = true;
    for (const auto& [key, value] : event.actor.attributes) {  // std::map: sorted by key, as docker sorts
      if (!first) line += ", ";
      first = false;
      line += key + "=" + value;
    }
    line += ")";
  }
  return line;
}

}  // namespace gocker::client
