#include "engine/reference.hpp"

#include <algorithm>

#include "base/strings.hpp"

namespace gocker::engine {
namespace {

constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool is_word(char c) { return is_alnum(c) || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
bool is_hex(char c) { return is_lower_hex(c) || (c >= 'A' && c <= 'F'); }
bool has_upper(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

Error invalid_format(std::string_view text, const std::string& reason) {
  return Error::invalid("invalid reference format: " + reason + " in " + gocker::quoted(text));
}

// path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
bool is_valid_path_component(std::string_view component) {
  if (component.empty() || !is_lower_alnum(component.front()) || !is_lower_alnum(component.back())) return false;
  size_t i = 0;
  while (i < component.size()) {
    if (is_lower_alnum(component[i])) {
      ++i;
      continue;
    }
    // A separator run, necessarily followed by an alphanumeric (the last character is one).
    size_t run = i;
    while (run < component.size() && !is_lower_alnum(component[run])) ++run;
    std::string_view separator = component.substr(i, run - i);
    const bool valid = separator == "." || separator == "_" || separator == "__" ||
                       std::all_of(separator.begin(), separator.end(), [](char c) { return c == '-'; });
    if (!valid) return false;
    i = run;
  }
  return true;
}

// domain-component := [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]
bool is_valid_domain_component(std::string_view component) {
  if (component.empty() || !is_alnum(component.front()) || !is_alnum(component.back())) return false;
  return std::all_of(component.begin(), component.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

// domain := host [":" port]; host := domain-component ("." domain-component)* | "[" ipv6 "]"
bool is_valid_domain(std::string_view domain) {
  std::string_view host = domain;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    std::string_view address = host.substr(1, close - 1);
    if (!std::all_of(address.begin(), address.end(), [](char c) { return is_hex(c) || c == ':' || c == '.'; })) return false;
    host = host.substr(close + 1);
    if (host.empty()) return true;
    if (host.front() != ':') return false;
    std::string_view port = host.substr(1);
    return !port.empty() && std::all_of(port.begin(), port.end(), is_digit);
  }
  size_t colon = host.find(':');
  if (colon != std::string_view::npos) {
    std::string_view port = host.substr(colon + 1);
    if (port.empty() || !std::all_of(port.begin(), port.end(), is_digit)) return false;
    host = host.substr(0, colon);
  }
  for (const std::string& component : split(host, '.')) {
    if (!is_valid_domain_component(component)) return false;
  }
  return true;
}

// tag := [\w][\w.-]{0,127}
bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagLength || !is_word(tag.front())) return false;
  return std::all_of(tag.begin(), tag.end(), [](char c) { return is_word(c) || c == '.' || c == '-'; });
}

// The algorithms go-digest registers, with their hex lengths; the encoding must be lowercase hex.
bool is_valid_digest(std::string_view digest) {
  size_t colon = digest.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view algorithm = digest.substr(0, colon);
  std::string_view encoded = digest.substr(colon + 1);
  size_t expected = 0;
  if (algorithm == "sha256") {
    expected = 64;
  } else if (algorithm == "sha384") {
    expected = 96;
  } else if (algorithm == "sha512") {
    expected = 128;
  } else {
    return false;
  }
  return encoded.size() == expected && std::all_of(encoded.begin(), encoded.end(), is_lower_hex);
}

bool is_64_hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), is_lower_hex);
}

}  // namespace

std::string Reference::name() const { return domain + "/" + path; }

std::string Reference::string() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::familiar_name() const {
  if (domain != kDefaultDomain) return name();
  constexpr std::string_view kOfficial = "library/";
  std::string_view remainder = path;
  if (starts_with(remainder, kOfficial) && remainder.find('/', kOfficial.size()) == std::string_view::npos) {
    remainder.remove_prefix(kOfficial.size());
  }
  return std::string(remainder);
}

std::string Reference::familiar_string() const {
  std::string out = familiar_name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

Result<Reference> parse_reference(std::string_view text) {
  if (text.empty()) return Error::invalid("invalid reference format: repository name must have at least one component");
  if (is_64_hex(text)) {
    return Error::invalid("invalid repository name (" + std::string(text) +
                          "), cannot specify 64-byte hexadecimal strings");
  }

  Reference reference;
  std::string_view rest = text;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    reference.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!is_valid_digest(reference.digest)) return invalid_format(text, "malformed digest");
  }
  // A ":" after the last "/" starts the tag; one before it belongs to the registry's port.
  size_t colon = rest.rfind(':');
  size_t slash = rest.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    reference.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!is_valid_tag(reference.tag)) return invalid_format(text, "malformed tag");
  }
  if (rest.empty()) return invalid_format(text, "empty repository name");

  // Docker's splitDockerDomain.
  size_t first_slash = rest.find('/');
  std::string_view first = rest.substr(0, first_slash);
  const bool first_is_domain = first_slash != std::string_view::npos &&
                               (first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
                                has_upper(first));
  std::string_view path = rest;
  if (first_is_domain) {
    reference.domain = std::string(first);
    path = rest.substr(first_slash + 1);
    if (!is_valid_domain(reference.domain)) return invalid_format(text, "malformed registry host");
  } else {
    reference.domain = std::string(kDefaultDomain);
  }
  if (reference.domain == "index.docker.io") reference.domain = std::string(kDefaultDomain);
  reference.path = std::string(path);
  if (reference.domain == kDefaultDomain && reference.path.find('/') == std::string::npos) {
    reference.path = "library/" + reference.path;
  }

  if (has_upper(reference.path)) {
    return Error::invalid("invalid reference format: repository name (" + reference.path + ") must be lowercase");
  }
  for (const std::string& component : split(reference.path, '/')) {
    if (!is_valid_path_component(component)) return invalid_format(text, "malformed repository name");
  }
  if (reference.name().size() > kMaxNameLength) {
    return invalid_format(text, "repository name longer than " + std::to_string(kMaxNameLength) + " characters");
  }
  return reference;
}

Reference with_default_tag(Reference reference) {
  if (reference.tag.empty() && reference.digest.empty()) reference.tag = std::string(kDefaultTag);
  return reference;
}

Result<std::string> normalize_reference(std::string_view text) {
  auto reference = parse_reference(text);
  if (!reference) return std::move(reference).error();
  return with_default_tag(std::move(reference.value())).string();
}

std::string familiar_reference(std::string_view normalized) {
  auto reference = parse_reference(normalized);
  if (!reference) return std::string(normalized);
  return reference->familiar_string();
}

}  // namespace gocker::engine
