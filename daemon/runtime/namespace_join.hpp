#pragma once
// Joining existing namespaces (config.json linux.namespaces[].path) instead of creating them.
//
// A PID namespace can only be entered by a new process: setns(CLONE_NEWPID) changes where the
// caller's *children* go. So the monitor joins it just before it clones the init
// (join_pid_namespace_for_children), and the init, first thing after the clone, joins the others
// (join_namespaces): every path is opened before any setns, because joining a mount namespace
// changes what the remaining paths resolve to.
#include "base/result.hpp"
#include "runtime/oci_config.hpp"

namespace gocker::runtime {

Status join_pid_namespace_for_children(const OciSpec& spec);
Status join_namespaces(const OciSpec& spec);

}  // namespace gocker::runtime
