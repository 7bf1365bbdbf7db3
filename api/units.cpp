#include "api/units.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace gocker::api {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Consumes a run of digits starting at `pos`; returns the position after it.
size_t skip_digits(std::string_view text, size_t pos) {
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  return pos;
}

std::optional<int64_t> binary_multiplier(char unit) {
  switch (std::tolower(static_cast<unsigned char>(unit))) {
    case 'k': return int64_t{1} << 10;
    case 'm': return int64_t{1} << 20;
    case 'g': return int64_t{1} << 30;
    case 't': return int64_t{1} << 40;
    case 'p': return int64_t{1} << 50;
    default: return std::nullopt;
  }
}

bool equals_ignoring_case(char c, char lower) { return std::tolower(static_cast<unsigned char>(c)) == lower; }

}  // namespace

std::optional<int64_t> ram_in_bytes(std::string_view text) {
  // The number: digits with at most one fraction (go-units' regex allows "1.2.3" only to fail
  // in ParseFloat afterwards, so rejecting it here gives the same answer).
  size_t pos = skip_digits(text, 0);
  if (pos == 0) return std::nullopt;
  if (pos < text.size() && text[pos] == '.') {
    size_t after_fraction = skip_digits(text, pos + 1);
    if (after_fraction == pos + 1) return std::nullopt;
    pos = after_fraction;
  }
  std::string number(text.substr(0, pos));

  if (pos < text.size() && text[pos] == ' ') ++pos;
  int64_t multiplier = 1;
  if (pos < text.size()) {
    if (auto unit = binary_multiplier(text[pos])) {
      multiplier = *unit;
      ++pos;
    }
  }
  if (pos < text.size() && equals_ignoring_case(text[pos], 'i')) ++pos;
  if (pos < text.size() && equals_ignoring_case(text[pos], 'b')) ++pos;
  if (pos != text.size()) return std::nullopt;

  // strtod cannot fail on what was checked above; it is locale-independent for plain digits and
  // '.' only in the "C" locale, which a CLI never changes.
  double value = std::strtod(number.c_str(), nullptr) * static_cast<double>(multiplier);
  // 2^63 is exactly representable; anything at or above it would overflow the conversion.
  if (!std::isfinite(value) || value >= 9223372036854775808.0) return std::nullopt;
  return static_cast<int64_t>(value);
}

std::string invalid_size_message(std::string_view text) { return "invalid size: '" + std::string(text) + "'"; }

}  // namespace gocker::api
