#pragma once
// Signal names and numbers as runc's kill takes them: "KILL", "SIGKILL", "kill" or "9".
#include <string>

#include "base/result.hpp"

namespace gocker::runc {

// InvalidArgument `unknown signal "X"` (runc's wording) for anything else.
Result<int> parse_signal(const std::string& text);

}  // namespace gocker::runc
