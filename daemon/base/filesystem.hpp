#pragma once
#include <sys/types.h>

#include <string>

#include "base/result.hpp"

namespace gocker {

// mkdir that accepts an existing directory: every daemon start and create re-runs it.
Status make_directory(const std::string& path, mode_t mode);

}  // namespace gocker
