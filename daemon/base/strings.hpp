#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace gocker {

// "path" -> "\"path\"", for error messages that name an object. The std::string and const char*
// overloads exist so that these non-templates win over std::quoted, which argument-dependent lookup
// also finds for std::string arguments.
std::string quoted(std::string_view text);
inline std::string quoted(const std::string& text) { return quoted(std::string_view(text)); }
inline std::string quoted(std::string& text) { return quoted(std::string_view(text)); }
inline std::string quoted(const char* text) { return quoted(std::string_view(text)); }
std::vector<std::string> split(std::string_view text, char separator);
bool starts_with(std::string_view text, std::string_view prefix);
bool ends_with(std::string_view text, std::string_view suffix);
std::string trim(std::string_view text);

}  // namespace gocker
