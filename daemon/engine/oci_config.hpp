#pragma once
// Turns a Docker create request (already merged with its image) into an OCI runtime-spec 1.1
// config.json: the only thing the runtime ever sees of a container. Pure: unit-tested without a
// kernel.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/container_types.hpp"
#include "base/result.hpp"
#include "engine/security_options.hpp"
#include "engine/user_lookup.hpp"
#include "engine/userns_remap.hpp"

namespace gocker::engine {

// Docker's rules for the command: an explicit Entrypoint replaces the image's (and its Cmd);
// otherwise the image's Entrypoint is kept and the request's Cmd, if any, replaces the image's.
// The result is stored in the container's Config, so later starts need no image.
api::ContainerConfig merge_image_config(const api::ContainerConfig& request, const nlohmann::json& image_config);
std::vector<std::string> process_args(const api::ContainerConfig& config);

// Rejects limits Docker rejects, with Docker's wording where users know it.
Status validate_host_config(const api::HostConfig& host_config, int online_cpus);

struct RuntimeConfigInputs {
  std::string container_id;
  std::string hostname;
  api::ContainerConfig config;
  api::HostConfig host_config;
  ResolvedUser user;
  std::string rootfs_path;   // absolute path of the mounted overlay
  std::string bundle_dir;    // holds the hostname, hosts and resolv.conf files bound into the container
  std::string cgroups_path;  // relative to each hierarchy root, e.g. "gocker/<id>"
  // OCI mounts of the container's binds, volumes and tmpfs (engine/container_mounts.hpp), mounted
  // after the defaults; a default with the same destination is left out.
  std::vector<nlohmann::json> user_mounts;
  ContainerSecurity security;  // resolve_container_security(host_config, ...)
  std::optional<IdRemap> remap;  // a user namespace with these maps (--userns-remap)
};

nlohmann::json build_oci_config(const RuntimeConfigInputs& inputs);
// The same as config.json text, with linux.seccomp given as text (SeccompPrograms keeps one per
// profile, its program attached): the profile is most of the config and the same for most
// containers, so it is neither copied nor serialized again for each one. Empty: no seccomp member.
std::string oci_config_text(const RuntimeConfigInputs& inputs, std::string_view seccomp_text);

// The container's environment: the config's Env plus HOSTNAME, HOME and (for a tty) TERM, and a
// default PATH when none is set.
std::vector<std::string> container_env(const RuntimeConfigInputs& inputs);

inline constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace gocker::engine
