// Fuzz target: the body of POST /containers/create, as far as the engine takes it without a
// kernel. The JSON is decoded into api::ContainerCreateRequest as the server does, then walked
// through what create and start do with it: host config limits, restart policy, security options
// (capabilities, ulimits, sysctls, devices, a seccomp profile sent inline), mount specs, the
// image merge, the user lookup, the OCI config.json the runtime gets, and the runtime's own
// reading of that config into cgroup writes for v1 and v2.
//
// Checked: no crash or sanitizer report, and the stored form is stable: the daemon keeps a
// container's Config and HostConfig as JSON and reads them back at every start, so encoding a
// decoded request and decoding it again must give the same JSON.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "api/container_types.hpp"
#include "engine/mount_spec.hpp"
#include "engine/oci_config.hpp"
#include "engine/restart_policy.hpp"
#include "engine/seccomp_profile.hpp"
#include "engine/security_options.hpp"
#include "engine/user_lookup.hpp"
#include "runtime/cgroups/cgroup_plan.hpp"
#include "runtime/oci_config.hpp"
#include "runtime/security/security_config.hpp"

namespace {

using namespace gocker;
using nlohmann::json;

// A daemon like the CI machine's: every capability but CAP_SYS_RESOURCE, 20000 open files.
const engine::DaemonPrivileges& daemon_privileges() {
  static const engine::DaemonPrivileges privileges = [] {
    engine::DaemonPrivileges daemon;
    for (int capability = 0; capability <= 40; ++capability)
      if (capability != 24) daemon.capabilities.push_back(runtime::capability_name(capability));
    daemon.hard_limits["nofile"] = 20000;
    daemon.default_nofile_hard = 20000;
    return daemon;
  }();
  return privileges;
}

constexpr const char* kPasswd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n";
constexpr const char* kGroup = "root:x:0:\nnogroup:x:65534:\nwheel:x:10:root\n";

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s\n%s\n", what, detail.c_str());
  std::abort();
}

template <typename T>
void check_stable(const T& decoded, const char* what) {
  json once = decoded;
  json twice = once.get<T>();
  if (once != twice) fail(what, once.dump() + "\n  !=\n" + twice.dump());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  json body = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  api::ContainerCreateRequest request;
  try {
    request = body.get<api::ContainerCreateRequest>();
  } catch (const json::exception&) {
    return 0;  // the server answers these with a 400
  }
  check_stable(request.config, "Config does not survive a store/load round trip");
  check_stable(request.host_config, "HostConfig does not survive a store/load round trip");

  const api::HostConfig& host = request.host_config;
  if (!engine::validate_host_config(host, 4)) return 0;
  if (!engine::validate_restart_policy(host.restart_policy, host.auto_remove)) return 0;
  auto security = engine::resolve_container_security(host, daemon_privileges(), {"SCMP_ARCH_X86_64", "amd64", 6, 1});
  if (!security) return 0;

  const json image_config = {{"Env", {"PATH=/bin"}}, {"Cmd", {"sh"}}, {"Volumes", {{"/data", json::object()}}}};
  api::ContainerConfig config = engine::merge_image_config(request.config, image_config);
  (void)engine::process_args(config);
  if (!engine::parse_mount_requests(host, config.volumes)) return 0;
  auto user = engine::resolve_user(config.user, kPasswd, kGroup);
  if (!user) return 0;

  engine::RuntimeConfigInputs inputs;
  inputs.container_id = "0123456789ab";
  inputs.hostname = config.hostname.empty() ? "0123456789ab" : config.hostname;
  inputs.config = config;
  inputs.host_config = host;
  inputs.user = std::move(user).value();
  inputs.rootfs_path = "/var/lib/gocker/containers/0123456789ab/rootfs";
  inputs.bundle_dir = "/var/lib/gocker/containers/0123456789ab";
  inputs.cgroups_path = "gocker/0123456789ab";
  inputs.security = std::move(security).value();
  const std::string config_json = engine::build_oci_config(inputs).dump();

  // What the monitor does with it at start. The engine made it, so the runtime must take it.
  auto spec = runtime::parse_oci_config(config_json, inputs.bundle_dir);
  if (!spec) fail("the runtime refuses the config.json the engine built", spec.error().message + "\n" + config_json);
  (void)runtime::plan_cgroup_v1_writes(spec->resources, std::nullopt);
  (void)runtime::plan_cgroup_v2_writes(spec->resources);
  return 0;
}
