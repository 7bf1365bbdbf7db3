#pragma once
// Identifiers in Docker's form: 64 lowercase hex characters (256 bits from getrandom), used for
// containers, execs, anonymous volumes and networks.
#include <string>

#include "base/result.hpp"

namespace gocker {

// `what` names the identifier in the error ("generate container id: ...").
Result<std::string> random_hex_id(const std::string& what);

}  // namespace gocker
