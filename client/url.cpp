#include "url.hpp"

namespace gocker::client {

std::string escape_component(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    }
  }
  return out;
}

std::string api_target(std::string_view path, const std::vector<std::pair<std::string, std::string>>& query) {
  std::string target = std::string(kApiPrefix) + std::string(path);
  char separator = '?';
  for (const auto& [key, value] : query) {
    if (value.empty()) continue;
    target += separator;
    target += escape_component(key) + "=" + escape_component(value);
    separator = '&';
  }
  return target;
}

std::string container_path(std::string_view reference, std::string_view suffix) {
  return "/containers/" + escape_component(reference) + std::string(suffix);
}

}  // namespace gocker::client
