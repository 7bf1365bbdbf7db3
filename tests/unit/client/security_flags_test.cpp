#include "security_flags.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace gocker;
using namespace gocker::client;

TEST_CASE("--ulimit: NAME=SOFT[:HARD]") {
  auto both = parse_ulimit_flag("nofile=1024:2048");
  REQUIRE(both);
  CHECK(both.value().name == "nofile");
  CHECK(both.value().soft == 1024);
  CHECK(both.value().hard == 2048);
  auto one = parse_ulimit_flag("nproc=64");
  REQUIRE(one);
  CHECK(one.value().hard == 64);
  for (const char* bad : {"nofile", "=5", "nofile=x", "nofile=1:y", "nofile=1:2:3"}) {
    auto parsed = parse_ulimit_flag(bad);
    CHECK_MESSAGE(!parsed, bad);
    if (!parsed) CHECK(parsed.error().message.find("--ulimit") != std::string::npos);
  }
}

TEST_CASE("--device: host path, container path, permissions") {
  auto plain = parse_device_flag("/dev/fuse");
  REQUIRE(plain);
  CHECK(plain.value().path_in_container == "/dev/fuse");
  CHECK(plain.value().cgroup_permissions == "rwm");
  auto renamed = parse_device_flag("/dev/fuse:/dev/f");
  REQUIRE(renamed);
  CHECK(renamed.value().path_in_container == "/dev/f");
  auto readonly = parse_device_flag("/dev/fuse:r");
  REQUIRE(readonly);
  CHECK(readonly.value().path_in_container == "/dev/fuse");
  CHECK(readonly.value().cgroup_permissions == "r");
  auto all = parse_device_flag("/dev/fuse:/dev/f:rw");
  REQUIRE(all);
  CHECK(all.value().cgroup_permissions == "rw");
  CHECK_FALSE(parse_device_flag("/dev/fuse:/dev/f:rwx"));
  CHECK_FALSE(parse_device_flag("fuse"));
  CHECK_FALSE(parse_device_flag("/a:/b:rw:extra"));
}

TEST_CASE("security flags into HostConfig: seccomp=FILE sends the file's content") {
  const std::string path = "/tmp/gocker-unit-seccomp.json";
  std::ofstream(path) << R"({"defaultAction":"SCMP_ACT_ALLOW"})";
  RunFlags flags;
  flags.privileged = true;
  flags.cap_add = {"NET_ADMIN"};
  flags.security_opt = {"seccomp=" + path, "seccomp=unconfined", "no-new-privileges"};
  flags.sysctls = {"net.ipv4.ip_forward=1"};
  flags.oom_score_adj = 10;
  api::HostConfig host;
  REQUIRE(apply_security_flags(flags, host));
  CHECK(host.privileged);
  CHECK(host.cap_add == std::vector<std::string>{"NET_ADMIN"});
  CHECK(host.security_opt == std::vector<std::string>{R"(seccomp={"defaultAction":"SCMP_ACT_ALLOW"})",
                                                      "seccomp=unconfined", "no-new-privileges"});
  CHECK(host.sysctls.at("net.ipv4.ip_forward") == "1");
  CHECK(host.oom_score_adj == 10);
  std::remove(path.c_str());
  flags.security_opt = {"seccomp=/nonexistent/profile.json"};
  auto missing = apply_security_flags(flags, host);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("opening seccomp profile (/nonexistent/profile.json) failed") == 0);
  flags.security_opt.clear();
  flags.sysctls = {"novalue"};
  api::HostConfig other;
  CHECK_FALSE(apply_security_flags(flags, other));
}
