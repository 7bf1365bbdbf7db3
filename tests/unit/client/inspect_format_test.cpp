#include "inspect_format.hpp"

#include <doctest/doctest.h>

using gocker::client::render_inspect_format;

namespace {

nlohmann::ordered_json sample() {
  return nlohmann::ordered_json::parse(R"({
    "Id": "abc", "State": {"Status": "running", "ExitCode": 0, "Pid": 4242, "OOMKilled": false},
    "HostConfig": {"Memory": 67108864, "NanoCpus": 1.5},
    "Config": {"Env": ["A=1", "B=2"], "Labels": {"z": "1", "a": "2"}, "Entrypoint": null},
    "NetworkSettings": {}
  })");
}

}  // namespace

TEST_CASE("inspect --format prints fields as docker inspect does") {
  CHECK(*render_inspect_format("{{.State.Status}}", sample()) == "running");
  CHECK(*render_inspect_format("{{.State.ExitCode}} {{.State.Pid}} {{.State.OOMKilled}}", sample()) == "0 4242 false");
  CHECK(*render_inspect_format("{{.HostConfig.Memory}}", sample()) == "67108864");
  CHECK(*render_inspect_format("{{ .HostConfig.NanoCpus }}", sample()) == "1.5");
  CHECK(*render_inspect_format("{{.Config.Env}}", sample()) == "[A=1 B=2]");
  CHECK(*render_inspect_format("{{.Config.Labels}}", sample()) == "map[a:2 z:1]");
  CHECK(*render_inspect_format("{{.NetworkSettings}}", sample()) == "map[]");
  CHECK(*render_inspect_format("{{.Config.Entrypoint}}", sample()) == "<nil>");
  CHECK(*render_inspect_format("{{.Nope.Deeper}}", sample()) == "<no value>");
  CHECK(*render_inspect_format("id={{.Id}}!", sample()) == "id=abc!");
}

TEST_CASE("inspect --format json prints JSON") {
  CHECK(*render_inspect_format("{{json .Config.Env}}", sample()) == R"(["A=1","B=2"])");
  CHECK(*render_inspect_format("{{json .State.Status}}", sample()) == R"("running")");
}

TEST_CASE("inspect --format refuses what it does not understand") {
  CHECK_FALSE(render_inspect_format("{{.State.Status", sample()).has_value());
  CHECK_FALSE(render_inspect_format("{{range .Config.Env}}{{.}}{{end}}", sample()).has_value());
  CHECK_FALSE(render_inspect_format("{{index .Config.Env 0}}", sample()).has_value());
}
