#pragma once
// Carries out config.json's five capability sets with libcap, in the two halves the switch to the
// container's user splits them into (runc orders it the same way):
//   while still root:   drop_bounding_set(), then keep_capabilities_across_setuid(true)
//   switch_user()       (setgroups, setgid, setuid)
//   as the user:        apply_capability_sets()  (keepcaps off, effective/permitted/inheritable,
//                                                  ambient cleared then raised as asked)
#include "base/result.hpp"
#include "runtime/security/security_config.hpp"

namespace gocker::runtime {

// Drops from the bounding set every capability the kernel knows that `sets.bounding` lacks.
Status drop_bounding_set(const CapabilitySets& sets);

// PR_SET_KEEPCAPS: without it setuid() away from 0 empties the permitted set.
Status keep_capabilities_across_setuid(bool keep);

// Capabilities the running kernel does not know are left out (config.json written for a newer
// kernel still starts), as are ambient ones not both permitted and inheritable (runc's `spec`
// writes such configs). Asking for one outside this process's own bounding set fails with its name.
Status apply_capability_sets(const CapabilitySets& sets);

// The capabilities in this process's bounding set: what "all capabilities" can mean here.
std::vector<int> bounding_capabilities();

}  // namespace gocker::runtime
