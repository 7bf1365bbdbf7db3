#pragma once
// Which gockerctl command a command line names, found before CLI11 sees it: building every
// command's flags costs about 3 ms per invocation (measured), most of a short command's client
// time, so main registers only the commands that word needs.
#include <string_view>

namespace gocker::client {

// The first word after gockerctl's global flags (-H/--host with its value, and flags without
// one); empty when there is none (`gockerctl`, `gockerctl --help`).
std::string_view command_word(int argc, const char* const* argv);

// Whether `word` is one of the space-separated words in `words`.
bool names_word(std::string_view words, std::string_view word);

}  // namespace gocker::client
