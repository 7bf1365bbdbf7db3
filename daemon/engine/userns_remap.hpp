#pragma once
// gockerd --userns-remap: containers run in a user namespace whose root is an unprivileged host id
// taken from the subordinate ranges /etc/subuid and /etc/subgid give a user (Docker's semantics:
// "default" is gocker's own user, "gocker", created at install with its ranges).
//
// The ranges a user owns are laid end to end from container id 0, as dockerd does, so a user with
// two ranges gets one contiguous id space inside.
#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "runtime/user_namespace.hpp"

namespace gocker::engine {

inline constexpr const char* kDefaultRemapUser = "gocker";

struct IdRemap {
  std::vector<runtime::IdMapping> uids;
  std::vector<runtime::IdMapping> gids;

  bool empty() const { return uids.empty(); }
  uid_t root_uid() const { return uids.empty() ? 0 : uids.front().host_id; }
  gid_t root_gid() const { return gids.empty() ? 0 : gids.front().host_id; }
  // The host id a container id stands for, or the overflow id (65534) when unmapped, as the
  // kernel shows such ids.
  uid_t host_uid(uid_t container_uid) const;
  gid_t host_gid(gid_t container_gid) const;
  // The container id a host id stands for (commit/export shift ids back); host ids outside the
  // ranges come out unchanged.
  uid_t container_uid(uid_t host_uid) const;
  gid_t container_gid(gid_t host_gid) const;
  // A stable text form, e.g. for keying one user namespace per distinct remap.
  std::string key() const;
  bool operator==(const IdRemap&) const;
};

void to_json(nlohmann::json& j, const IdRemap& remap);
Status remap_from_json(const nlohmann::json& j, IdRemap& remap);

// The container-id layout of every "NAME_OR_ID:START:COUNT" line of a subuid/subgid file that
// names `name` or `numeric_id` (either may be listed, as shadow-utils allows). `file` names the
// file in messages. Pure, for unit tests.
Result<std::vector<runtime::IdMapping>> subordinate_ranges(const std::string& text, const std::string& name,
                                                           unsigned numeric_id, const std::string& file);

// --userns-remap's value: "default", "USER" or "USER:GROUP" (names or numeric ids), resolved
// against the system's user and group databases and /etc/subuid, /etc/subgid. The maps are
// checked with the runtime's own rules, and must give the container a root.
Result<IdRemap> resolve_userns_remap(const std::string& spec, const std::string& subuid_path = "/etc/subuid",
                                     const std::string& subgid_path = "/etc/subgid");

}  // namespace gocker::engine
