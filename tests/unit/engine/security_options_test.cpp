#include "engine/security_options.hpp"

#include <doctest/doctest.h>

#include "engine/oci_config.hpp"
#include "engine/seccomp_profile.hpp"
#include "runtime/security/security_config.hpp"

using namespace gocker;
using namespace gocker::engine;
using nlohmann::json;

namespace {

// A daemon like this VM's: everything but CAP_SYS_RESOURCE, 20000 open files at most.
DaemonPrivileges limited_daemon() {
  DaemonPrivileges daemon;
  for (int capability = 0; capability <= 40; ++capability) {
    if (capability == 24) continue;  // CAP_SYS_RESOURCE
    daemon.capabilities.push_back(gocker::runtime::capability_name(capability));
  }
  daemon.hard_limits["nofile"] = 20000;
  daemon.default_nofile_soft = 1024;
  daemon.default_nofile_hard = 20000;
  return daemon;
}

SeccompHost x86_host() { return {"SCMP_ARCH_X86_64", "amd64", 6, 1}; }

Result<ContainerSecurity> resolve(const api::HostConfig& host) {
  return resolve_container_security(host, limited_daemon(), x86_host());
}

bool rule_names(const json& seccomp, const std::string& name) {
  for (const auto& rule : seccomp["syscalls"])
    for (const auto& listed : rule["names"])
      if (listed == name && rule["action"] == "SCMP_ACT_ALLOW") return true;
  return false;
}

std::vector<std::string> all_of(const DaemonPrivileges& daemon) { return daemon.capabilities; }

}  // namespace

TEST_CASE("capabilities: Docker's rules for --cap-add and --cap-drop") {
  const auto all = all_of(limited_daemon());
  auto caps = container_capabilities(kDefaultCapabilities, {"net_admin"}, {"MKNOD", "cap_chown"}, all);
  REQUIRE(caps);
  CHECK(std::count(caps->begin(), caps->end(), "CAP_NET_ADMIN") == 1);
  CHECK(std::count(caps->begin(), caps->end(), "CAP_MKNOD") == 0);
  CHECK(std::count(caps->begin(), caps->end(), "CAP_CHOWN") == 0);
  CHECK(caps->size() == kDefaultCapabilities.size() - 1);

  caps = container_capabilities(kDefaultCapabilities, {"KILL"}, {"ALL"}, all);
  REQUIRE(caps);
  CHECK(*caps == std::vector<std::string>{"CAP_KILL"});

  caps = container_capabilities(kDefaultCapabilities, {"ALL"}, {"NET_RAW"}, all);
  REQUIRE(caps);
  CHECK(caps->size() == all.size() - 1);

  auto unknown = container_capabilities(kDefaultCapabilities, {"FLY"}, {}, all);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "unknown capability: \"CAP_FLY\"");
  auto not_held = container_capabilities(kDefaultCapabilities, {"SYS_RESOURCE"}, {}, all);
  REQUIRE_FALSE(not_held);
  CHECK(not_held.error().message.find("gockerd itself does not hold it") != std::string::npos);
}

TEST_CASE("the default: Docker's capabilities, the default seccomp profile, default sysctls, device rules") {
  auto security = resolve({});
  REQUIRE(security);
  CHECK(security->capabilities == kDefaultCapabilities);
  CHECK_FALSE(security->no_new_privileges);
  REQUIRE(security->seccomp);
  CHECK((*security->seccomp)["defaultAction"] == "SCMP_ACT_ERRNO");
  CHECK((*security->seccomp)["architectures"] == json::array({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  CHECK(rule_names(*security->seccomp, "read"));
  CHECK_FALSE(rule_names(*security->seccomp, "mount"));    // needs CAP_SYS_ADMIN
  CHECK_FALSE(rule_names(*security->seccomp, "ptrace"));   // needs CAP_SYS_PTRACE
  CHECK_FALSE(rule_names(*security->seccomp, "keyctl"));   // never
  CHECK(rule_names(*security->seccomp, "chroot"));         // CAP_SYS_CHROOT is a default
  CHECK(security->sysctls.at("net.ipv4.ip_unprivileged_port_start") == "0");
  REQUIRE(security->device_rules.size() > 3);
  CHECK(security->device_rules[0] == json{{"allow", false}, {"type", "a"}, {"access", "rwm"}});
}

TEST_CASE("--privileged: every capability the daemon holds, unconfined, all devices") {
  api::HostConfig host;
  host.privileged = true;
  auto security = resolve(host);
  REQUIRE(security);
  CHECK(security->capabilities == limited_daemon().capabilities);
  CHECK_FALSE(security->seccomp);
  CHECK(security->device_rules == json::array({json{{"allow", true}, {"type", "a"}, {"access", "rwm"}}}));
}

TEST_CASE("--cap-add SYS_ADMIN brings the syscalls gated on it into the profile") {
  api::HostConfig host;
  host.cap_add = {"SYS_ADMIN"};
  auto security = resolve(host);
  REQUIRE(security);
  CHECK(rule_names(*security->seccomp, "mount"));
  CHECK(rule_names(*security->seccomp, "unshare"));
}

TEST_CASE("--security-opt values") {
  api::HostConfig host;
  host.security_opt = {"seccomp=unconfined", "no-new-privileges"};
  auto security = resolve(host);
  REQUIRE(security);
  CHECK_FALSE(security->seccomp);
  CHECK(security->no_new_privileges);

  host.security_opt = {R"(seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]})"};
  security = resolve(host);
  REQUIRE(security);
  CHECK((*security->seccomp)["defaultAction"] == "SCMP_ACT_ALLOW");
  CHECK((*security->seccomp)["syscalls"].size() == 1);

  for (const std::string bad : {"seccomp=not json", "make-it-safe", "no-new-privileges=maybe", "apparmor=docker-default",
                                R"(seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"BOOM"}]})"}) {
    host.security_opt = {bad};
    CHECK_MESSAGE(!resolve(host), bad);
  }
  host.security_opt = {"apparmor=unconfined", "label=disable"};
  CHECK(resolve(host));
}

TEST_CASE("--ulimit, --oom-score-adj and --sysctl are checked against what the daemon can grant") {
  api::HostConfig host;
  host.ulimits = {{"nofile", 100, 200}};
  auto security = resolve(host);
  REQUIRE(security);
  CHECK(security->rlimits == json::array({json{{"type", "RLIMIT_NOFILE"}, {"soft", 100}, {"hard", 200}}}));

  // Without --ulimit nofile the container's limit is explicit, not gockerd's (raised) own.
  host.ulimits = {{"nproc", 50, 60}};
  security = resolve(host);
  REQUIRE(security);
  CHECK(security->rlimits == json::array({json{{"type", "RLIMIT_NPROC"}, {"soft", 50}, {"hard", 60}},
                                          json{{"type", "RLIMIT_NOFILE"}, {"soft", 1024}, {"hard", 20000}}}));
  host.ulimits.clear();
  security = resolve(host);
  REQUIRE(security);
  CHECK(security->rlimits == json::array({json{{"type", "RLIMIT_NOFILE"}, {"soft", 1024}, {"hard", 20000}}}));

  host.ulimits = {{"nofile", 100, 30000}};
  auto above = resolve(host);
  REQUIRE_FALSE(above);
  CHECK(above.error().message.find("above gockerd's own (20000)") != std::string::npos);
  host.ulimits = {{"nofile", 300, 200}};
  CHECK_FALSE(resolve(host));
  host.ulimits = {{"files", 1, 1}};
  CHECK_FALSE(resolve(host));
  host.ulimits.clear();

  host.oom_score_adj = 500;
  CHECK(resolve(host)->oom_score_adj == 500);
  host.oom_score_adj = -5;
  CHECK_FALSE(resolve(host));
  host.oom_score_adj = 1001;
  CHECK_FALSE(resolve(host));
  host.oom_score_adj = 0;

  host.sysctls = {{"net.core.somaxconn", "1024"}, {"kernel.shmmax", "1"}, {"fs.mqueue.msg_max", "5"}};
  CHECK(resolve(host));
  host.sysctls = {{"kernel.hostname", "x"}};
  CHECK_FALSE(resolve(host));
  host.sysctls = {{"net.core.somaxconn", "1024"}};
  host.network_mode = "host";
  CHECK_FALSE(resolve(host));
  host.sysctls.clear();
  CHECK(resolve(host)->sysctls.empty());
}

TEST_CASE("Docker-format profiles: includes and excludes by capability, architecture and kernel") {
  const std::string profile = R"({"defaultAction":"SCMP_ACT_ERRNO","archMap":[
      {"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]},
      {"architecture":"SCMP_ARCH_AARCH64","subArchitectures":["SCMP_ARCH_ARM"]}],
    "syscalls":[
      {"names":["a"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]}},
      {"names":["b"],"action":"SCMP_ACT_ALLOW","excludes":{"caps":["CAP_SYS_ADMIN"]}},
      {"names":["c"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["arm64"]}},
      {"names":["d"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"6.2"}},
      {"name":"e","action":"SCMP_ACT_ERRNO","errnoRet":38,"excludes":{"arches":["s390x"]}}]})";
  auto oci = oci_seccomp_profile(profile, {"CAP_CHOWN"}, x86_host());
  REQUIRE(oci);
  CHECK((*oci)["architectures"] == json::array({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}));
  std::vector<std::string> names;
  for (const auto& rule : (*oci)["syscalls"]) names.push_back(rule["names"][0]);
  CHECK(names == std::vector<std::string>{"b", "e"});
  CHECK((*oci)["syscalls"][1]["errnoRet"] == 38);
  oci = oci_seccomp_profile(profile, {"CAP_SYS_ADMIN"}, {"SCMP_ARCH_AARCH64", "arm64", 6, 5});
  REQUIRE(oci);
  names.clear();
  for (const auto& rule : (*oci)["syscalls"]) names.push_back(rule["names"][0]);
  CHECK(names == std::vector<std::string>{"a", "c", "d", "e"});
  CHECK_FALSE(oci_seccomp_profile("[]", {}, x86_host()));
  CHECK_FALSE(oci_seccomp_profile(R"({"syscalls":[]})", {}, x86_host()));
}

TEST_CASE("config.json carries the resolved security settings; --privileged drops masks and /sys read-only") {
  RuntimeConfigInputs inputs;
  inputs.config.cmd = {"true"};
  inputs.rootfs_path = "/r";
  inputs.bundle_dir = "/b";
  inputs.security = resolve({}).value();
  json config = build_oci_config(inputs);
  CHECK(config["process"]["capabilities"]["bounding"] == json(kDefaultCapabilities));
  CHECK(config["process"]["capabilities"]["ambient"] == json::array());
  CHECK(config["linux"]["seccomp"]["defaultAction"] == "SCMP_ACT_ERRNO");
  CHECK(config["linux"]["maskedPaths"].size() > 5);
  CHECK(config["linux"]["resources"]["devices"][0]["allow"] == false);

  api::HostConfig privileged;
  privileged.privileged = true;
  inputs.security = resolve(privileged).value();
  config = build_oci_config(inputs);
  CHECK_FALSE(config["linux"].contains("seccomp"));
  CHECK_FALSE(config["linux"].contains("maskedPaths"));
  for (const auto& mount : config["mounts"]) {
    if (mount["destination"] == "/sys") CHECK(std::find(mount["options"].begin(), mount["options"].end(), "ro") == mount["options"].end());
  }
}
