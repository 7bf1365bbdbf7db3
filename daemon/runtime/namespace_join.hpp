#pragma once
// Joining existing namespaces (config.json linux.namespaces[].path) instead of creating them.
//
// A PID namespace can only be entered by a new process: setns(CLONE_NEWPID) changes where the
// caller's *children* go. So the monitor joins it just before it clones the init
// (join_pid_namespace_for_children), and the init, first thing after the clone, joins the others
// (join_namespaces): every path is opened before any setns, because joining a mount namespace
// changes what the remaining paths resolve to.
//
// A user namespace given by path is joined first of all, and the namespaces the container creates
// must belong to it (so its root has capabilities over its own mount, network... namespaces, and
// /proc can be mounted for its PID namespace). Namespaces are owned by the user namespace their
// creator is in, so the creating clone has to happen inside the joined namespace, which the
// monitor itself cannot enter (setns into a user namespace is one-way, and the monitor keeps the
// host's privileges for the cgroup and the exit). clone_in_user_namespace does it in two steps:
//
//   monitor ──clone3()──▶ joiner: setns(user), clone3(CLONE_NEW* | CLONE_PARENT) ──▶ init
//           ◀── pidfd of the init (SCM_RIGHTS), then the joiner exits and is reaped
//
// CLONE_PARENT makes the init the monitor's child, exactly as with a direct clone. No id maps are
// written: the joined namespace has its own (Monitor::adopt_joined_id_maps checks the config's).
#include <sys/types.h>

#include <cstdint>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "runtime/oci_config.hpp"

namespace gocker::runtime {

Status join_pid_namespace_for_children(const OciSpec& spec);
// Joins the namespaces given by path except PID (the monitor's, above) and user (the joiner's).
Status join_namespaces(const OciSpec& spec);

// Like clone3 with `clone_flags` (CLONE_NEW* of the namespaces to create, without CLONE_NEWUSER),
// but the new process starts in the user namespace at `user_namespace_path`: returns 0 in it, and
// its pid in the caller, with its pidfd in `pidfd`.
Result<pid_t> clone_in_user_namespace(const std::string& user_namespace_path, uint64_t clone_flags, UniqueFd& pidfd);

}  // namespace gocker::runtime
