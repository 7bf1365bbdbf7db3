#pragma once
// Seccomp profiles in Docker's format (what `docker run --security-opt seccomp=FILE` sends, and
// what gocker's own default is written in) turned into config.json's linux.seccomp for one
// container: rules are kept or left out by the container's capabilities, the host's
// architecture and its kernel version, as dockerd does.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace gocker::engine {

// profiles/seccomp-default.json, compiled in.
extern const char* const kDefaultSeccompProfile;

struct SeccompHost {
  std::string architecture;  // libseccomp's name of the native one: "SCMP_ARCH_X86_64"
  std::string go_arch;       // the name Docker profiles use in includes/excludes.arches: "amd64"
  int kernel_major = 0;
  int kernel_minor = 0;
  static SeccompHost of_this_machine();
};

// InvalidArgument naming what is wrong for a profile that is not JSON, not an object or has no
// defaultAction. The result is the OCI object; rules for syscalls are not otherwise checked here
// (the runtime's parser does that when the container starts, and create already parsed it).
Result<nlohmann::json> oci_seccomp_profile(std::string_view docker_profile, const std::vector<std::string>& capabilities,
                                           const SeccompHost& host);

}  // namespace gocker::engine
