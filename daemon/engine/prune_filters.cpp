#include "engine/prune_filters.hpp"

#include <time.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "base/time_math.hpp"
#include "engine/time_format.hpp"

namespace gocker::engine {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

bool is_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<int64_t> unit_nanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return kSecond;
  if (unit == "m") return 60 * kSecond;
  if (unit == "h") return 3600 * kSecond;
  return std::nullopt;
}

// "2026-12-03" at midnight UTC.
std::optional<int64_t> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!is_digits(text.substr(0, 4)) || !is_digits(text.substr(5, 2)) || !is_digits(text.substr(8, 2))) return std::nullopt;
  tm utc{};
  utc.tm_year = std::stoi(std::string(text.substr(0, 4))) - 1900;
  utc.tm_mon = std::stoi(std::string(text.substr(5, 2))) - 1;
  utc.tm_mday = std::stoi(std::string(text.substr(8, 2)));
  if (utc.tm_mon < 0 || utc.tm_mon > 11 || utc.tm_mday < 1 || utc.tm_mday > 31) return std::nullopt;
  return unix_nanos_saturated(static_cast<int64_t>(timegm(&utc)));
}

// "1764756000" or "1764756000.123456789" (what the docker CLI itself sends for some filters).
std::optional<int64_t> parse_unix_seconds(std::string_view text) {
  const size_t dot = text.find('.');
  std::string_view seconds_text = text.substr(0, dot);
  if (!is_digits(seconds_text) || seconds_text.size() > 12) return std::nullopt;
  int64_t seconds = 0;
  std::from_chars(seconds_text.data(), seconds_text.data() + seconds_text.size(), seconds);
  int64_t nanos = 0;
  if (dot != std::string_view::npos) {
    std::string_view fraction = text.substr(dot + 1);
    if (!is_digits(fraction) || fraction.size() > 9) return std::nullopt;
    std::from_chars(fraction.data(), fraction.data() + fraction.size(), nanos);
    for (size_t digits = fraction.size(); digits < 9; ++digits) nanos *= 10;
  }
  return unix_nanos_saturated(seconds, nanos);
}

bool label_present(const std::map<std::string, std::string>& labels, const std::string& wanted) {
  const size_t equals = wanted.find('=');
  auto found = labels.find(wanted.substr(0, equals));
  if (found == labels.end()) return false;
  return equals == std::string::npos || found->second == wanted.substr(equals + 1);
}

bool all_present(const std::map<std::string, std::string>& labels, const std::vector<std::string>& wanted) {
  for (const std::string& label : wanted)
    if (!label_present(labels, label)) return false;
  return true;
}

}  // namespace

std::optional<int64_t> parse_go_duration(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  double total = 0;
  while (!text.empty()) {
    size_t number_end = 0;
    while (number_end < text.size() && ((text[number_end] >= '0' && text[number_end] <= '9') || text[number_end] == '.'))
      ++number_end;
    std::string number(text.substr(0, number_end));
    if (number.empty() || number == "." || number.find('.') != number.rfind('.')) return std::nullopt;
    text.remove_prefix(number_end);
    size_t unit_end = 0;
    while (unit_end < text.size() && !((text[unit_end] >= '0' && text[unit_end] <= '9') || text[unit_end] == '.'))
      ++unit_end;
    auto scale = unit_nanos(text.substr(0, unit_end));
    if (!scale) return std::nullopt;  // Go requires a unit after every number but "0"
    text.remove_prefix(unit_end);
    total += std::strtod(number.c_str(), nullptr) * static_cast<double>(*scale);
  }
  if (total > 9.2e18) return std::nullopt;  // Go: "invalid duration" past int64
  const auto nanos = static_cast<int64_t>(std::llround(total));
  return negative ? -nanos : nanos;
}

std::optional<int64_t> parse_until_time(std::string_view text, int64_t now_nanos) {
  // dockerd reads "0" as the unix time 0, not as a zero duration.
  if (text != "0") {
    if (auto duration = parse_go_duration(text)) return saturating_sub(now_nanos, *duration);
  }
  if (text.find('T') != std::string_view::npos) return parse_rfc3339_nanos(text);
  if (text.find('-') != std::string_view::npos) return parse_date(text);
  return parse_unix_seconds(text);
}

Result<PruneFilters> parse_prune_filters(const std::vector<std::pair<std::string, std::string>>& filters,
                                         PruneTarget target, int64_t now_nanos) {
  PruneFilters parsed;
  std::optional<bool> dangling;
  for (const auto& [key, value] : filters) {
    if (key == "until") {
      if (parsed.until_nanos) return Error::invalid("more than one until filter specified");
      auto until = parse_until_time(value, now_nanos);
      if (!until) return Error::invalid("invalid filter 'until=" + value + "': not a time or a duration");
      parsed.until_nanos = *until;
    } else if (key == "label") {
      parsed.labels.push_back(value);
    } else if (key == "label!") {
      parsed.not_labels.push_back(value);
    } else if (key == "dangling" && target == PruneTarget::Images) {
      // Go's strings.EqualFold against "true"/"1" and "false"/"0", as filters.GetBoolOrDefault.
      std::string lower;
      for (char c : value) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      std::optional<bool> wanted;
      if (lower == "true" || lower == "1") wanted = true;
      if (lower == "false" || lower == "0") wanted = false;
      if (!wanted || (dangling && *dangling != *wanted)) return Error::invalid("invalid filter 'dangling=" + value + "'");
      dangling = wanted;
    } else {
      return Error::invalid("invalid filter '" + key + "'");
    }
  }
  parsed.dangling_only = dangling.value_or(true);
  return parsed;
}

bool prune_filters_select(const PruneFilters& filters, const std::map<std::string, std::string>& labels,
                          int64_t created_nanos) {
  if (filters.until_nanos && created_nanos > *filters.until_nanos) return false;
  if (!all_present(labels, filters.labels)) return false;
  // moby's matchLabels: "label!" excludes only when every one of its values matches.
  if (!filters.not_labels.empty() && all_present(labels, filters.not_labels)) return false;
  return true;
}

}  // namespace gocker::engine
