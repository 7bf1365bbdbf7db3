#include <doctest/doctest.h>

#include "engine/oci_config.hpp"

using namespace gocker;
using namespace gocker::engine;
using nlohmann::json;

namespace {

RuntimeConfigInputs sample_inputs() {
  RuntimeConfigInputs inputs;
  inputs.container_id = std::string(64, 'a');
  inputs.hostname = "aaaaaaaaaaaa";
  inputs.config.cmd = {"echo", "hello world"};
  inputs.config.env = {"A=1"};
  inputs.rootfs_path = "/var/lib/gocker/containers/x/rootfs";
  inputs.bundle_dir = "/var/lib/gocker/containers/x";
  inputs.cgroups_path = "gocker/x";
  return inputs;
}

}  // namespace

TEST_CASE("image defaults merge as Docker's: request Cmd replaces, Entrypoint kept, env overridden by key") {
  json image = {{"Env", {"PATH=/bin", "A=image"}}, {"Cmd", {"sh"}}, {"Entrypoint", {"/entry"}}, {"WorkingDir", "/w"}};
  api::ContainerConfig request;
  request.env = {"A=request", "B=2"};
  request.cmd = {"ls", "-l"};
  auto merged = merge_image_config(request, image);
  CHECK(merged.env == std::vector<std::string>{"PATH=/bin", "A=request", "B=2"});
  CHECK(process_args(merged) == std::vector<std::string>{"/entry", "ls", "-l"});
  CHECK(merged.working_dir == "/w");

  api::ContainerConfig no_cmd;
  CHECK(process_args(merge_image_config(no_cmd, image)) == std::vector<std::string>{"/entry", "sh"});

  api::ContainerConfig own_entrypoint;
  own_entrypoint.entrypoint = std::vector<std::string>{"/bin/echo"};
  CHECK(process_args(merge_image_config(own_entrypoint, image)) == std::vector<std::string>{"/bin/echo"});
}

TEST_CASE("config.json carries the command verbatim, env, user and namespaces") {
  auto inputs = sample_inputs();
  inputs.user.uid = 1000;
  inputs.user.gid = 100;
  inputs.user.additional_gids = {10};
  inputs.config.working_dir = "/tmp";
  auto config = build_oci_config(inputs);
  CHECK(config["ociVersion"] == "1.1.0");
  CHECK(config["process"]["args"] == json({"echo", "hello world"}));
  CHECK(config["process"]["cwd"] == "/tmp");
  CHECK(config["process"]["user"]["uid"] == 1000);
  CHECK(config["process"]["user"]["gid"] == 100);
  CHECK(config["process"]["user"]["additionalGids"] == json({10}));
  auto env = config["process"]["env"].get<std::vector<std::string>>();
  CHECK(std::find(env.begin(), env.end(), "A=1") != env.end());
  CHECK(std::find(env.begin(), env.end(), "HOSTNAME=aaaaaaaaaaaa") != env.end());
  CHECK(std::find(env.begin(), env.end(), std::string("PATH=") + kDefaultPath) != env.end());
  CHECK(config["hostname"] == "aaaaaaaaaaaa");
  CHECK(config["root"]["path"] == inputs.rootfs_path);
  std::vector<std::string> namespaces;
  for (const auto& ns : config["linux"]["namespaces"]) namespaces.push_back(ns["type"]);
  CHECK(namespaces == std::vector<std::string>{"pid", "ipc", "uts", "mount", "network"});
  bool has_hostname_bind = false;
  for (const auto& mount : config["mounts"])
    if (mount["destination"] == "/etc/hostname") has_hostname_bind = mount["source"] == inputs.bundle_dir + "/hostname";
  CHECK(has_hostname_bind);
  CHECK(config["annotations"]["org.gocker.open-stdin"] == "false");
}

TEST_CASE("limits translate to OCI resources") {
  auto inputs = sample_inputs();
  inputs.host_config.memory = 64 * 1024 * 1024;
  inputs.host_config.nano_cpus = 500'000'000;
  inputs.host_config.cpu_shares = 512;
  inputs.host_config.cpuset_cpus = "0";
  inputs.host_config.pids_limit = 50;
  auto resources = build_oci_config(inputs)["linux"]["resources"];
  CHECK(resources["memory"]["limit"] == 64 * 1024 * 1024);
  CHECK(resources["memory"]["swap"] == 2 * 64 * 1024 * 1024);
  CHECK(resources["cpu"]["quota"] == 50000);
  CHECK(resources["cpu"]["period"] == 100000);
  CHECK(resources["cpu"]["shares"] == 512);
  CHECK(resources["cpu"]["cpus"] == "0");
  CHECK(resources["pids"]["limit"] == 50);

  inputs.host_config.memory_swap = -1;
  CHECK(build_oci_config(inputs)["linux"]["resources"]["memory"]["swap"] == -1);
  // Without limits only the device rules are there (none at all without resolved security).
  auto defaults = build_oci_config(sample_inputs())["linux"]["resources"];
  CHECK_FALSE(defaults.contains("memory"));
  CHECK_FALSE(defaults.contains("cpu"));
  CHECK_FALSE(defaults.contains("pids"));
}

TEST_CASE("host config validation rejects what Docker rejects") {
  api::HostConfig host;
  CHECK(validate_host_config(host, 2));
  host.memory = 1024;
  CHECK(validate_host_config(host, 2).error().message == "Minimum memory limit allowed is 6MB");
  host = {};
  host.memory = 64 << 20;
  host.memory_swap = 32 << 20;
  CHECK_FALSE(validate_host_config(host, 2));
  host = {};
  host.nano_cpus = 3'000'000'000;
  CHECK(validate_host_config(host, 2).error().kind == ErrorKind::InvalidArgument);
  host = {};
  host.cpuset_cpus = "0-1";
  CHECK(validate_host_config(host, 2));
  host.cpuset_cpus = "5";
  CHECK_FALSE(validate_host_config(host, 2));
  host.cpuset_cpus = "a,b";
  CHECK_FALSE(validate_host_config(host, 2));
}

TEST_CASE("config.json text with a seccomp profile given as text is the config build_oci_config makes") {
  auto inputs = sample_inputs();
  CHECK(json::parse(oci_config_text(inputs, "")) == build_oci_config(inputs));
  CHECK_FALSE(json::parse(oci_config_text(inputs, ""))["linux"].contains("seccomp"));

  inputs.security.seccomp = std::make_shared<const json>(
      json{{"defaultAction", "SCMP_ACT_ERRNO"}, {"syscalls", {{{"names", {"read", "write"}}, {"action", "SCMP_ACT_ALLOW"}}}}});
  const json expected = build_oci_config(inputs);
  const json written = json::parse(oci_config_text(inputs, inputs.security.seccomp->dump()));
  CHECK(written == expected);
  CHECK(written["linux"]["seccomp"]["syscalls"][0]["names"] == json({"read", "write"}));
  CHECK(written["linux"]["cgroupsPath"] == "gocker/x");
}
