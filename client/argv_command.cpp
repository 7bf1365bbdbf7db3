#include "argv_command.hpp"

namespace gocker::client {

std::string_view command_word(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view argument = argv[i];
    if (argument == "--") return i + 1 < argc ? std::string_view(argv[i + 1]) : std::string_view();
    if (argument == "-H" || argument == "--host") {
      ++i;  // its value, which may look like anything
      continue;
    }
    if (argument.empty() || argument.front() != '-') return argument;
  }
  return {};
}

bool names_word(std::string_view words, std::string_view word) {
  if (word.empty()) return false;
  while (!words.empty()) {
    auto end = words.find(' ');
    if (words.substr(0, end) == word) return true;
    if (end == std::string_view::npos) break;
    words.remove_prefix(end + 1);
  }
  return false;
}

}  // namespace gocker::client
