#include "server/query.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <nlohmann/json.hpp>

#include "base/strings.hpp"

namespace gocker::server {

namespace {

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      int high = i + 2 < text.size() ? hex_digit_value(text[i + 1]) : -1;
      int low = i + 2 < text.size() ? hex_digit_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) return Error::invalid("invalid URL escape " + gocker::quoted(text.substr(i, 3)));
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool parse_bool(std::string_view text) {
  std::string value = trim(text);
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  return !(value.empty() || value == "0" || value == "no" || value == "false" || value == "none");
}

Result<std::vector<std::pair<std::string, std::string>>> decode_filters(std::string_view json_text) {
  std::vector<std::pair<std::string, std::string>> filters;
  if (trim(json_text).empty()) return filters;
  auto parsed = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object())
    return Error::invalid("invalid filter " + gocker::quoted(json_text) + ": expected a JSON object");
  for (const auto& [key, values] : parsed.items()) {
    if (values.is_object()) {
      // The CLI's map[string]map[string]bool; moby ignores the booleans (Args.Get lists the keys).
      for (const auto& [value, flag] : values.items()) {
        if (!flag.is_boolean()) return Error::invalid("invalid filter " + gocker::quoted(key) + ": values must be booleans");
        filters.emplace_back(key, value);
      }
    } else if (values.is_array()) {
      for (const auto& value : values) {
        if (!value.is_string()) return Error::invalid("invalid filter " + gocker::quoted(key) + ": values must be strings");
        filters.emplace_back(key, value.get<std::string>());
      }
    } else {
      return Error::invalid("invalid filter " + gocker::quoted(key) + ": expected a list or a map of values");
    }
  }
  return filters;
}

Result<QueryParams> QueryParams::parse(std::string_view query) {
  QueryParams params;
  for (const std::string& pair : split(query, '&')) {
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    auto key = percent_decode(std::string_view(pair).substr(0, equals));
    if (!key) return std::move(key).error().context("query");
    std::string value;
    if (equals != std::string::npos) {
      auto decoded = percent_decode(std::string_view(pair).substr(equals + 1));
      if (!decoded) return std::move(decoded).error().context("query parameter " + gocker::quoted(*key));
      value = std::move(*decoded);
    }
    params.values_.emplace_back(std::move(*key), std::move(value));
  }
  return params;
}

std::optional<std::string> QueryParams::get(std::string_view key) const {
  for (const auto& [name, value] : values_)
    if (name == key) return value;
  return std::nullopt;
}

std::string QueryParams::get_or(std::string_view key, std::string fallback) const {
  auto value = get(key);
  return value ? *value : std::move(fallback);
}

bool QueryParams::get_bool(std::string_view key, bool fallback) const {
  auto value = get(key);
  return value ? parse_bool(*value) : fallback;
}

Result<std::optional<int64_t>> QueryParams::get_int(std::string_view key) const {
  auto value = get(key);
  if (!value || value->empty()) return std::optional<int64_t>{};
  int64_t number = 0;
  const char* end = value->data() + value->size();
  auto [ptr, ec] = std::from_chars(value->data(), end, number);
  if (ec != std::errc{} || ptr != end)
    return Error::invalid("invalid value for " + gocker::quoted(key) + ": " + gocker::quoted(*value) + " is not an integer");
  return std::optional<int64_t>{number};
}

}  // namespace gocker::server
