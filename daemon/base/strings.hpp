#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace gocker {

// "path" -> "\"path\"", for error messages that name an object.
std::string quoted(std::string_view text);
std::vector<std::string> split(std::string_view text, char separator);
bool starts_with(std::string_view text, std::string_view prefix);
bool ends_with(std::string_view text, std::string_view suffix);
std::string trim(std::string_view text);

}  // namespace gocker
