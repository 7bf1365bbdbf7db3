#include "runtime/security/security_config.hpp"

#include <doctest/doctest.h>
#include <sys/resource.h>

#include "runtime/exec_spec.hpp"
#include "runtime/oci_config.hpp"

using namespace gocker;
using namespace gocker::runtime;
using nlohmann::json;

namespace {

json minimal_config() {
  return json{{"process", {{"args", {"sh"}}, {"cwd", "/"}, {"user", {{"uid", 0}, {"gid", 0}}}}}, {"root", {{"path", "/r"}}}};
}

Result<OciSpec> parse(const json& config) { return parse_oci_config(config.dump(), "/bundle"); }

}  // namespace

TEST_CASE("capabilities, rlimits, noNewPrivileges, oomScoreAdj and seccomp are read from config.json") {
  json config = minimal_config();
  config["process"]["capabilities"] = {{"bounding", {"CAP_CHOWN", "CAP_KILL"}},
                                       {"effective", {"CAP_KILL"}},
                                       {"permitted", {"CAP_KILL"}},
                                       {"ambient", json::array()}};
  config["process"]["noNewPrivileges"] = true;
  config["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 100}, {"hard", 200}}};
  config["process"]["oomScoreAdj"] = 300;
  config["linux"] = {{"seccomp",
                      {{"defaultAction", "SCMP_ACT_ERRNO"},
                       {"defaultErrnoRet", 38},
                       {"architectures", {"SCMP_ARCH_X86_64"}},
                       {"syscalls",
                        {{{"names", {"read", "write"}}, {"action", "SCMP_ACT_ALLOW"}},
                         {{"names", {"personality"}},
                          {"action", "SCMP_ACT_ALLOW"},
                          {"args", {{{"index", 0}, {"value", 8}, {"op", "SCMP_CMP_EQ"}}}}}}}}},
                     {"sysctl", {{"net.ipv4.ip_forward", "1"}}}};
  auto spec = parse(config);
  REQUIRE(spec);
  const ProcessSecurity& security = spec->process.security;
  REQUIRE(security.capabilities);
  CHECK(security.capabilities->bounding == std::vector<int>{0, 5});
  CHECK(security.capabilities->effective == std::vector<int>{5});
  CHECK(security.capabilities->inheritable.empty());
  CHECK(security.no_new_privileges);
  REQUIRE(security.rlimits.size() == 1);
  CHECK(security.rlimits[0].resource == RLIMIT_NOFILE);
  CHECK(security.rlimits[0].soft == 100);
  CHECK(security.rlimits[0].hard == 200);
  CHECK(security.oom_score_adj == 300);
  REQUIRE(security.seccomp);
  CHECK(security.seccomp->default_action == SeccompAction{SeccompActionKind::kErrno, 38});
  REQUIRE(security.seccomp->rules.size() == 2);
  CHECK(security.seccomp->rules[1].args.at(0).value == 8);
  CHECK(security.seccomp->rules[1].args.at(0).op == SeccompCompare::kEqual);
  CHECK(spec->sysctl.at("net.ipv4.ip_forward") == "1");
}

TEST_CASE("absent capabilities leave the process's own; an errno action defaults to EPERM") {
  json config = minimal_config();
  config["linux"] = {{"seccomp", {{"defaultAction", "SCMP_ACT_ALLOW"},
                                  {"syscalls", {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}}}}}}};
  auto spec = parse(config);
  REQUIRE(spec);
  CHECK_FALSE(spec->process.security.capabilities);
  CHECK(spec->process.security.seccomp->rules.at(0).action == SeccompAction{SeccompActionKind::kErrno, 1});
}

TEST_CASE("unknown names and bad values in the security sections are refused, naming the field") {
  auto refused = [](json config, const std::string& expected) {
    auto spec = parse(config);
    REQUIRE_FALSE(spec);
    INFO(spec.error().message);
    CHECK(spec.error().message.find(expected) != std::string::npos);
  };
  json config = minimal_config();
  config["process"]["capabilities"] = {{"bounding", {"CAP_FLY"}}};
  refused(config, "unknown capability \"CAP_FLY\"");
  config = minimal_config();
  config["process"]["capabilities"] = {{"bounding", {"chown"}}};
  refused(config, "process.capabilities.bounding");
  config = minimal_config();
  config["process"]["rlimits"] = {{{"type", "RLIMIT_BOGUS"}, {"soft", 1}, {"hard", 1}}};
  refused(config, "unknown rlimit");
  config["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 2}, {"hard", 1}}};
  refused(config, "soft limit is above its hard limit");
  config = minimal_config();
  config["process"]["oomScoreAdj"] = -1001;
  refused(config, "process.oomScoreAdj");
  config = minimal_config();
  config["linux"] = {{"seccomp", {{"defaultAction", "SCMP_ACT_EXPLODE"}}}};
  refused(config, "unknown seccomp action \"SCMP_ACT_EXPLODE\"");
  config["linux"] = {{"seccomp", {{"defaultAction", "SCMP_ACT_NOTIFY"}}}};
  refused(config, "SCMP_ACT_NOTIFY is not supported");
  config["linux"] = {{"seccomp", {{"defaultAction", "SCMP_ACT_ALLOW"},
                                  {"syscalls", {{{"names", {"read"}}, {"action", "SCMP_ACT_ERRNO"},
                                                 {"args", {{{"index", 6}, {"value", 1}, {"op", "SCMP_CMP_EQ"}}}}}}}}}};
  refused(config, "must be 0 to 5");
  config["linux"] = {{"seccomp", {{"defaultAction", "SCMP_ACT_ALLOW"}, {"flags", {"SECCOMP_FILTER_FLAG_MAGIC"}}}}};
  refused(config, "unknown flag");
}

TEST_CASE("linux.devices and linux.resources.devices are read") {
  json config = minimal_config();
  config["linux"] = {{"devices", {{{"path", "/dev/fuse"}, {"type", "c"}, {"major", 10}, {"minor", 229},
                                   {"fileMode", 438}, {"uid", 0}, {"gid", 0}}}},
                     {"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}},
                                                 {{"allow", true}, {"type", "c"}, {"major", 10}, {"minor", 229}, {"access", "rw"}}}}}}};
  auto spec = parse(config);
  REQUIRE(spec);
  REQUIRE(spec->devices.size() == 1);
  CHECK(spec->devices[0].major == 10);
  CHECK(spec->devices[0].file_mode == 438u);
  REQUIRE(spec->resources.devices.size() == 2);
  CHECK(spec->resources.devices[0].type == 'a');
  CHECK_FALSE(spec->resources.devices[0].major);
  CHECK(spec->resources.devices[1].access == "rw");
  config["linux"]["resources"]["devices"][1]["access"] = "rwx";
  CHECK_FALSE(parse(config));
}

TEST_CASE("the security settings survive the exec spec's encoding") {
  ExecSpec spec;
  spec.container_init = {42, 7};
  spec.process.args = {"sh"};
  spec.process.security.capabilities = CapabilitySets{{0, 5}, {5}, {}, {5}, {}};
  spec.process.security.no_new_privileges = true;
  spec.process.security.rlimits = {{RLIMIT_NOFILE, 10, 20}};
  SeccompProfile profile;
  profile.default_action = {SeccompActionKind::kErrno, 1};
  profile.rules.push_back({{"read"}, {SeccompActionKind::kAllow, 0}, {{1, 0x10, 0x10, SeccompCompare::kMaskedEqual}}});
  spec.process.security.seccomp = profile;
  auto decoded = decode_exec_spec(encode_exec_spec(spec));
  REQUIRE(decoded);
  const ProcessSecurity& security = decoded->process.security;
  REQUIRE(security.capabilities);
  CHECK(security.capabilities->bounding == std::vector<int>{0, 5});
  CHECK(security.no_new_privileges);
  CHECK(security.rlimits.at(0).hard == 20);
  REQUIRE(security.seccomp);
  CHECK(security.seccomp->rules.at(0).args.at(0).op == SeccompCompare::kMaskedEqual);
  CHECK(security.seccomp->rules.at(0).args.at(0).value_two == 0x10);
}

TEST_CASE("capability names") {
  CHECK(capability_from_name("CAP_SYS_ADMIN") == 21);
  CHECK_FALSE(capability_from_name("SYS_ADMIN"));
  CHECK_FALSE(capability_from_name("cap_sys_admin"));
  CHECK(capability_name(21) == "CAP_SYS_ADMIN");
  CHECK(rlimit_name(RLIMIT_NOFILE) == "RLIMIT_NOFILE");
}
