#pragma once
// One libnftables session, with the library loaded for its lifetime only.
//
// gockerd rewrites its nftables table when a bridge or a published port changes: at start and
// now and then after. libnftables and what it needs (libnftnl, libmnl, libxtables, libjansson,
// libgmp) are 1.3 MB of an idle daemon's resident memory when linked in; loaded with dlopen for
// the call and closed after, they cost nothing between changes (and about a millisecond per
// change, next to the kernel's own work on the table).
#include <string>

#include "base/result.hpp"

namespace gocker::network {

// Runs `commands` (nft syntax) as one libnftables transaction. `what` names the change in errors.
Status run_nftables(const std::string& commands, const std::string& what);

}  // namespace gocker::network
