#pragma once
#include <string_view>

#include "base/result.hpp"

namespace gocker::engine {

// "KILL", "SIGKILL", "kill" or "9" -> 9. InvalidArgument for anything else.
Result<int> parse_signal(std::string_view text);

}  // namespace gocker::engine
